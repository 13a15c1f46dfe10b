from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_domain_never_imports_textual() -> None:
    modules = sorted(
        "vaudit." + ".".join(p.relative_to(ROOT).with_suffix("").parts)
        for p in (ROOT / "audits").rglob("*.py")
        if "migrations" not in p.parts and p.name != "__init__.py"
    )
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "assert 'textual' not in sys.modules, 'textual was imported'\n"
        "print(len(sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_help_does_not_load_the_database_layer() -> None:
    code = (
        "import sys\n"
        "from audits.cli import main\n"
        "sys.argv = ['vaudit', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "assert 'sqlmodel' not in sys.modules and 'alembic' not in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "Usage: vaudit" in done.stdout
