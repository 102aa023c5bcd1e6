"""Imports point down: every module's imports (top-level and inside functions) are read from its AST.

Layers, bottom up: the contract package `netra.contracts`; the core package `netra.*`; the
application layers `consumers/ producers/ expectations/`; `dags/`. Only the command line
(`netra.cli` and its handlers `netra.commands`), the demo (`netra.demo`) and the DAGs wire layers together.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from support import REPO

PACKAGES = ("netra", "consumers", "producers", "expectations", "dags")
APPLICATION = ("consumers", "producers", "expectations", "dags")
#: The modules that wire layers together (may import anything).
#: netra.validate is the `netra validate` command: it runs the validator stage and the BKPSDM row checks offline.
WIRING = ("netra.cli", "netra.commands", "netra.demo", "netra.validate")
#: Who may use the local dev stack (netra.stack): itself, the wiring, and the operator's status view.
STACK_USERS = ("netra.stack", "netra.status") + WIRING


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(source: str, module: str) -> set[str]:
    """Every Netra module `source` imports, anywhere in the file (lazy imports included)."""
    found: set[str] = set()
    package = module if module.count(".") == 0 else module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against the importing package
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            found.add(base)
            # `from netra import stack` imports the module netra.stack (a name in a module is just that module)
            found |= {f"{base}.{alias.name}" for alias in node.names if _is_module(f"{base}.{alias.name}")}
    return {name for name in found if name.split(".")[0] in PACKAGES}


def _is_module(name: str) -> bool:
    path = REPO.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _within(name: str, prefixes) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def violations(module: str, imports: set[str]) -> list[str]:
    """The rules an import of `module` breaks, as readable lines."""
    out = []
    for target in sorted(imports):
        if _within(target, ("dags",)) and not _within(module, ("dags",)):
            out.append(f"{module} imports {target}: nothing imports the DAGs")
        if _within(module, ("netra",)) and not _within(module, WIRING) and _within(target, APPLICATION):
            out.append(f"{module} imports {target}: the core package never imports consumers/producers/"
                       "expectations/dags (pass it in from netra.cli, netra.demo or a DAG)")
        if _within(module, ("netra.contracts",)) and _within(target, ("netra",)) \
                and not _within(target, ("netra.contracts",)) and target != "netra":
            out.append(f"{module} imports {target}: the contract package is the bottom layer")
        if _within(target, ("netra.stack",)) and not _within(module, STACK_USERS):
            out.append(f"{module} imports {target}: only the wiring and `netra status` use the local dev stack")
        if _within(target, WIRING) and not _within(module, WIRING):
            out.append(f"{module} imports {target}: nothing below the wiring imports it")
    return out


def all_modules():
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            yield module_name(path), path


def test_every_module_imports_only_downwards():
    problems = []
    for module, path in all_modules():
        problems += violations(module, imported_modules(path.read_text(), module))
    assert not problems, "\n".join(problems)


def test_the_scan_sees_modules_of_every_layer():
    modules = {m for m, _ in all_modules()}
    assert {"netra.contracts.headers", "netra.status", "consumers.sink", "dags.reconcile_followthrough"} <= modules


@pytest.mark.parametrize(("module", "source", "broken"), [
    ("netra.status", "def f():\n    from consumers.run import STAGES\n", "core package never imports"),
    ("netra.dlq", "import consumers.dlq\n", "core package never imports"),
    ("netra.reconcile.run", "from expectations import marts\n", "core package never imports"),
    ("netra.contracts.events", "from netra.settings import TOPIC_DLQ\n", "bottom layer"),
    ("netra.warehouse.db", "from netra.stack.postgres import dsn\n", "local dev stack"),
    ("netra.warehouse.db", "from netra import stack\n", "local dev stack"),
    ("consumers.run", "from dags import reconcile_followthrough\n", "nothing imports the DAGs"),
    ("producers.publish", "from netra.cli import main\n", "below the wiring"),
])
def test_an_upward_import_is_caught(module, source, broken):
    found = violations(module, imported_modules(source, module))
    assert found and broken in found[0]


@pytest.mark.parametrize(("module", "source"), [
    ("netra.cli", "from consumers.run import run_stage\nfrom expectations.warehouse_audit import audit_marts_in_db\n"),
    ("dags.reconcile_followthrough", "from netra.reconcile.run import run_reconcile\n"),
    ("consumers.sink", "from netra.contracts.headers import H_STAGE\n"),
    ("netra.contracts.decode", "from netra.contracts.events import EVENT_TYPES\nimport pydantic\n"),
])
def test_downward_imports_are_allowed(module, source):
    assert violations(module, imported_modules(source, module)) == []
