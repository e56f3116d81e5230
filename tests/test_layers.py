"""The house's layers point one way and no module imports itself back (STYLE.md).

Every ``.py`` file of the tree is parsed, never imported. Every import statement counts,
also one inside a function or under ``if TYPE_CHECKING``: a lazy import is still a
dependency, and STYLE forbids cycles "not even lazy ones".
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TREE = ("app", "gui", "server", "engine", "harness", "bench", "packaging", "tests")

#: The other packages of the tree each one may import; tests/ and packaging/, absent here,
#: may import anything.
MAY_IMPORT: dict[str, tuple[str, ...]] = {
    "engine": (),
    "server": ("engine",),
    "gui": ("engine",),
    "app": ("gui", "server", "engine"),
    "harness": ("app", "server", "engine"),
    "bench": ("harness", "app", "gui", "server", "engine"),
}

#: Libraries a layer never imports: the engine knows nothing of HTTP or Qt, the server
#: nothing of Qt, the window nothing of the web framework.
NEVER_IMPORTS: dict[str, tuple[str, ...]] = {
    "engine": ("PySide6", "shiboken6", "fastapi", "starlette", "uvicorn"),
    "server": ("PySide6", "shiboken6"),
    "gui": ("fastapi", "starlette", "uvicorn"),
}

#: The faces reach the engine only through its front door, ``from engine import NAME`` with
#: NAME in ``engine.__all__``. app/ may reach deeper: it wires the engine together (stacks,
#: supervisor, engine process) and so uses what the faces must not.
FRONT_DOOR = "engine"
FRONT_DOOR_USERS = ("gui", "server")

#: The rooms of each face and the other rooms each may import (their package docstrings say
#: why); the shell at a face's top (app.py, main_window.py, ...) may import any room.
ROOMS: dict[str, tuple[str, ...]] = {
    "gui.settings": (),
    "gui.tasks": ("gui.settings",),
    "gui.recording": ("gui.settings", "gui.tasks"),
    "gui.transcript": ("gui.settings", "gui.tasks", "gui.recording"),
    "server.http": (),
    "server.live": ("server.http",),
    "server.routes": ("server.http",),
}

#: Inside the engine, the stack, the decoding pipeline and the model store know nothing of
#: each other, nor of what puts them together (which may import them all).
ENGINE_PARTS = ("engine.stack", "engine.pipeline", "engine.models")
ENGINE_ASSEMBLERS = ("engine.process", "engine.service")


@dataclass(frozen=True)
class Import:
    """One imported name as a module wrote it, and the modules of the tree it loads."""

    module: str  # the importing module, e.g. "gui.settings.preferences"
    path: str  # its file, from the root
    line: int
    text: str  # the statement, e.g. "from app.settings import Settings"
    library: str  # the top-level package named (resolved when relative)
    loads: frozenset[str]  # the module named, its packages, and each name that is a module

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text}"


def _modules() -> dict[str, Path]:
    found = {}
    for top in TREE:
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _absolute(package: str, level: int, name: str | None) -> str:
    """The module a (possibly relative) ``from`` names."""
    if not level:
        return name or ""
    parts = package.split(".")
    parts = parts[: len(parts) - (level - 1)]
    return ".".join([*parts, name] if name else parts)


def _imports_of(module: str, path: Path, source: str, modules: Collection[str]) -> Iterator[Import]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    # A module's own packages are loaded before it runs: passing through one on the way to
    # a sibling (``from engine.task import Task`` in engine.service.tasks) is no dependency on
    # it, but taking a name that one defines (``from engine import TaskService``) is.
    steps = module.split(".")
    ancestors = {".".join(steps[:i]) for i in range(1, len(steps))}
    for node in ast.walk(ast.parse(source, str(path))):
        named: list[tuple[str, tuple[str, ...]]]  # (module, the members a from-import names)
        if isinstance(node, ast.Import):
            named = [(alias.name, ()) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(package, node.level, node.module)
            named = [(base, tuple(f"{base}.{alias.name}" for alias in node.names))]
        else:
            continue
        for name, members in named:
            parts = name.split(".")
            prefixes = {".".join(parts[:i]) for i in range(1, len(parts) + 1)}
            defined_there = {name} if any(m not in modules for m in members) else set()
            loads = ((prefixes - ancestors) | defined_there | set(members)) & set(modules)
            loads -= {module}
            yield Import(
                module=module,
                path=path.relative_to(ROOT).as_posix() if path.is_absolute() else str(path),
                line=node.lineno,
                text=ast.unparse(node),
                library=parts[0],
                loads=frozenset(loads),
            )


@pytest.fixture(scope="module")
def imports() -> list[Import]:
    modules = _modules()
    return [
        found
        for module, path in modules.items()
        for found in _imports_of(module, path, path.read_text(encoding="utf-8"), modules)
    ]


def _layer(module: str) -> str:
    return module.partition(".")[0]


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _report(title: str, lines: list[str]) -> str:
    return title + "\n" + "\n".join(f"  {line}" for line in lines)


def test_each_layer_imports_only_the_layers_below(imports: list[Import]) -> None:
    wrong = []
    for found in imports:
        layer = _layer(found.module)
        allowed = MAY_IMPORT.get(layer)
        if allowed is None:
            continue
        for other in sorted({_layer(m) for m in found.loads} - {layer, *allowed}):
            below = ", ".join(f"{a}/" for a in allowed) or "nothing else of the tree"
            wrong.append(f"{found}   ({layer}/ imports {other}/; it may import {below})")
    assert not wrong, _report(
        "Layers point one way (app -> gui | server -> engine; harness -> app, server, "
        "engine; bench -> harness and the product; tests -> anything):",
        wrong,
    )


def test_engine_and_server_never_import_qt_and_the_window_never_the_web(
    imports: list[Import],
) -> None:
    wrong = [
        f"{found}   ({_layer(found.module)}/ never imports {found.library})"
        for found in imports
        if found.library in NEVER_IMPORTS.get(_layer(found.module), ())
    ]
    assert not wrong, _report("A layer imports a library it must not know:", wrong)


def test_the_stack_the_pipeline_and_the_model_store_do_not_know_each_other(
    imports: list[Import],
) -> None:
    wrong = []
    for found in imports:
        part = next((p for p in ENGINE_PARTS if _within(found.module, p)), None)
        if part is None:
            continue
        others = {
            p for p in (*ENGINE_PARTS, *ENGINE_ASSEMBLERS) for m in found.loads if _within(m, p)
        }
        wrong += [f"{found}   ({part} imports {other})" for other in sorted(others - {part})]
    assert not wrong, _report(
        f"{', '.join(ENGINE_PARTS)} import none of each other nor "
        f"{', '.join(ENGINE_ASSEMBLERS)} (which put them together):",
        wrong,
    )


def test_the_rooms_of_a_face_import_only_the_rooms_below_them(imports: list[Import]) -> None:
    wrong = []
    for found in imports:
        room = next((r for r in ROOMS if _within(found.module, r)), None)
        if room is None:
            continue
        for other in sorted({r for r in ROOMS for m in found.loads if _within(m, r)}):
            if other != room and other not in ROOMS[room]:
                below = ", ".join(ROOMS[room]) or "no other room"
                wrong.append(f"{found}   ({room} imports {other}; it may import {below})")
    assert not wrong, _report("A room imports a room it stands below:", wrong)


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for successor in graph[todo.pop()] - seen:
            seen.add(successor)
            todo.append(successor)
    return seen


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components: modules that import one another, however far."""
    reach = {module: _reachable(graph, module) for module in graph}
    components = {
        frozenset(other for other in reach[module] if module in reach[other])
        for module in graph
        if module in reach[module]
    }
    return sorted(sorted(component) for component in components)


