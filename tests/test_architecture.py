"""The package's shape: no import cycles, dependencies pointing one way, few imports inside functions."""
import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "legacy_nst"

# The pipeline's stages, upstream first: a module may import its own stage and the ones before it.
# (errors and vgg.spec, pure Python, are below everything; the package facade may re-export anything.)
STAGES = ["config", "io", "vgg", "losses", "problem", "engines", "optim", "run", "record", "cli", "sweep"]
# Lazy imports of the package's own modules inside functions, each with a reason in a comment beside it.
LAZY = {("legacy_nst", "legacy_nst.run.stylize"), ("legacy_nst.engines", "legacy_nst.engines.eager"),
        ("legacy_nst.cli.console", "legacy_nst.cli.main"),
        ("legacy_nst.cli.main", "legacy_nst.sweep.command")}


def modules():
    """{dotted module name: path} of every module in the package, __init__ files as their package."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
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


def graph():
    known = modules()
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


def test_no_import_cycles_among_the_modules_counting_imports_inside_functions():
    edges = {name: {target for target, _ in found if not target == "legacy_nst"} for name, found in graph().items()}
    assert cycles(edges) == []


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_dependencies_point_down_the_pipeline():
    backwards = [(name, target) for name, found in graph().items() for target, _ in found
                 if stage(target) > stage(name) and "legacy_nst" not in (name, target)
                 and (name, target) not in LAZY and not target.startswith("legacy_nst.vgg.spec")]
    assert backwards == []


def test_imports_inside_functions_are_only_the_documented_lazy_ones():
    inside = {(name, target) for name, found in graph().items() for target, local in found if local}
    assert inside <= LAZY, sorted(inside - LAZY)
