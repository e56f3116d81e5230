"""The engine's front door: every public name loads, and loads from where mypy reads it."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
from types import ModuleType

import engine

FRONT_DOOR = Path(engine.__file__)


def _type_checking_imports() -> dict[str, tuple[str, str | None]]:
    """What the ``if TYPE_CHECKING:`` block of engine/__init__.py imports, as the table has it."""
    tree = ast.parse(FRONT_DOOR.read_text(encoding="utf-8"))
    (block,) = [
        node
        for node in tree.body
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
    ]
    found: dict[str, tuple[str, str | None]] = {}
    for statement in block.body:
        assert isinstance(statement, ast.ImportFrom) and statement.module
        for alias in statement.names:
            value = getattr(importlib.import_module(statement.module), alias.name)
            found[alias.asname or alias.name] = (
                (value.__name__, None)
                if isinstance(value, ModuleType)
                else (statement.module, alias.name)
            )
    return found


def test_every_public_name_loads_the_object_its_module_defines() -> None:
    for name in engine.__all__:
        module, attribute = engine._EXPORTS[name]
        expected = importlib.import_module(module)
        if attribute is not None:
            expected = getattr(expected, attribute)
        assert getattr(engine, name) is expected, name


def test_no_public_name_is_hidden_by_a_submodule_of_the_same_name() -> None:
    """Importing ``engine.x`` sets the package's ``x`` to the module, whatever was there."""
    submodules = {path.stem for path in FRONT_DOOR.parent.iterdir()}
    shadowed = [n for n, (_, attribute) in engine._EXPORTS.items() if attribute and n in submodules]
    assert shadowed == []


def test_what_mypy_reads_is_what_runs() -> None:
    assert sorted(engine.__all__) == sorted(engine._EXPORTS)
    assert _type_checking_imports() == engine._EXPORTS


def test_importing_the_engine_runs_nothing_of_it() -> None:
    """Only the standard library at the top of the front door: ``--help`` stays instant."""
    tree = ast.parse(FRONT_DOOR.read_text(encoding="utf-8"))
    loaded = [
        ast.unparse(node)
        for node in tree.body
        if isinstance(node, ast.Import | ast.ImportFrom)
        and (getattr(node, "module", None) or node.names[0].name).partition(".")[0]
        not in {"__future__", "importlib", "typing"}
    ]
    assert loaded == []


def test_a_name_the_front_door_does_not_offer_is_an_attribute_error() -> None:
    try:
        engine.__getattr__("EngineSupervisor")
    except AttributeError as exc:
        assert "EngineSupervisor" in str(exc)
    else:
        raise AssertionError("engine offered a private name")