def _shortest_cycle(graph: dict[str, set[str]], component: list[str]) -> list[str]:
    """The fewest modules of ``component`` that import one another round, the first last."""
    members = set(component)
    best: list[str] = []
    for start in component:
        came_from: dict[str, str] = {}  # breadth first, until the walk is back at start
        frontier = [start]
        while start not in came_from:
            following = []
            for node in frontier:
                for successor in sorted(graph[node] & members - came_from.keys()):
                    came_from[successor] = node
                    following.append(successor)
            frontier = following
        path = [start]
        while (step := came_from[path[-1]]) != start:
            path.append(step)
        path = [start, *reversed(path)]
        if not best or len(path) < len(best):
            best = path
    return best


def test_no_module_imports_itself_back(imports: list[Import]) -> None:
    graph: dict[str, set[str]] = {module: set() for module in _modules()}
    for found in imports:
        graph[found.module] |= found.loads
    wrong = []
    for component in _cycles(graph):
        cycle = _shortest_cycle(graph, component)
        wrong.append(f"{len(component)} modules import one another, for one: " + " -> ".join(cycle))
        wrong += [
            "  " + str(next(f for f in imports if f.module == a and b in f.loads))
            for a, b in pairwise(cycle)
        ]
    assert not wrong, _report(
        "Import cycles (a name lives in the wrong module; STYLE forbids even lazy ones):",
        wrong,
    )


