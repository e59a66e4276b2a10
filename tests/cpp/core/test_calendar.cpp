// Calendar recording (core/calendar.hpp, core/clock.hpp): months, quarters and years of the
// 365-day year as recorded periods, and that recording is observation only.
#include <numeric>
#include <string>

#include "agents/simulation.hpp"
#include "core/clock.hpp"
#include "core/errors.hpp"
#include "experiments/schema.hpp"
#include "tests/cpp/catch.hpp"
#include "tests/cpp/test_helpers.hpp"

using namespace culturesim;
using culturesim::testing::contains;
using culturesim::testing::message_of;

TEST_CASE("Calendar periods tile the 365-day year without a short tail", "[core][calendar]") {
  const core::Clock months{3 * core::kDaysPerYear, core::kRecordMonth};
  REQUIRE(months.periods() == 36);
  std::int64_t day = 0;
  for (std::int64_t p = 0; p < months.periods(); ++p) {
    CHECK(months.period_start(p) == day);
    CHECK(months.period_end(p) - months.period_start(p) == core::kMonthDays[static_cast<std::size_t>(p % 12)]);
    for (std::int64_t d = months.period_start(p); d < months.period_end(p); ++d) REQUIRE(months.period_of(d) == p);
    day = months.period_end(p);
  }
  CHECK(day == 3 * core::kDaysPerYear);
  const core::Clock quarters{2 * core::kDaysPerYear, core::kRecordQuarter};
  REQUIRE(quarters.periods() == 8);
  for (std::int64_t p = 0; p < 8; ++p) {
    const std::int64_t length = quarters.period_end(p) - quarters.period_start(p);
    CHECK(length == std::vector<std::int64_t>{90, 91, 92, 92}[static_cast<std::size_t>(p % 4)]);
  }
  const core::Clock years{5 * core::kDaysPerYear, core::kRecordYear};
  CHECK(years.periods() == 5);
  CHECK(years.period_of(364) == 0);
  CHECK(years.period_of(365) == 1);
  // A run that ends inside a period ends on a shorter period (the days it covers), never an empty one.
  const core::Clock part{400, core::kRecordMonth};
  CHECK(part.periods() == 14);
  CHECK(part.period_end(13) - part.period_start(13) == 4);  // Feb of year 2: days 396-399
  CHECK(core::recording_name(core::kRecordQuarter) == "quarter");
  CHECK(core::recording_name(30) == "30 days");
  CHECK(core::calendar_code("year") == core::kRecordYear);
  CHECK_FALSE(core::calendar_code("monthly"));
}

TEST_CASE("Recording by month observes the same days as recording every day", "[core][calendar][simulation]") {
  Hospital h;
  h.name = "small";
  h.units = {Unit{"A", {30, 10, 5, 3}}, Unit{"B", {20, 5, 5, 2}}};
  RunOptions daily;
  daily.days = 2 * core::kDaysPerYear;
  daily.record_every = 1;
  daily.seed = 9;
  RunOptions monthly = daily;
  monthly.record_every = core::kRecordMonth;
  const RunResult d = simulate(h, Params{}, Policy::blame(), daily);
  const RunResult m = simulate(h, Params{}, Policy::blame(), monthly);
  REQUIRE(m.series.periods() == 24);
  const auto& specs = output_specs();
  for (std::size_t o = 0; o < specs.size(); ++o) {
    std::size_t day = 0;
    for (std::size_t p = 0; p < 24; ++p) {
      const auto length = static_cast<std::size_t>(m.period_days[p]);
      if (specs[o].kind == "flow") {  // the month's total is the sum of its days
        double total = 0.0;
        for (std::size_t k = day; k < day + length; ++k) total += d.series.at(o, k);
        CHECK(m.series.at(o, p) == Approx(total).epsilon(1e-12).margin(1e-9));
      } else {  // a level is the value at the month's last day
        CHECK(m.series.at(o, p) == d.series.at(o, day + length - 1));
      }
      day += length;
    }
  }
}

TEST_CASE("Files record by month unless they say otherwise", "[experiments][schema][calendar]") {
  CHECK(parse_experiment("[[scenarios]]\nname = \"a\"\n").settings.record_every == core::kRecordMonth);
  CHECK(parse_experiment("record_every = \"quarter\"\n[[scenarios]]\nname = \"a\"\n").settings.record_every ==
        core::kRecordQuarter);
  CHECK(parse_experiment("record_every = 7\n[[scenarios]]\nname = \"a\"\n").settings.record_every == 7);
  const std::string bad = message_of<InvalidValue>(
      [] { parse_experiment("record_every = \"weekly\"\n[[scenarios]]\nname = \"a\"\n", "bad.toml"); });
  CHECK(contains(bad,
                 "bad.toml, line 1: 'record_every' = \"weekly\" is not a calendar period; allowed \"month\", "
                 "\"quarter\", \"year\" or days per recorded period, 1 to 36500"));
  // Written back as the user writes it, and read back the same.
  RunSettings s;
  s.record_every = core::kRecordYear;
  const std::string text = dump_experiment(s, {Scenario{}});
  CHECK(contains(text, "record_every = \"year\""));
  CHECK(parse_experiment(text).settings.record_every == core::kRecordYear);
  RunOptions o;
  o.record_every = -5;
  CHECK(contains(message_of<InvalidValue>([&] { o.validate(); }), "month (-12), quarter (-4), year (-1)"));
}
