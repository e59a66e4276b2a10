"""`culturesim plot` and `culturesim report`: a figure, and one self-contained HTML page a board could
be handed, checked in a real browser (Debian's chromium, headless, through Playwright)."""

from __future__ import annotations

import re
import shutil

import matplotlib.image
import pytest

import culturesim as cs
from culturesim import cli
from culturesim.policy import FIELD_NAMES


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "board.h5"
    cs.Experiment(
        [
            cs.Scenario("typical"),
            cs.Scenario("just_culture", policy="just_culture"),
            cs.Scenario("ramp", interventions=[cs.Intervention.ramp(start_year=0.5, years=1, from_blame=0.6)]),
        ],
        replicates=3,
        years=2,
        warmup_years=1,
    ).run(path, progress=False, description="Culture programme options <for the board>")
    return path


def test_plot_writes_a_figure_and_refuses_to_overwrite(results, tmp_path, capsys):
    out = tmp_path / "fig.png"
    assert cli.main(["plot", str(results), "-o", str(out), "--metric", "harm_events", "quits"]) == 0
    image = matplotlib.image.imread(out)
    assert image.shape[0] > 100 and image.shape[1] > 100
    assert cli.main(["plot", str(results), "-o", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert cli.main(["plot", str(results), "-o", str(tmp_path / "fig.svg"), "--scenario", "ramp"]) == 0
    assert (tmp_path / "fig.svg").read_text().lstrip().startswith("<?xml")
    assert cli.main(["plot", str(results), "-o", str(tmp_path / "fig.gif"), "--force"]) == 2
    assert "must be .png, .svg or .pdf" in capsys.readouterr().err
    assert cli.main(["plot", str(results), "-o", str(tmp_path / "f.png"), "--metric", "harm"]) == 2
    assert "unknown output 'harm'" in capsys.readouterr().err


def test_plot_by_default_writes_beside_the_results(results, tmp_path):
    copy = tmp_path / "copy.h5"
    shutil.copy(results, copy)
    assert cli.main(["plot", str(copy)]) == 0
    assert (tmp_path / "copy.png").stat().st_size > 10_000


def report_text(results, tmp_path, *extra) -> str:
    out = tmp_path / "report.html"
    assert cli.main(["report", str(results), "-o", str(out), *extra]) == 0
    return out.read_text(encoding="utf-8")


def test_the_report_is_one_self_contained_page_with_everything_a_board_needs(results, tmp_path):
    page = report_text(results, tmp_path, "--horizon", "1.5")
    # Nothing outside the file: no links, scripts or images from elsewhere.
    assert not re.search(r"<(link|script)\b", page) and not re.search(r'src="(?!data:image/png;base64,)', page)
    # costs by part + trajectories + a forest per compared scenario
    assert page.count("data:image/png;base64,") == 4
    assert "<title>Culture programme options &lt;for the board&gt;</title>" in page  # escaped
    for text in (
        "What was run",
        "1 years under typical before day 0",
        "ramp blame 0.6 -&gt; 0 over 365 days",
        "How to read the intervals",
        "common random numbers",
        "Economics over 1.5 years",
        "3% a year",
        "Sanders et al., JAMA 2016",
        "Net cost per harm event averted",
        "Summary",
        "Limitations",
        "return on investment",
        "software.numpy",
        "Culture programme options &lt;for the board&gt;",
    ):
        assert text in page, text
    for field in FIELD_NAMES:
        assert f'<td class="text">{field.replace("_", " ")}</td>' in page, field
    for scenario in ("typical", "just_culture", "ramp"):
        assert f"<h3>{scenario}</h3>" in page or scenario == "typical"
    assert "e+0" not in page.split("<h2>Figures</h2>")[0]


def test_the_report_refuses_bad_options(results, tmp_path, capsys):
    assert cli.main(["report", str(results), "-o", str(tmp_path / "r.html"), "--baseline", "nope"]) == 2
    assert "unknown scenario 'nope'" in capsys.readouterr().err
    assert not (tmp_path / "r.html").exists()
    assert cli.main(["report", str(results), "-o", str(tmp_path / "r.html"), "--horizon", "5"]) == 2
    assert "beyond the run's 2 years" in capsys.readouterr().err
    (tmp_path / "mine.html").write_text("mine")
    assert cli.main(["report", str(results), "-o", str(tmp_path / "mine.html")]) == 2
    assert (tmp_path / "mine.html").read_text() == "mine"


@pytest.mark.slow
def test_a_headless_chromium_renders_every_figure_and_table(results, tmp_path, render_in_chromium):
    """The page in a real browser: every image decodes (naturalWidth > 0) and every table has rows
    and takes space on the page."""
    page_file = tmp_path / "report.html"
    report_text(results, tmp_path)
    images, tables = render_in_chromium(page_file, tmp_path / "report.png")
    assert len(images) == 4  # costs by part, trajectories, a forest per compared scenario
    for image in images:
        assert image["ok"] and image["w"] > 300 and image["h"] > 200 and image["shown"] > 300, image
    assert len(tables) >= 6
    for table in tables:
        assert table["rows"] >= 2 and table["cells"] > 0 and table["height"] > 30, table
    assert matplotlib.image.imread(tmp_path / "report.png").shape[0] > 2000  # a long page was drawn
