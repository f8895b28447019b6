"""The folder listing is the architecture: each layer imports only the layers below it, no
module imports another in a loop, and no private name is imported from another module."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "iranclash"
#: The layers, lowest first: a module may import its own layer's modules and those below.
LAYERS = ("core", "ingest", "build", "ask", "output", "cli")


def _module(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _imports(name: str) -> Iterator[tuple[str, str, int]]:
    """(module imported, name imported from it or '', line) for every import in module ``name``,
    at the top or inside a function, absolute or relative."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            for alias in node.names:
                if f"{source}.{alias.name}" in MODULES:
                    yield f"{source}.{alias.name}", "", node.lineno
                elif source in MODULES:
                    yield source, alias.name, node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in MODULES:
                    yield alias.name, "", node.lineno


def _layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 2 and parts[1] in LAYERS else None


def test_every_module_sits_in_a_layer() -> None:
    loose = [name for name in MODULES if _layer(name) is None and name.count(".") > 1]
    assert loose == []
    assert sorted(path.name for path in PACKAGE.glob("*.py")) == ["__init__.py", "__main__.py"]


def test_each_layer_imports_only_downward() -> None:
    upward = [
        f"{name}:{line} imports {imported}"
        for name in MODULES
        for imported, _name, line in _imports(name)
        if (mine := _layer(name)) is not None and (theirs := _layer(imported)) is not None and theirs > mine
    ]
    assert upward == []


def test_no_module_imports_a_private_name_of_another() -> None:
    private = [
        f"{name}:{line} imports {imported}.{what}"
        for name in MODULES
        for imported, what, line in _imports(name)
        if what.startswith("_") and not what.endswith("__") and imported != name
    ]
    private += [
        f"{name}:{line} imports {imported}"
        for name in MODULES
        for imported, _what, line in _imports(name)
        if any(part.startswith("_") and part not in ("__init__", "__main__") for part in imported.split("."))
    ]
    assert private == []


def test_no_import_loops() -> None:
    graph = {name: {imported for imported, _what, _line in _imports(name)} - {name} for name in MODULES}
    # A package's __init__ re-exporting its modules is not a loop back into them.
    for name, path in MODULES.items():
        if path.name == "__init__.py":
            graph[name] = {target for target in graph[name] if not target.startswith(name + ".")}
    loops = []
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                loops.append(" -> ".join([*trail[trail.index(target) :], target]))
            elif target not in state:
                visit(target, [*trail, target])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert loops == []


def test_subpackages_import_nothing_when_imported() -> None:
    """Their __init__ files stay empty: start-up pays only for what a command uses."""
    for layer in LAYERS:
        assert (PACKAGE / layer / "__init__.py").read_text(encoding="utf-8").strip() == ""
