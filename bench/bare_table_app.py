"""Baseline: how soon a bare Textual app shows a 9-column, 1,000-row DataTable.

    python bench/bare_table_app.py [--headless]

No vaudit imports, so the figure is Textual's own cost (import, start-up, first paint) that any
vaudit screen pays too. Prints only `ready_ms=<float>`: from the top of this file, before
Textual is imported, to the moment `exit` is called after the first refresh with the table.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()  # first, so the import of Textual is part of the measurement

import sys  # noqa: E402

from textual.app import App  # noqa: E402
from textual.widgets import DataTable  # noqa: E402

COLUMNS = ("ID", "Vendor", "Selection", "Stage", "Status", "Rev", "Done", "Score", "Verdict")
ROWS = 1_000


class BareTableApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.ready_ms: float | None = None

    async def on_mount(self) -> None:
        # Mounted before filling, so the rows land in a live table as in a real screen.
        table: DataTable[str] = DataTable()
        await self.mount(table)
        table.add_columns(*COLUMNS)
        # Short strings shaped like the home table's cells.
        table.add_rows(
            (
                str(n),
                f"vendor {n:04d}",
                f"selection {n % 7}",
                "screening",
                "draft",
                "1",
                f"{n % 100}%",
                f"{n % 97}.5",
                "incomplete",
            )
            for n in range(1, ROWS + 1)
        )
        # Runs once the screen holding the table has been refreshed (painted).
        self.call_after_refresh(self._painted)

    def _painted(self) -> None:
        self.ready_ms = (time.perf_counter() - STARTED) * 1000
        self.exit()


def main() -> None:
    app = BareTableApp()
    app.run(headless="--headless" in sys.argv[1:])
    # Printed after run() returns, so the terminal is back to normal.
    print(f"ready_ms={app.ready_ms:.1f}")


if __name__ == "__main__":
    main()
