"""bindings/culturesim/_engine.pyi matches the compiled module: every public name of _engine is in the
stub (and nothing else), and each function and method takes the same arguments, with the same defaults,
as the signature pybind11 records in its docstring."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

from culturesim import _engine

STUB = Path(_engine.__file__).with_name("_engine.pyi")
if not STUB.exists():  # an installed wheel without the source tree still ships the stub beside the module
    STUB = Path(__file__).resolve().parents[2] / "bindings" / "culturesim" / "_engine.pyi"


def stub_tree() -> ast.Module:
    return ast.parse(STUB.read_text(), filename=str(STUB))


def public(names):
    return {n for n in names if not n.startswith("_") or n == "__version__"}


def stub_definitions() -> dict[str, ast.AST]:
    """Top-level names the stub declares (functions, classes, annotated variables)."""
    out: dict[str, ast.AST] = {}
    for node in stub_tree().body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            out[node.name] = node
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            out[node.target.id] = node
    return out


def module_public_names() -> set[str]:
    return public(n for n in dir(_engine) if not inspect.ismodule(getattr(_engine, n)))


def test_the_stub_is_valid_python():
    compile(STUB.read_text(), str(STUB), "exec")


def test_every_public_name_of_the_engine_is_in_the_stub():
    missing = module_public_names() - set(stub_definitions())
    assert not missing, f"add to {STUB.name}: {sorted(missing)}"


def test_the_stub_declares_nothing_the_engine_lacks():
    stub = {n for n in public(stub_definitions()) if not n.startswith("_")} | (
        {"__version__"} if "__version__" in stub_definitions() else set()
    )
    extra = stub - module_public_names()
    assert not extra, f"not in the compiled module: {sorted(extra)}"


def test_classes_have_the_same_public_members():
    defs = stub_definitions()
    for name in module_public_names() & set(defs):
        cls = getattr(_engine, name)
        if not isinstance(cls, type):
            continue
        members = {n for n in vars(cls) if not n.startswith("_")}
        stubbed = {node.name for node in defs[name].body if isinstance(node, ast.FunctionDef)}
        assert members == {m for m in stubbed if not m.startswith("_")}, name
        assert "__init__" in stubbed, name


SIGNATURE = re.compile(r"^\w+\((?P<args>.*)\) -> .*$")


def split_arguments(text: str) -> list[str]:
    """The top-level comma-separated pieces of a pybind11 argument list."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    if text[start:].strip():
        parts.append(text[start:].strip())
    return parts


def bound_arguments(func) -> list[tuple[str, str | None]]:
    """(name, default as text or None) of each argument, from pybind11's docstring signature."""
    first = (func.__doc__ or "").strip().splitlines()[0]
    match = SIGNATURE.match(first)
    assert match, f"no pybind11 signature in {func.__doc__!r}"
    out = []
    for part in split_arguments(match["args"]):
        name, _, rest = part.partition(":")
        default = rest.split("=", 1)[1].strip() if "=" in rest else None
        out.append((name.strip(), default))
    return out


def stub_arguments(node: ast.FunctionDef) -> list[tuple[str, str | None]]:
    args = node.args.posonlyargs + node.args.args
    defaults = [None] * (len(args) - len(node.args.defaults)) + [ast.unparse(d) for d in node.args.defaults]
    return [(a.arg, d) for a, d in zip(args, defaults)]


def same_default(bound: str | None, stubbed: str | None) -> bool:
    if bound is None or stubbed is None:
        return bound == stubbed
    return ast.literal_eval(stubbed) == ast.literal_eval(bound)


def callables():
    defs = stub_definitions()
    for name in sorted(module_public_names() & set(defs)):  # missing names fail the test above
        obj = getattr(_engine, name)
        if isinstance(obj, type):
            for member, node in ((n.name, n) for n in defs[name].body if isinstance(n, ast.FunctionDef)):
                if member == "__init__" or not member.startswith("_"):
                    attr = vars(obj).get(member)
                    if attr is not None and callable(attr) and not isinstance(attr, property):
                        yield f"{name}.{member}", attr, node
        elif callable(obj):
            yield name, obj, defs[name]


@pytest.mark.parametrize("name, func, node", [pytest.param(*c, id=c[0]) for c in callables()])
def test_arguments_and_defaults_match_the_bindings(name, func, node):
    bound = bound_arguments(func)
    stubbed = stub_arguments(node)
    assert [a for a, _ in stubbed] == [a for a, _ in bound], name
    for (arg, b), (_, s) in zip(bound, stubbed):
        assert same_default(b, s), f"{name}({arg}): bindings default {b}, stub {s}"


def test_properties_in_the_stub_are_properties_in_the_bindings():
    defs = stub_definitions()
    for name in module_public_names() & set(defs):
        cls = getattr(_engine, name)
        if not isinstance(cls, type):
            continue
        for node in defs[name].body:
            if isinstance(node, ast.FunctionDef) and any(
                isinstance(d, ast.Name) and d.id == "property" for d in node.decorator_list
            ):
                assert isinstance(vars(cls)[node.name], property), f"{name}.{node.name}"
