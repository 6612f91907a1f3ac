"""The tree tells the story: no import cycles among the project's modules, counting the
imports inside functions too (they hide a cycle from the interpreter, not from a reader)."""

import ast
from pathlib import Path

from bot import PROJECT_ROOT

PACKAGES = ("bot", "actions")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports() -> dict[str, set[str]]:
    """Each module -> the project modules it imports, anywhere in it."""
    modules = {module_name(p): p for package in PACKAGES for p in (PROJECT_ROOT / package).rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        found = set()
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + [base]).strip(".")
                targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
            else:
                continue
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name and not name.startswith(target + "."):
                    found.add(target)
        graph[name] = found
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found, state = [], {}

    def visit(node, path):
        state[node] = "open"
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                found.append(path[path.index(target) :] + [target])
            elif target not in state:
                visit(target, path + [target])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return found


def test_the_graph_is_read_from_the_sources():
    graph = imports()
    assert "bot.storage.tracker_db" in graph["bot.storage.retention"]  # imported inside a function
    assert "bot.rasa_ext.left_out" in graph["bot"]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]


def test_no_module_imports_itself_through_others():
    assert cycles(imports()) == []


# The answering core: bot/'s own modules with no Rasa import, and its handlers (issue 25's sizes).
CORE = [
    p
    for p in [*(PROJECT_ROOT / "bot").glob("*.py"), *(PROJECT_ROOT / "bot" / "handlers").glob("*.py")]
    if not any(
        line.strip().startswith(("import rasa", "from rasa")) for line in p.read_text(encoding="utf-8").splitlines()
    )
]


def test_the_answering_core_is_small_modules_of_small_classes():
    assert len(CORE) > 30
    too_long = {p.name: n for p in CORE if (n := len(p.read_text(encoding="utf-8").splitlines())) > 320}
    classes = {
        f"{p.name}:{node.name}": node.end_lineno - node.lineno + 1
        for p in CORE
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
        if isinstance(node, ast.ClassDef)
    }
    assert too_long == {}
    assert {name: n for name, n in classes.items() if n > 160} == {}
