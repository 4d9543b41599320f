"""The package's shape: no import cycles, dependencies pointing one way, few imports inside functions,
short functions. docs/architecture.md explains the stages."""
import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "legacy_nst"

# The pipeline's stages, upstream first: a module may import its own stage and the ones before it, lazily
# (inside a function) or not. (errors is below everything; vgg19, the network's shape as pure data, is the first
# stage; the package facade may re-export anything.)
STAGES = ["vgg19", "config", "io", "motion", "vgg", "losses", "problem", "optim", "cluster", "engines", "run", "record",
          "video", "sweep", "cli"]
# Lazy imports of the package's own modules inside functions, each with a reason in a comment beside it.
LAZY = {("legacy_nst", "legacy_nst.run.api"), ("legacy_nst.engines", "legacy_nst.engines.eager"),
        ("legacy_nst.cli.console", "legacy_nst.cli.main")}
LONGEST_FUNCTION = 60  # lines, decorators and docstring included


def modules(package=PACKAGE):
    """{dotted module name: path} of every module in the package, __init__ files as their package."""
    found = {}
    for path in package.rglob("*.py"):
        parts = path.relative_to(package.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(name, path, known):
    """[(imported module, inside a function?)] for every import of the package's modules in one file."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    tree = ast.parse(path.read_text())
    functions = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                 for n in ast.walk(f)}
    found = []
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(base + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.append((target, id(node) in functions))
    return found


def graph(package=PACKAGE):
    known = modules(package)
    return {name: imports(name, path, known) for name, path in known.items()}


def cycles(edges):
    """Strongly connected groups of more than one module (Tarjan)."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in edges:
        if node not in index:
            visit(node)
    return groups


def stage(name):
    parts = name.split(".")
    return STAGES.index(parts[1]) if len(parts) > 1 and parts[1] in STAGES else -1


def backwards(found_by_module):
    """(module, imported module) pairs that import a later stage, inside functions or not."""
    return [(name, target) for name, found in found_by_module.items() for target, _ in found
            if stage(target) > stage(name) and not name.count(".") == 0 and not target.count(".") == 0]


def package_of(name):
    """legacy_nst.cli.main -> legacy_nst.cli."""
    return name if name.count(".") < 2 else name.rsplit(".", name.count(".") - 1)[0]


def test_no_import_cycles_among_the_modules_counting_imports_inside_functions():
    edges = {name: {target for target, _ in found if not target == "legacy_nst"} for name, found in graph().items()}
    assert cycles(edges) == []


def test_no_import_cycles_among_the_packages_counting_imports_inside_functions():
    edges = {}
    for name, found in graph().items():
        edges.setdefault(package_of(name), set()).update(
            package_of(target) for target, _ in found if target != "legacy_nst" and package_of(target) != package_of(name))
    assert cycles(edges) == []


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_dependencies_point_down_the_pipeline_lazy_imports_included():
    assert backwards(graph()) == []


def test_a_planted_lazy_import_of_a_later_stage_is_found(tmp_path):
    """The check above can fail: a function in io that imports cli, in a copy of the package's shape."""
    package = tmp_path / "legacy_nst"
    for folder in ("io", "cli"):
        (package / folder).mkdir(parents=True)
        (package / folder / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "cli" / "main.py").write_text("from ..io import images\n")
    (package / "io" / "images.py").write_text("def read():\n    from ..cli import main  # planted\n    return main\n")
    assert backwards(graph(package)) == [("legacy_nst.io.images", "legacy_nst.cli.main")]


def test_imports_inside_functions_are_only_the_documented_lazy_ones():
    inside = {(name, target) for name, found in graph().items() for target, local in found if local}
    assert inside <= LAZY, sorted(inside - LAZY)


def function_lengths(package=PACKAGE):
    """[(lines, 'module:function')] of every function and method in the package."""
    found = []
    for name, path in modules(package).items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                first = min([node.lineno] + [d.lineno for d in node.decorator_list])
                found.append((node.end_lineno - first + 1, f"{name}:{node.name}"))
    return found


def test_every_function_reads_at_once():
    assert [f for f in function_lengths() if f[0] > LONGEST_FUNCTION] == []


BACKEND_NAMES = {"graph", "eager", "function", "function-xla"}


def backend_comparisons(package=PACKAGE):
    """['module:line'] of comparisons with a backend's name, or of `.backend` with anything, outside engines
    and config (which own the names): resumability and dispatch are engine class data, not string tests."""
    found = []
    for name, path in modules(package).items():
        if name.split(".")[1:2] in (["engines"], ["config"]):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Compare):
                sides = [node.left, *node.comparators]
                if any(isinstance(s, ast.Constant) and s.value in BACKEND_NAMES for s in sides) or any(
                        isinstance(s, ast.Attribute) and s.attr == "backend" for s in sides):
                    found.append(f"{name}:{node.lineno}")
    return found


def test_nothing_outside_engines_and_config_compares_backend_names():
    assert backend_comparisons() == []


def test_a_planted_backend_comparison_is_found(tmp_path):
    (tmp_path / "legacy_nst" / "run").mkdir(parents=True)
    (tmp_path / "legacy_nst" / "run" / "stylize.py").write_text("def f(config):\n    return config.backend == 'graph'\n")
    assert backend_comparisons(tmp_path / "legacy_nst") == ["legacy_nst.run.stylize:2"]


LONGEST_MODULE = 450  # lines


def test_every_module_is_at_most_450_lines():
    long = [(len(path.read_text().splitlines()), name) for name, path in modules().items()]
    assert [entry for entry in long if entry[0] > LONGEST_MODULE] == []
