"""The architecture contract, read from the source (AST, no extra dependency):

- no import cycles among the modules of audits/, tui/ and checklists/ (imports inside functions
  count; imports under `if TYPE_CHECKING:` do not);
- audits/ never imports textual, and reaches vaudit.tui only where `vaudit` alone opens the app;
- nothing outside the CLI imports the CLI;
- the pure domain never imports storage, not even through another module;
- the TUI reaches the domain through the service layer and storage-free modules only, plus the
  exceptions named below;
- and two checks that run Python: importing every domain module loads no textual, and
  `vaudit --help` loads no database layer.

`python tests/test_architecture.py` prints the import cycles and their count.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("audits", "tui", "checklists")  # installed as vaudit.audits, vaudit.tui, …
STORAGE_LIBRARIES = frozenset({"sqlmodel", "sqlalchemy", "alembic"})


# The pure domain: what an audit means, with no storage. Decided from what these modules
# import: none of them reaches storage, directly or through another module.
PURE_DOMAIN = (
    "audits.text",
    "audits.values",
    "audits.scenario",
    "audits.vocabulary",
    "audits.rules",  # the registry, the generic, named and channel rules
    "audits.checklist",
    "audits.checklist_model",
    "audits.checklist_parse",
    "audits.scoring",
    "audits.regulatory",  # every parser and check in it
    "audits.vendor_fields",
    "audits.vendor_records",
    "audits.watch",
)
# Storage: the tables, the database, the event log and the service over them.
STORAGE = (
    "audits.db",
    "audits.db_guard",
    "audits.models",
    "audits.events",
    "audits.migrations",
    "audits.channel.models",
    "audits.channel.store",
    "audits.channel.reconcile_models",
    "audits.channel.reconcile_store",
    "audits.service",
)
# The layer the TUI (and the CLI) work through.
SERVICE_LAYER = ("audits.service", "audits.report")
# Where the TUI reaches past the service into modules that touch storage, and why.
TUI_EXCEPTIONS = {
    "audits.db": "the app opens the store once (open_store) and hands it to the Service",
    # The channel test has no service facade: its screen drives the channel package directly.
    "audits.channel.cards": "the channel screen lists the audit's test cards",
    "audits.channel.store": "the channel screen lists runs and records a manual receipt",
    "audits.channel.metrics": "the channel screen shows a run's metrics",
    "audits.channel.runner": "the channel screen runs a channel test in a worker",
    "audits.channel.reconcile_store": "the channel screen reconciles a vendor statement",
}
# `vaudit` with no command opens the TUI: the one place audits/ imports vaudit.tui.
CLI_OPENS_TUI = ("audits.cli.group", "tui.app")


@dataclass
class Module:
    name: str  # e.g. "audits.cli.group", named by folder like the repository
    path: Path
    imports: set[str] = field(default_factory=set)  # internal modules, runtime imports
    libraries: set[str] = field(default_factory=set)  # top-level names of other packages
    type_only: set[str] = field(default_factory=set)  # everything under `if TYPE_CHECKING:`


def _module_names() -> dict[str, Path]:
    names = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            names[".".join(parts)] = path
    return names


def _targets(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> Iterator[str]:
    """Every dotted name an import statement may load, without the `vaudit.` prefix."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        if node.level:
            base = module.split(".") if is_package else module.split(".")[:-1]
            base = base[: len(base) - (node.level - 1)]
            prefix = ".".join([*base, *([node.module] if node.module else [])])
        else:
            prefix = node.module or ""
        names = [prefix, *(f"{prefix}.{alias.name}" for alias in node.names)]
    for name in names:
        yield name.removeprefix("vaudit.")


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(sub) for sub in ast.walk(node))
    return skipped


