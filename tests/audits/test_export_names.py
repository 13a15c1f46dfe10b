"""Export file names stay within NAME_MAX (255 bytes) for long Chinese vendor names, and an
export of many audits that stops midway names the reports it already wrote (issue 14, item 8)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import TODAY, start_audit, vaudit
from vaudit.audits.db import open_store
from vaudit.audits.service import Service

LONG = "深圳市前海超长名称示例信息技术有限公司" * 10  # 190 characters, 570 bytes


def _two_audits(db: Path) -> None:
    service = Service(open_store(str(db)), "alice", today=TODAY)
    start_audit(service, LONG, "S1")
    start_audit(service, LONG + "分公司", "S2")
    service.store.dispose()


def test_a_long_chinese_vendor_name_exports_under_a_bounded_readable_name(
    tmp_path: Path,
) -> None:
    db = tmp_path / "a.sqlite"
    _two_audits(db)
    for fmt in ("toml", "md"):
        vaudit(db, "export", "1", "2", "-o", f"{tmp_path / fmt}/", "--format", fmt, ok=True)
        names = sorted(p.name for p in (tmp_path / fmt).iterdir())
        assert len(names) == 2 and len(set(names)) == 2
        for name in names:
            assert len(name.encode("utf-8")) <= 255 - len(".") - len(".xxxxxxxx.part")
            assert name.startswith("深圳市前海超长名称示例信息技术有限公司")
        assert names[0].endswith(f"-audit1-r1.{fmt}") and names[1].endswith(f"-audit2-r1.{fmt}")


def test_an_export_that_stops_midway_names_what_it_wrote(tmp_path: Path) -> None:
    db = tmp_path / "a.sqlite"
    _two_audits(db)
    out = tmp_path / "out"
    vaudit(db, "export", "2", "-o", f"{out}/", ok=True)  # the second report is there already
    (second,) = out.iterdir()
    result = vaudit(db, "export", "1", "2", "-o", f"{out}/", ok=False)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "stopped after 1 of 2 report(s)" in result.stderr
    (first,) = [p for p in out.iterdir() if p != second]
    assert str(first) in result.stderr and "exists" in result.stderr
