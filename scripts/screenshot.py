"""Regenerate docs/audit-screen.svg: the audit screen on the demo data, as in the README.

python scripts/screenshot.py [--lang en|zh] [-o docs/audit-screen.svg]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 24)


async def shoot(lang: str, target: Path) -> None:
    from vaudit.audits.db import open_store
    from vaudit.audits.demo import load_demo
    from vaudit.audits.service import Service
    from vaudit.tui.app import make_app
    from vaudit.tui.screens.audit import AuditScreen

    work = Path(tempfile.mkdtemp(prefix="vaudit-shot-"))
    db = work / "demo.sqlite"
    store = open_store(str(db))
    load_demo(Service(store, "demo", today=TODAY))
    store.dispose()
    app = make_app(
        db_target=str(db), actor="auditor", lang=lang, config_file=work / "tui.toml", today=TODAY
    )  # type: ignore[arg-type]
    async with app.run_test(size=(120, 40)) as pilot:
        while "home_loaded" not in app.milestones:
            await pilot.pause(0.02)
        await pilot.press("enter")
        while not (isinstance(app.screen, AuditScreen) and app.screen.view is not None):
            await pilot.pause(0.02)
        await pilot.pause(0.3)
        svg = app.export_screenshot(title="vaudit: an audit")
    tmp = target.with_suffix(".svg.tmp")
    tmp.write_text(svg, encoding="utf-8")
    os.replace(tmp, target)  # whole file or the old one, never half
    print(f"wrote {target}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", choices=("en", "zh"), default="en")
    parser.add_argument("-o", "--output", type=Path, default=ROOT / "docs" / "audit-screen.svg")
    args = parser.parse_args()
    asyncio.run(shoot(args.lang, args.output))


if __name__ == "__main__":
    main()
