"""The package's shape: no import cycles, few modules at the root, and qiskit-ibm-runtime's
private names only behind the door (``qmodes/compat/``). The layers themselves are checked by
import-linter (``lint-imports``, contracts in ``pyproject.toml``)."""

from __future__ import annotations

import re
from pathlib import Path

import grimp

PACKAGE = Path(__file__).resolve().parent.parent / "qmodes"

PRIVATE_NAMES = re.compile(
    r"_DEFAULT_SESSION|_IN_SESSION_CM|_get_api_client|_api_client|\b_account\b|RetrySession"
    r"|api\.rest\.runtime|_semantic_role|_run_executor|\._instance\b")
"""qiskit-ibm-runtime's private names that qmodes uses (qmodes/compat/runtime_private.py)."""


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(
                        child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
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
    return found


def test_no_import_cycle_among_qmodes_modules_counting_imports_inside_functions():
    graph = grimp.build_graph("qmodes", exclude_type_checking_imports=True)
    assert _cycles(graph) == [], (
        "import cycles (break them by moving what both sides need down a layer, by passing a "
        "function in or by registration; not by an import inside a function)")


def test_the_cycle_finder_finds_a_cycle():
    graph = grimp.ImportGraph()
    for module in ("a", "a.x", "a.y", "a.z"):
        graph.add_module(module)
    graph.add_import(importer="a.x", imported="a.y")
    graph.add_import(importer="a.y", imported="a.x")
    graph.add_import(importer="a.z", imported="a.x")
    assert _cycles(graph) == [["a.x", "a.y"]]


def test_at_most_ten_modules_at_the_root():
    root = sorted(path.name for path in PACKAGE.glob("*.py"))
    assert len(root) <= 10, root


def test_qiskit_ibm_runtimes_private_names_appear_only_in_compat():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "compat" in path.relative_to(PACKAGE).parts[:1]:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if PRIVATE_NAMES.search(line):
                found.append(f"{path.relative_to(PACKAGE.parent)}:{number}: {line.strip()}")
    assert found == [], ("qiskit-ibm-runtime's private names outside qmodes/compat/ (add a "
                         "named function there, with a test in tests/compat/"
                         "test_private_parts.py):\n" + "\n".join(found))


def test_every_package_says_what_lives_there_and_what_it_may_import():
    for init in sorted(PACKAGE.glob("*/__init__.py")):
        doc = init.read_text(encoding="utf-8")
        assert doc.startswith('"""'), f"{init}: no docstring"
    assert (PACKAGE / "__init__.py").read_text(encoding="utf-8").startswith('"""')
