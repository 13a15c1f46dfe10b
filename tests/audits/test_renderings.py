"""The readable renderings legal review reads: the HTML page's visible text and the Word
document's text for a demo audit with a channel run, follow-ups and an override, in Chinese and
in English, golden-tested; no internal ids, no Python or JSON dumps, the scores `vaudit score`
prints."""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.audits.test_report import GENERATED_AT, freeze
from tests.helpers import DATA, TODAY, vaudit
from vaudit.audits.db import Store, open_store
from vaudit.audits.demo import load_demo
from vaudit.audits.report import export_audits
from vaudit.audits.report.word_docx import docx_text
from vaudit.audits.service import Service
from vaudit.audits.text import Lang

GOLDEN = DATA / "golden"
AUDIT = 7  # the demo's audit with a channel run and overridden rules
OVERRIDDEN = "qualification.code.preconditions_1069"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("render") / "demo.sqlite"
    store: Store = open_store(str(path))
    service = Service(store, "demo", today=TODAY)
    load_demo(service)
    service.add_follow_up(
        AUDIT,
        OVERRIDDEN,
        "Send the 1069 precondition papers",
        "孙洋（示例）",
        dt.date(2026, 12, 15),
    )
    freeze(store)
    store.dispose()
    return path


class _VisibleText(HTMLParser):
    """What a browser shows: the body's text, not the head, styles or markup."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.hidden = 0
        self.cells: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in ("head", "style", "script"):
            self.hidden += 1
        elif tag == "tr":
            self.cells = []
        assert tag != "script", "the page must read without scripts"

    def handle_endtag(self, tag: str) -> None:
        if tag in ("head", "style", "script"):
            self.hidden -= 1
        elif tag == "tr" and self.cells is not None:
            self.lines.append(" | ".join(self.cells))
            self.cells = None

    def handle_data(self, data: str) -> None:
        if self.hidden or not data.strip():
            return
        if self.cells is not None:
            self.cells.append(data.strip())
        else:
            self.lines.append(data.strip())


def html_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return "\n".join(parser.lines) + "\n"


def rendered(db: Path, folder: Path, lang: Lang) -> tuple[str, str, dict[str, object]]:
    service = Service(open_store(str(db)), "legal-export", today=TODAY)
    [done] = export_audits(
        service,
        [AUDIT],
        folder / f"a{AUDIT}.toml",
        fmt="toml,html,docx",
        lang=lang,
        generated_at=GENERATED_AT,
    )
    toml, html, docx = done.files
    body = tomllib.loads(toml.read_text("utf-8"))
    html_source = html.read_text("utf-8")
    assert "<script" not in html_source and "http://" not in html_source.split("<body>")[0]
    assert "@media print" in html_source
    # The record holds the channel run's own times; its two hashes are checked below.
    texts = [html_text(html_source), docx_text(docx.read_bytes()) + "\n"]
    for n, text in enumerate(texts):
        text = text.replace(done.file_sha256, "<record file sha-256>")
        text = text.replace(done.digest, "<content digest>")
        # The demo's channel run was measured on loopback: its latencies vary run to run.
        texts[n] = re.sub(r"\b\d+\.\d\ds\b", "#.##s", text)
    return texts[0], texts[1], body


def golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("VAUDIT_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), (
        f"{name} changed; if on purpose, rerun with VAUDIT_UPDATE_GOLDEN=1 and read the diff"
    )


def internal_names(body: dict[str, object]) -> set[str]:
    """Ids and keys a reader must never see: item ids, record ids, stored keys."""
    items = body["items"]
    assert isinstance(items, list)
    names = {str(item["id"]) for item in items}
    for table in ("vendor", "selection", "audit"):
        part = body[table]
        assert isinstance(part, dict)
        names.add(str(part["id"]))
    names |= {"credit_code", "technical_test", "rule_overridden", "failed_gate", "fact_rule"}
    names |= {"share_of_total", "acceptance_rate", "latency_handset_s", "not_run", "n/a"}
    return names


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_html_and_docx_are_golden_and_speak_to_people(
    demo_db: Path, tmp_path: Path, lang: Lang
) -> None:
    html, docx, body = rendered(demo_db, tmp_path, lang)
    golden(f"demo-audit-{AUDIT}.{lang}.html.txt", html)
    golden(f"demo-audit-{AUDIT}.{lang}.docx.txt", docx)
    for text in (html, docx):
        for name in internal_names(body):
            assert name not in text, f"{name!r} is shown to the reader"
        # No Python or JSON dumps: no dict/list literals, no quoted keys, no bare booleans.
        assert not re.search(r"[{\[]['\"]|['\"]:\s|\bTrue\b|\bFalse\b|\bNone\b(?! *\|)", text)
        assert "Send the 1069 precondition papers" in text and "2026-12-15" in text
        assert "孙洋（示例）" in text
    verdict_first = docx.index("SHA-256")
    assert verdict_first < docx.index(("供应商" if lang == "zh" else "Vendor") + "\n")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_renderings_show_the_scores_vaudit_score_prints(
    demo_db: Path, tmp_path: Path, lang: Lang
) -> None:
    html, docx, _ = rendered(demo_db, tmp_path, lang)
    printed = vaudit(demo_db, "--lang", lang, "score", str(AUDIT), ok=True).output
    rows = re.findall(r"^(\S.*?)\s{2,}(\d+)\s+([\d.]+|—)\s+(\d+/\d+)", printed, re.MULTILINE)
    assert len(rows) == 7
    total = re.search(r"total ([\d.]+)", printed)
    assert total is not None
    for text in (html, docx):
        for title, weight, score, answered in rows:
            assert f"{title} | {weight} | {score} | {answered}" in text
        assert f" {total.group(1)} " in text


def test_both_hashes_are_named_and_labelled_correctly(demo_db: Path, tmp_path: Path) -> None:
    import hashlib

    service = Service(open_store(str(demo_db)), "legal-export", today=TODAY)
    [done] = export_audits(service, [AUDIT], tmp_path / "a.toml", fmt="toml,html,docx,md")
    toml, html_file, docx_file, md_file = done.files
    file_sha = hashlib.sha256(toml.read_bytes()).hexdigest()
    digest = tomllib.loads("[digest]\n" + toml.read_text("utf-8").split("\n[digest]\n")[1])
    assert (file_sha, digest["digest"]["value"]) == (done.file_sha256, done.digest)
    assert file_sha != done.digest
    md = md_file.read_text("utf-8").replace("| ", "|").replace(" |", "|").replace("|", " | ")
    for text in (html_text(html_file.read_text("utf-8")), docx_text(docx_file.read_bytes()), md):
        assert f"Record file SHA-256 (what sha256sum prints) | {file_sha}" in text
        assert f"SHA-256 of its body) | {done.digest}" in text
        assert "a.toml" in text