def read_modules() -> dict[str, Module]:
    paths = _module_names()

    def resolve(name: str) -> str | None:
        while name and name not in paths:
            name = name.rpartition(".")[0]
        return name or None

    modules = {}
    for name, path in paths.items():
        module = Module(name, path)
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        type_only = _type_checking_nodes(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for target in _targets(node, name, path.name == "__init__.py"):
                if id(node) in type_only:
                    module.type_only.add(target)
                    continue
                internal = resolve(target)
                if internal is not None:
                    if internal != name:
                        module.imports.add(internal)
                elif target and target.split(".")[0] not in ("vaudit", "__future__"):
                    module.libraries.add(target.split(".")[0])
        modules[name] = module
    return modules


def _within(name: str, prefixes: Iterable[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def import_cycles(modules: dict[str, Module]) -> list[tuple[frozenset[str], list[str]]]:
    """Each group of modules that import each other (strongly connected), with one shortest
    cycle through its first module to name it: [a, b, …, a]."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def connect(start: str) -> None:  # Tarjan, iterative
        work = [(start, iter(sorted(modules[start].imports)))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(modules[nxt].imports))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    group = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.add(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(group)

    for name in sorted(modules):
        if name not in index:
            connect(name)
    named = [(frozenset(group), _shortest_cycle(modules, group)) for group in groups]
    return sorted(named, key=lambda found: found[1])


def _shortest_cycle(modules: dict[str, Module], group: set[str]) -> list[str]:
    start = min(group)
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for nxt in sorted(modules[node].imports & group):
            if nxt == start:
                path = [node]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return [*reversed(path), start]
            if nxt not in came_from:
                came_from[nxt] = node
                queue.append(nxt)
    raise AssertionError(f"no cycle through {start}")


def _path_to(modules: dict[str, Module], start: str, goal: set[str]) -> list[str] | None:
    """The shortest import chain from `start` to a module in `goal`, if any."""
    came_from: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node in goal:
            chain = [node]
            while (previous := came_from[chain[-1]]) is not None:
                chain.append(previous)
            return chain[::-1]
        for nxt in sorted(modules[node].imports):
            if nxt not in came_from:
                came_from[nxt] = node
                queue.append(nxt)
    return None


MODULES = read_modules()


def test_no_import_cycles() -> None:
    unexpected = [
        f"{' → '.join(cycle)}  (group: {', '.join(sorted(group))})"
        for group, cycle in import_cycles(MODULES)
    ]
    assert not unexpected, "import cycles:\n" + "\n".join(unexpected)


# A module a newcomer can read in one sitting. Migrations are generated data, not design.
MODULE_MAX_LINES = 600


def test_no_module_is_too_long_to_read() -> None:
    long = {
        name: lines
        for name, m in MODULES.items()
        if "migrations" not in name.split(".")
        and (lines := len(m.path.read_text(encoding="utf-8").splitlines())) > MODULE_MAX_LINES
    }
    assert not long, f"over {MODULE_MAX_LINES} lines (split by concern): {long}"


def test_everything_imports_the_installed_package() -> None:
    """Tests, benches and scripts import `vaudit.…`, never the folders by their own names:
    from the repository root `audits` would load a second copy beside `vaudit.audits`."""
    stray = []
    for folder in ("tests", "bench", "scripts"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            for node in ast.walk(ast.parse(text)):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and not node.level:
                    names = [node.module or ""]
                else:
                    continue
                stray += [
                    f"{path.relative_to(ROOT)}:{node.lineno} {name}"
                    for name in names
                    if name.split(".")[0] in PACKAGES
                ]
            stray += [
                f"{path.relative_to(ROOT)}: -m {package}"
                for package in PACKAGES
                if f"-m {package}." in text or f'"-m", "{package}.' in text
            ]
    assert not stray, "imports a folder instead of vaudit.*: " + ", ".join(stray)


def test_the_pure_domain_exists_as_listed() -> None:
    missing = [name for name in (*PURE_DOMAIN, *STORAGE) if name not in MODULES]
    assert not missing, f"no such module: {missing}"


def test_audits_never_imports_textual() -> None:
    offenders = [
        m.name
        for m in MODULES.values()
        if m.name.startswith("audits")
        and ("textual" in m.libraries or any(t.startswith("textual") for t in m.type_only))
    ]
    assert not offenders, f"these import textual: {offenders}"


def test_audits_reaches_the_tui_only_to_open_it() -> None:
    edges = [
        (m.name, target)
        for m in MODULES.values()
        if m.name.startswith("audits")
        for target in sorted(m.imports | m.type_only)
        if _within(target, ["tui"])
    ]
    assert all(edge == CLI_OPENS_TUI for edge in edges), f"audits → tui: {edges}"


def test_nothing_outside_the_cli_imports_it() -> None:
    edges = [
        (m.name, target)
        for m in MODULES.values()
        if not _within(m.name, ["audits.cli"])
        for target in sorted(m.imports)
        if _within(target, ["audits.cli"])
    ]
    assert not edges, f"imports of the CLI from outside it: {edges}"


STORAGE_MODULES = {name for name in MODULES if _within(name, STORAGE)}
# Where an import chain touches storage: a storage module, or a module importing an ORM library.
TOUCHES_STORAGE = STORAGE_MODULES | {
    name for name, m in MODULES.items() if m.libraries & STORAGE_LIBRARIES
}


def _storage_named(chain: list[str]) -> str:
    last = chain[-1]
    what = last if last in STORAGE_MODULES else sorted(MODULES[last].libraries & STORAGE_LIBRARIES)
    return f"{' → '.join(chain)} ({what})"


def test_the_pure_domain_never_reaches_storage() -> None:
    problems = []
    for name in sorted(n for n in MODULES if _within(n, PURE_DOMAIN)):
        chain = _path_to(MODULES, name, TOUCHES_STORAGE)
        if chain is not None:
            problems.append(_storage_named(chain))
    assert not problems, "the pure domain reaches storage:\n" + "\n".join(problems)


def test_the_tui_works_through_the_service_and_storage_free_modules() -> None:
    problems = []
    for m in sorted(MODULES.values(), key=lambda m: m.name):
        if not m.name.startswith("tui"):
            continue
        if m.libraries & STORAGE_LIBRARIES:
            problems.append(f"{m.name} imports {sorted(m.libraries & STORAGE_LIBRARIES)}")
        for target in sorted(t for t in m.imports if t.startswith("audits")):
            if _within(target, SERVICE_LAYER) or target in TUI_EXCEPTIONS:
                continue
            chain = _path_to(MODULES, target, TOUCHES_STORAGE)
            if chain is not None:
                problems.append(f"{m.name} → {_storage_named(chain)}")
    assert not problems, "the TUI reaches storage past the service:\n" + "\n".join(problems)


def test_the_domain_never_imports_textual_when_run() -> None:
    modules = sorted(
        "vaudit." + ".".join(p.relative_to(ROOT).with_suffix("").parts)
        for p in (ROOT / "audits").rglob("*.py")
        if "migrations" not in p.parts and p.name != "__init__.py"
    )
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "assert 'textual' not in sys.modules, 'textual was imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_help_does_not_load_the_database_layer() -> None:
    code = (
        "import sys\n"
        "from vaudit.audits.cli import main\n"
        "sys.argv = ['vaudit', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "assert 'sqlmodel' not in sys.modules and 'alembic' not in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "Usage: vaudit" in done.stdout


if __name__ == "__main__":
    found = import_cycles(MODULES)
    for group, cycle in found:
        print(f"{len(group)} modules: {' → '.join(cycle)}")
    print(f"import cycles: {len(found)}")
