"""Exporting reports from the app: home (marked audits), the audit screen, compare."""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path

from textual.widgets import Input, Static

from tests.helpers import drop_guards
from tests.tui.helpers import audit_shown, home_ready, open_compare, open_first_audit, settle, until
from vaudit.audits.db import open_store
from vaudit.audits.report import EVIDENCE_FOLDER, verify_file
from vaudit.tui.screens.export import ExportDialog
from vaudit.tui.screens.home import HomeScreen


async def type_path(pilot, path: str) -> None:
    field = pilot.app.screen.query_one("#path", Input)
    field.value = ""
    field.focus()
    await pilot.press(*path)


def outcome(app) -> str:
    return str(app.screen.query_one("#outcome", Static).render())


async def test_export_the_marked_audits_from_home(demo_db: Path, app_factory, tmp_path) -> None:
    app = app_factory(demo_db)
    target = tmp_path / "out"
    async with app.run_test(size=(120, 40)) as pilot:
        await home_ready(pilot)
        screen = app.screen
        assert isinstance(screen, HomeScreen)
        for _ in range(3):
            await pilot.press("space")  # marks the row and steps down
        await pilot.press("E")
        await until(pilot, lambda: isinstance(app.screen, ExportDialog))
        await type_path(pilot, f"{target}/")
        await pilot.press("enter")
        await until(pilot, lambda: "Wrote 3 file(s)" in outcome(app))
        written = sorted(target.glob("*.toml"))
        assert len(written) == 3
        for path in written:
            assert verify_file(path).ok
            assert verify_file(path).digest in outcome(app)  # the dialog shows each digest
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)


async def test_export_one_audit_with_evidence_and_keep_an_existing_file(
    demo_db: Path, app_factory, tmp_path
) -> None:
    app = app_factory(demo_db)
    target = tmp_path / "one.toml"
    target.write_text("someone else's file")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_first_audit(pilot)
        await pilot.press("E")
        await until(pilot, lambda: isinstance(app.screen, ExportDialog))
        await type_path(pilot, str(target))
        await pilot.click("#evidence")
        await pilot.press("ctrl+s")  # from anywhere in the dialog
        await until(pilot, lambda: "exists" in outcome(app))
        # Refused in the app's own words (its Overwrite box, not the command line's --force),
        # nothing overwritten, and the dialog keeps what was typed.
        assert "Overwrite existing files" in outcome(app) and "--force" not in outcome(app)
        assert target.read_text() == "someone else's file"
        assert app.screen.query_one("#path", Input).value == str(target)
        await pilot.click("#force")
        await pilot.click("#ok")
        await until(pilot, lambda: "Wrote 1 file(s)" in outcome(app))
        check = verify_file(target)
        assert check.ok, check.problems
        data = tomllib.loads(target.read_text("utf-8"))
        assert data["audit"]["revision"] == screen.view.audit.revision
        if any(e.kind == "file" for rows in screen.view.evidence.values() for e in rows):
            assert check.evidence_checked > 0
            assert (tmp_path / EVIDENCE_FOLDER).is_dir()


async def test_export_markdown_switches_the_suffix(demo_db: Path, app_factory, tmp_path) -> None:
    app = app_factory(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_first_audit(pilot)
        await pilot.press("E")
        await until(pilot, lambda: isinstance(app.screen, ExportDialog))
        await type_path(pilot, str(tmp_path / "memo.toml"))
        await pilot.click("#md")
        await pilot.click("#toml")  # Markdown alone
        await settle(pilot)
        assert app.screen.query_one("#path", Input).value == str(tmp_path / "memo.md")
        await pilot.click("#ok")
        await until(pilot, lambda: "Wrote 1 file(s)" in outcome(app))
        assert (tmp_path / "memo.md").read_text("utf-8").startswith("# Vendor audit report")


async def test_export_the_record_with_its_html_and_word_renderings(
    demo_db: Path, app_factory, tmp_path
) -> None:
    app = app_factory(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_first_audit(pilot)
        await pilot.press("E")
        await until(pilot, lambda: isinstance(app.screen, ExportDialog))
        await type_path(pilot, str(tmp_path / "legal.toml"))
        await pilot.click("#html")
        await pilot.click("#docx")
        await settle(pilot)
        assert app.screen.query_one("#path", Input).value == str(tmp_path / "legal.toml")
        await pilot.click("#ok")
        await until(pilot, lambda: "Wrote 1 file(s)" in outcome(app))
        record = tmp_path / "legal.toml"
        assert {p.name for p in tmp_path.iterdir()} >= {"legal.toml", "legal.html", "legal.docx"}
        shown = outcome(app)
        # Both hashes, each under its own name: the file's SHA-256 is what sha256sum prints.
        file_sha = hashlib.sha256(record.read_bytes()).hexdigest()
        assert f"record file SHA-256 (sha256sum) {file_sha}" in shown
        assert f"content digest {verify_file(record).digest}" in shown
        assert file_sha in (tmp_path / "legal.html").read_text("utf-8")


async def test_export_a_comparison_from_compare(demo_db: Path, app_factory, tmp_path) -> None:
    app = app_factory(demo_db)
    target = tmp_path / "final.toml"
    async with app.run_test(size=(120, 40)) as pilot:
        await home_ready(pilot)
        screen = await open_compare(pilot, rows=3)
        await pilot.press("E")
        await until(pilot, lambda: isinstance(app.screen, ExportDialog))
        assert app.screen.query_one("#evidence").disabled
        await type_path(pilot, str(target))
        await pilot.press("enter")
        await until(pilot, lambda: "Wrote 1 file(s)" in outcome(app))
        data = tomllib.loads(target.read_text("utf-8"))
        assert data["format"] == "vaudit-comparison"
        assert len(data["vendors"]) == len(screen.views) == 3
        assert verify_file(target).ok


async def test_export_refuses_a_signed_off_audit_changed_behind_the_tools_back(
    demo_db: Path, app_factory, tmp_path
) -> None:
    store = open_store(str(demo_db))
    with store.write() as session:
        drop_guards(session.connection())
        session.connection().exec_driver_sql(
            "UPDATE answer SET note = 'forged' WHERE audit_id IN "
            "(SELECT id FROM audit WHERE status = 'signed_off')"
        )
    store.dispose()
    app = app_factory(demo_db)
    target = tmp_path / "one.toml"
    async with app.run_test(size=(120, 40)) as pilot:
        await home_ready(pilot)
        await pilot.press("slash", *"signed off", "enter")  # the filter, then the table
        await settle(pilot)
        await pilot.press("enter")
        screen = await audit_shown(pilot)
        assert screen.view.audit.status == "signed_off"
        await pilot.press("E")
        await until(pilot, lambda: isinstance(app.screen, ExportDialog))
        await type_path(pilot, str(target))
        await pilot.press("enter")
        await until(pilot, lambda: "no longer holds what was signed off" in outcome(app))
        assert "was changed after sign-off" in outcome(app)
        assert not target.exists()
        assert isinstance(app.screen, ExportDialog)  # still open: the error is in the dialog
