"""A readable Markdown rendering of a report, for people; the TOML stays the record.

It is rendered from the same data as the TOML (never from the database), so the two cannot
say different things; it names the TOML digest it was rendered with.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from vaudit.audits.present import percent, points
from vaudit.audits.report.format import CHANGED_MARK
from vaudit.audits.text import Lang, Text

# Beside an item's title: a gate disqualifies, a critical item caps the verdict.
SEVERITY_MARKS = {"gate": " ⛔", "critical": " ❗"}

WORDS: dict[str, Text] = {
    "report": Text("供应商审核报告", "Vendor audit report"),
    "comparison": Text("供应商比较报告", "Vendor comparison"),
    "record": Text(
        "本文件为便于阅读的版本；正式记录为 TOML 报告，其摘要为",
        "This is a readable rendering; the record is the TOML report with digest",
    ),
    "vendor": Text("供应商", "Vendor"),
    "selection": Text("选型", "Selection"),
    "audit": Text("审核", "Audit"),
    "score": Text("评分", "Score"),
    "sections": Text("分项", "Sections"),
    "items": Text("检查项", "Items"),
    "findings": Text("发现", "Findings"),
    "checklists": Text("所用检查表", "Checklists used"),
    "channel": Text("通道测试", "Channel test"),
    "not_run": Text("未进行", "not run"),
    "none": Text("无", "none"),
    "total": Text("总分", "Total"),
    "verdict": Text("结论", "Verdict"),
    "completion": Text("完成度", "Completion"),
    "gates": Text("未通过的一票否决项", "Failed gates"),
    "why": Text("结论依据", "Why this verdict"),
    "evidence": Text("证据", "Evidence"),
    "proposal": Text("规则建议", "Rule proposal"),
    "overridden": Text("（审核员已推翻）", "(overridden by the auditor)"),
    "rank": Text("排名", "Rank"),
    "stage": Text("阶段", "Stage"),
    "generated": Text("生成", "Generated"),
    "changed": Text(
        "签核后已被更改：本报告所示内容与签核时不符",
        "CHANGED AFTER SIGN-OFF: what this report shows is not what was signed off",
    ),
}


def _w(key: str, lang: Lang) -> str:
    return WORDS[key](lang)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return ", ".join(_cell(v) for v in value)
    # Markdown tables: a pipe or a newline would break the row.
    return str(value).replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def _title(value: Mapping[str, str] | str, lang: Lang) -> str:
    if isinstance(value, Mapping):
        return str(value.get(lang) or value.get("en") or "")
    return str(value)


def _table(headers: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines.extend("| " + " | ".join(_cell(v) for v in row) + " |" for row in rows)
    return lines


def render_markdown(body: Mapping[str, Any], digest: str, lang: Lang = "en") -> str:
    vendor, selection, audit = body["vendor"], body["selection"], body["audit"]
    score, header = body["score"], body["header"]
    out = [f"# {_w('report', lang)}: {vendor['name']}", ""]
    out += [f"{_w('record', lang)} `{digest}`.", ""]
    if audit.get(CHANGED_MARK):
        out += [f"**{_w('changed', lang)}**", ""]
        out += [f"- {_cell(problem)}" for problem in audit[CHANGED_MARK]]
        out.append("")
    out.append(
        f"{_w('generated', lang)}: {_cell(header['generated_at'])} · {header['generated_by']} · "
        f"vaudit {header['tool_version']}"
    )
    out += ["", f"## {_w('vendor', lang)}", ""]
    out += _table(["", ""], [[k, v] for k, v in vendor.items()])
    out += ["", f"## {_w('selection', lang)}", ""]
    out += _table(["", ""], [[k, v] for k, v in selection.items()])
    out += ["", f"## {_w('audit', lang)}", ""]
    plain = {k: v for k, v in audit.items() if k not in ("scenario", "revises")}
    out += _table(["", ""], [[k, v] for k, v in plain.items()])
    if audit.get("revises"):
        out += [
            "",
            "Revises: " + ", ".join(f"r{r['revision']} {r['status']}" for r in audit["revises"]),
        ]
    out += ["", f"## {_w('score', lang)}", ""]
    out.append(
        f"**{_w('total', lang)} {points(score['total'])}** · {_w('verdict', lang)}: "
        f"{_title(score['verdict_label'], lang)} · {_w('completion', lang)} "
        f"{percent(score['completion'])}"
    )
    # Reports exported before verdicts explained themselves have no reasons: show their gates.
    reasons = score.get("verdict_reasons", [])
    if reasons:
        out += ["", f"{_w('why', lang)}:", ""]
        out += [f"- {_title(r['line'], lang)}" for r in reasons]
    elif score["failed_gates"]:
        out += ["", f"{_w('gates', lang)}: " + ", ".join(f"`{g}`" for g in score["failed_gates"])]
    out += ["", f"### {_w('sections', lang)}", ""]
    out += _table(
        ["section", "weight", "share", "score", "answered"],
        [
            [
                _title(s["title"], lang),
                s["weight"],
                s["share_of_total"],
                s.get("score", "—"),
                f"{s['answered']}/{s['applicable']}",
            ]
            for s in score["sections"]
        ],
    )
    out += ["", f"## {_w('findings', lang)}", ""]
    if body["findings"]:
        for finding in body["findings"]:
            where = finding.get("item") or _cell(finding.get("due"))
            line = f"- **{finding['severity']}** ({finding['kind']}, {where}): "
            line += _title(finding["reason"], lang)
            if finding.get("note"):
                line += f" — {_cell(finding['note'])}"
            out.append(line)
    else:
        out.append(_w("none", lang))
    out += ["", f"## {_w('items', lang)}", ""]
    current = None
    for item in body["items"]:
        if item["section"] != current:
            current = item["section"]
            out += ["", f"### {current}", ""]
        mark = SEVERITY_MARKS.get(item.get("severity") or ("gate" if item["gate"] else ""), "")
        result = item.get("result", "—" if item["applicable"] else "n/a")
        out.append(f"- **{_title(item['title'], lang)}**{mark} `{item['id']}`: {result}")
        if "value" in item:
            out.append(f"  - value: {_cell(item['value'])}")
        if item.get("note"):
            out.append(f"  - note: {_cell(item['note'])}")
        if "answered_by" in item:
            out.append(f"  - {item['answered_by']}, {_cell(item['answered_at'])}")
        if "proposal" in item:
            p = item["proposal"]
            over = " " + _w("overridden", lang) if p.get("overridden") else ""
            reason = _title(p.get("reason", ""), lang)
            out.append(
                f"  - {_w('proposal', lang)}: {p.get('result', '')} ({p['rule']}) {reason}{over}"
            )
        for e in item.get("evidence", []):
            what = e.get("sha256") or e.get("url") or _cell(e.get("note"))
            out.append(f"  - {_w('evidence', lang)}: {_cell(e['name'])} ({e['kind']}) {what}")
    out += ["", f"## {_w('channel', lang)}", ""]
    channel = body.get("channel_test", {})
    out.append(_w("not_run", lang) if channel.get("state") == "not_run" else str(channel))
    out += ["", f"## {_w('checklists', lang)}", ""]
    out += _table(
        ["id", "version", "sha256"],
        [[c["id"], c["version"], c["sha256"]] for c in body["checklists"]],
    )
    return "\n".join(out) + "\n"


def render_comparison_markdown(body: Mapping[str, Any], digest: str, lang: Lang = "en") -> str:
    vendors = body["vendors"]
    out = [f"# {_w('comparison', lang)}", "", f"{_w('record', lang)} `{digest}`.", ""]
    out += _table(
        [
            _w("rank", lang),
            _w("vendor", lang),
            _w("total", lang),
            _w("verdict", lang),
            _w("completion", lang),
            _w("stage", lang),
            _w("gates", lang),
            _w("why", lang),
        ],
        [
            [
                v["rank"],
                v["vendor"],
                v["total"],
                v["verdict"],
                percent(v["completion"]),
                v.get("stage", ""),
                v["failed_gates"],
                "; ".join(_title(r["line"], lang) for r in v.get("verdict_reasons", [])),
            ]
            for v in vendors
        ],
    )
    out += ["", f"## {_w('sections', lang)}", ""]
    names = [v["vendor"] for v in vendors]
    out += _table(
        ["section", *names],
        [
            [_title(s["title"], lang), *(s["scores"].get(n, "—") for n in names)]
            for s in body["sections"]
        ],
    )
    return "\n".join(out) + "\n"
