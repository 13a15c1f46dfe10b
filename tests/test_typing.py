"""mypy --strict passes over the whole package (run by scripts/typecheck.py, which a developer
runs by hand: `python scripts/typecheck.py`)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def _typecheck_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("typecheck", ROOT / "scripts" / "typecheck.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_mypy_strict_passes(tmp_path: Path) -> None:
    done = _typecheck_script().run_mypy(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