def test_the_scan_counts_an_import_inside_a_function_and_a_relative_one() -> None:
    source = "def later():\n    from ..stack import memory\n"
    modules = {"engine", "engine.stack", "engine.stack.memory", "engine.pipeline.audio"}
    (found,) = _imports_of(
        "engine.pipeline.audio", Path("engine/pipeline/audio.py"), source, modules
    )
    assert (found.line, found.library) == (2, "engine")
    assert found.loads == {"engine.stack", "engine.stack.memory"}


def test_a_name_taken_from_a_modules_own_package_counts_and_passing_through_does_not() -> None:
    modules = {"engine", "engine.service.tasks", "engine.task", "gui", "gui.session"}
    source = "from engine import TaskService\nfrom engine.task import Task\n"
    inside, sibling = _imports_of(
        "engine.service.tasks", Path("engine/service/tasks.py"), source, modules
    )
    assert inside.loads == {"engine"}
    assert sibling.loads == {"engine.task"}
    (face,) = _imports_of("gui.session", Path("gui/session.py"), "import engine.task\n", modules)
    assert face.loads == {"engine", "engine.task"}


def _front_door_names() -> set[str]:
    """``engine.__all__`` as the file writes it (read, not imported)."""
    tree = ast.parse((ROOT / FRONT_DOOR / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            return set(ast.literal_eval(node.value))
    return set()


def test_the_faces_import_the_engine_only_through_its_front_door(imports: list[Import]) -> None:
    public = _front_door_names()
    wrong = []
    for found in imports:
        if _layer(found.module) not in FRONT_DOOR_USERS or found.library != FRONT_DOOR:
            continue
        (statement,) = ast.parse(found.text).body
        if not isinstance(statement, ast.ImportFrom) or statement.module != FRONT_DOOR:
            wrong.append(f"{found}   (import it from {FRONT_DOOR} itself)")
            continue
        missing = sorted(alias.name for alias in statement.names if alias.name not in public)
        if missing:
            wrong.append(f"{found}   ({', '.join(missing)}: not in {FRONT_DOOR}.__all__)")
    assert public, f"{FRONT_DOOR}/__init__.py has no __all__"
    assert not wrong, _report(
        f"{', '.join(f'{u}/' for u in FRONT_DOOR_USERS)} import the engine only as "
        f"`from {FRONT_DOOR} import NAME`, NAME in {FRONT_DOOR}.__all__ (add a missing name "
        f"to the front door rather than reaching past it):",
        wrong,
    )
