"""The import graph, read from the source (ast), so that a cycle cannot hide inside a function.

- The domain never imports the HTTP layer: web/, portal/, staff/, kiosk/ or flask.request.
- No cycle between the domain's packages (domain.billing, domain.tickets, ...), counting every import, those
  inside functions included: a function-level import that closes a cycle only hides it.
- No cycle between modules anywhere in the app, again counting the imports inside functions. A blueprint
  package that imports its route modules, which take `bp` from it, is Flask's own pattern and not counted:
  imports of a module's own enclosing package are left out.
"""

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("domain", "web", "portal", "staff", "company", "kiosk", "sandbox")
TOP_MODULES = ("app", "cli", "config", "extensions")
HTTP_LAYER = ("web", "portal", "staff", "company", "kiosk")


def _modules():
    """{dotted module name: path} of every module of the app."""
    found = {name: ROOT / f"{name}.py" for name in TOP_MODULES}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = _modules()


class Import:
    """One import statement's target, where it is, and whether it runs when the module is imported."""

    def __init__(self, source, target, line, module_level):
        self.source, self.target, self.line, self.module_level = source, target, line, module_level

    def where(self):
        """file:line of the statement."""
        return f"{MODULES[self.source].relative_to(ROOT)}:{self.line}"


def _imports(name, path):
    """Every import of one module, resolved to app modules (or, for other libraries, the name as written)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    function_level = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            function_level.update(id(child) for child in ast.walk(node) if child is not node)
    found = []
    for node in ast.walk(tree):
        module_level = id(node) not in function_level
        if isinstance(node, ast.Import):
            found += [Import(name, alias.name, node.lineno, module_level) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                target = submodule if submodule in MODULES or base not in MODULES else base
                if base == "flask" and alias.name == "request":
                    target = "flask.request"
                found.append(Import(name, target, node.lineno, module_level))
    return found


IMPORTS = [imp for name, path in MODULES.items() for imp in _imports(name, path)]


def _app_module(target):
    """The app module an import target names (the longest known prefix), or None for another library."""
    parts = target.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in MODULES:
            return candidate
    return None


def _cycles(edges):
    """The strongly connected components of more than one node (Tarjan), each sorted, in a stable order."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return sorted(found)


def _shortest_path(edges, start, goal, within):
    """The shortest path start -> ... -> goal through the nodes `within` (breadth first), as a list."""
    paths, seen = [[start]], {start}
    while paths:
        path = paths.pop(0)
        if path[-1] == goal:
            return path
        for nxt in sorted(edges.get(path[-1], ())):
            if nxt in within and nxt not in seen:
                seen.add(nxt)
                paths.append(path + [nxt])
    return None


def _simple_cycles(component, edges):
    """For every import inside a tangle of modules, the shortest cycle it closes; each cycle once."""
    found = []
    for source in component:
        for target in sorted(edges.get(source, set()) & set(component)):
            back = _shortest_path(edges, target, source, set(component))
            cycle = [source] + back
            first = cycle.index(min(cycle[:-1]))
            cycle = cycle[first:-1] + cycle[:first] + [cycle[first]]  # the same cycle from its smallest node
            if cycle not in found:
                found.append(cycle)
    return sorted(found, key=lambda c: (len(c), c))


def _report(cycles, edges, sites):
    """Each cycle on its own lines (a -> b -> a), every step with the imports that make it and where they are."""
    lines = []
    for members in cycles:
        for cycle in _simple_cycles(members, edges):
            lines.append(f"cycle: {' -> '.join(cycle)}")
            for source, target in zip(cycle, cycle[1:]):
                where = list(dict.fromkeys(sites[source, target]))
                lines.append(f"    {source} -> {target}: {', '.join(where)}")
    return "\n".join(lines)


def _package_of(module):
    """domain.billing.services -> domain.billing; domain.clock -> domain.clock; the root package -> None."""
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else None


def test_the_domain_never_imports_the_http_layer():
    found = [
        f"{imp.where()}: {imp.source} imports {imp.target}"
        for imp in IMPORTS
        if imp.source.split(".")[0] == "domain"
        and (imp.target == "flask.request" or imp.target.split(".")[0] in HTTP_LAYER)
    ]
    assert not found, "the domain imports the HTTP layer:\n" + "\n".join(found)


def test_no_domain_package_reads_the_companys():
    """domain.company reads the other areas to put their figures side by side; none of them reads it."""
    found = [
        f"{imp.where()}: {imp.source} imports {imp.target}"
        for imp in IMPORTS
        if imp.source.startswith("domain.")
        and not imp.source.startswith("domain.company")
        and imp.target.startswith("domain.company")
    ]
    assert not found, "a domain package imports domain.company:\n" + "\n".join(found)


def test_no_cycle_between_the_domains_packages_counting_imports_inside_functions():
    edges, sites = defaultdict(set), defaultdict(list)
    for imp in IMPORTS:
        target = _app_module(imp.target)
        source_package, target_package = _package_of(imp.source), target and _package_of(target)
        if imp.source.split(".")[0] != "domain" or not target or target.split(".")[0] != "domain":
            continue
        if source_package and target_package and source_package != target_package:
            edges[source_package].add(target_package)
            sites[source_package, target_package].append(
                imp.where() + ("" if imp.module_level else " (inside a function)")
            )
    cycles = _cycles(edges)
    assert not cycles, "cycles between the domain's packages:\n" + _report(cycles, edges, sites)


def test_no_cycle_between_modules_counting_imports_inside_functions():
    edges, sites = defaultdict(set), defaultdict(list)
    for imp in IMPORTS:
        target = _app_module(imp.target)
        if not target or target == imp.source:
            continue
        if imp.source.startswith(target + "."):
            continue  # a module taking something from its own package (a blueprint's `bp`): see the docstring
        edges[imp.source].add(target)
        sites[imp.source, target].append(imp.where() + ("" if imp.module_level else " (inside a function)"))
    cycles = _cycles(edges)
    assert not cycles, "cycles between modules:\n" + _report(cycles, edges, sites)


def test_the_graph_sees_imports_inside_functions_and_finds_a_cycle():
    """The test's own machinery: a function-level import is read as one, and a cycle is reported with its sites."""
    assert any(not imp.module_level for imp in IMPORTS)
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    sites = {("a", "b"): ["a.py:1"], ("b", "c"): ["b.py:2"], ("c", "a"): ["c.py:3 (inside a function)"]}
    assert _cycles(edges) == [["a", "b", "c"]]
    assert _report(_cycles(edges), edges, sites).splitlines() == [
        "cycle: a -> b -> c -> a",
        "    a -> b: a.py:1",
        "    b -> c: b.py:2",
        "    c -> a: c.py:3 (inside a function)",
    ]
