"""The project's shape, checked: which module may import which.

Every rule has one home (README, "Architecture"), and a home is only one if
the code cannot reach around it. The apps form layers; an app imports only
from the layers below it, so a rule written low down (what the public may
read, incidents.visibility) is the one every page, feed, PDF and API
response above it uses, and nothing low down can depend on a view:

    incidents                          the record and its rules
    editorial, imports, reproductions  work on the record
    briefings, releases, webhooks      documents, releases and pushes made from all of it
    reporting                          serious-incident reports, rendered through briefings' PDFs
    api                                the REST interface over all of it
    config, bench                      wiring and tooling; may import anything

Domain apps queue work through `config.queueing` (by task name, so they
never import the Celery app or a tasks module of a higher app) and serve
through the shared cache's three modules; they use no other wiring.
There is no import cycle anywhere, counting imports made inside functions:
a cycle hidden in a function is still a cycle.

The graph is read from the source (ast), not by importing, so it sees every
import a module can make, not only those a test happens to run.
"""

import ast
import graphlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

LAYERS = {
    "incidents": 0,
    "editorial": 1,
    "imports": 1,
    "reproductions": 1,
    "briefings": 2,
    "releases": 2,
    "webhooks": 2,
    "reporting": 3,
    "api": 4,
}
WIRING = {"config", "bench"}
# The config modules a domain app may use: queueing work by task name, and
# serving what every process shares (the shared cache and its render lock,
# public responses kept in it, stored files answered like static ones).
SHARED_CONFIG = {"config.queueing", "config.shared_cache", "config.response_cache", "config.file_responses"}


def module_name(root: Path, path: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_names(module: str, is_package: bool, tree: ast.AST) -> set[str]:
    """Every absolute module name an import statement anywhere in `tree` can load."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = module.split(".") if is_package else module.split(".")[:-1]
                package = package[: len(package) - (node.level - 1)]
                base = ".".join(package + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            names.add(base)
            # `from pkg import mod` loads pkg.mod when mod is a module.
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def import_graph(root: Path, packages) -> dict[str, set[str]]:
    """Module -> the project modules it imports (migrations left out: they are frozen history)."""
    paths = {
        module_name(root, path): path
        for package in packages
        for path in (root / package).rglob("*.py")
        if "migrations" not in path.parts
    }
    graph = {module: set() for module in paths}
    for module, path in paths.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        for name in imported_names(module, path.name == "__init__.py", tree):
            # The longest project module the name falls in: `incidents.models.Incident` is incidents.models.
            while name and name not in paths:
                name = name.rpartition(".")[0]
            if name and name != module:
                graph[module].add(name)
    return graph


@pytest.fixture(scope="module")
def graph():
    return import_graph(ROOT, sorted(set(LAYERS) | WIRING))


def app_of(module: str) -> str:
    return module.partition(".")[0]


def edges(graph):
    return ((module, target) for module, targets in graph.items() for target in targets)


def test_no_import_cycles(graph):
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as error:
        pytest.fail("import cycle: " + " -> ".join(error.args[1]))


def test_apps_import_only_from_lower_layers(graph):
    upward = sorted(
        f"{module} -> {target}"
        for module, target in edges(graph)
        if app_of(module) in LAYERS
        and app_of(target) in LAYERS
        and app_of(module) != app_of(target)
        and LAYERS[app_of(target)] >= LAYERS[app_of(module)]
    )
    assert not upward, "imports from the same or a higher layer:\n" + "\n".join(upward)


def test_apps_use_no_wiring_but_the_queue(graph):
    reaching = sorted(
        f"{module} -> {target}"
        for module, target in edges(graph)
        if app_of(module) in LAYERS and app_of(target) in WIRING and target not in SHARED_CONFIG
    )
    assert not reaching, "apps importing config or bench:\n" + "\n".join(reaching)


def test_every_app_has_a_layer():
    apps = {path.parent.name for path in ROOT.glob("*/apps.py")}
    assert apps == set(LAYERS), "give a new app its layer in LAYERS"


def test_the_graph_sees_imports_inside_functions_and_relative_ones(tmp_path):
    # The checks above are only as good as the graph: it must see a lazy
    # import in a function and resolve `from ..x import y`.
    (tmp_path / "low" / "sub").mkdir(parents=True)
    (tmp_path / "high").mkdir()
    for package in ("low", "low/sub", "high"):
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "high" / "views.py").write_text("")
    (tmp_path / "low" / "models.py").write_text("def later():\n    from high import views\n")
    (tmp_path / "low" / "sub" / "rules.py").write_text("from ..models import later\n")
    (tmp_path / "high" / "things.py").write_text("import low.sub.rules\n")
    found = import_graph(tmp_path, ["low", "high"])
    assert found["low.models"] == {"high", "high.views"}
    assert found["low.sub.rules"] == {"low.models"}
    assert found["high.things"] == {"low.sub.rules"}
