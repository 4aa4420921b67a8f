"""The shape of the code: imports point one way, and no import cycle remains.

docs/architecture.md, "Which app may import which". Every import of every module
of the five apps is read with ``ast`` (those inside functions too), so a lazy
import cannot hide a wrong direction or a cycle.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("realtime", "community", "forums", "badges", "cms")
SITE = "community.site"
# Deployment aliases of the site's entry points (their docstrings say so).
SITE_ALIASES = {"community.settings", "community.asgi", "community.wsgi"}
# Each layer may import itself and the layers before it; the site imports them all.
LAYERS = {"realtime": 0, "community": 1, "forums": 2, "badges": 3, "cms": 4, SITE: 5}


def module_name(path):
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules():
    modules = {}
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            modules[module_name(path)] = path
    return modules


def imports_of(name, path, modules):
    """The project modules ``name`` imports, with the line of each import."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = {}
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # ``from pkg import mod`` imports the module pkg.mod; ``from mod import name``, mod.
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                for alias in node.names
            ]
        else:
            continue
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]  # ``import a.b.c`` of a package's module
            if target and target != name:
                found.setdefault(target, node.lineno)
    return found


def layer(module):
    if module == SITE or module.startswith(SITE + ".") or module in SITE_ALIASES:
        return LAYERS[SITE]
    return LAYERS[module.split(".")[0]]


def graph():
    modules = project_modules()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def test_imports_point_from_the_site_down_through_the_domains_to_realtime():
    wrong = [
        f"{module} imports {target} (line {line})"
        for module, targets in graph().items()
        for target, line in targets.items()
        if layer(target) > layer(module)
        or (layer(target) == LAYERS[SITE] and layer(module) < LAYERS[SITE])
    ]
    assert wrong == []


def test_no_import_cycle_remains():
    edges = {module: set(targets) for module, targets in graph().items()}
    # Tarjan's strongly connected components: any of more than one module is a cycle.
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(module):
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in edges.get(module, ()):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(edges):
        if module not in index:
            visit(module)
    assert cycles == []


def test_the_walk_sees_what_it_must():
    """The checks above would pass on an empty graph: make sure the walk finds imports,
    including relative ones and those inside functions."""
    imports = graph()
    assert "community.activity" in imports["forums.verbs"]
    assert "forums.actions.posts" in imports["forums.actions"]
    assert "forums.receivers" in imports["forums.apps"]  # inside ready()
    assert len(imports) > 100
    site = {
        target.split(".")[0]
        for module in imports
        if module.startswith(SITE)
        for target in imports[module]
    }
    assert site >= {"forums", "community", "realtime"}
