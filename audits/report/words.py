"""The words of the readable renderings (Markdown, HTML, Word) in both languages, and the
names people read for the keys a report stores (results, severities, finding kinds)."""

from __future__ import annotations

from vaudit.audits.text import Lang, Text

WORDS: dict[str, Text] = {
    "report": Text("供应商审核报告", "Vendor audit report"),
    "comparison": Text("供应商比较报告", "Vendor comparison"),
    "rendering_of": Text(
        "本文件是审核记录 {name} 的阅读版本，内容与该记录相同。",
        "This document is a readable rendering of the record {name}, with the same content.",
    ),
    "file_sha256": Text(
        "记录文件的 SHA-256（sha256sum 命令的输出）", "Record file SHA-256 (what sha256sum prints)"
    ),
    "content_digest": Text(
        "内容摘要（记录中 [digest] 的 value：其正文的 SHA-256）",
        "Content digest ([digest] value in the record: SHA-256 of its body)",
    ),
    "generated": Text("生成", "Generated"),
    "by": Text("由", "by"),
    "verdict": Text("结论", "Verdict"),
    "reasons": Text("理由", "Reasons"),
    "no_reasons": Text("没有未通过的一票否决项。", "No knockout item failed."),
    "gate_failed": Text("一票否决项未通过：{title}", "Knockout item failed: {title}"),
    "critical": Text("严重问题限制了结论：{title}", "Critical finding caps the verdict: {title}"),
    "thresholds": Text(
        "总分 {rec} 分及以上为推荐，{cond} 分及以上为有条件推荐"
        "（须全部答完且无一票否决项未通过）。",
        "Recommended at {rec} points or more, conditional at {cond} or more (all items "
        "answered and no knockout item failed).",
    ),
    "total": Text("总分", "Total"),
    "of_100": Text("（满分 100）", "of 100"),
    "completion": Text("完成度", "Completion"),
    "answered_of": Text(
        "已答 {answered} / 适用 {applicable} 项", "{answered} of {applicable} items answered"
    ),
    "changed_after_sign_off": Text(
        "注意：该审核签字后记录被改动过。", "Warning: this audit was changed after sign-off."
    ),
    "imported_changed": Text(
        "注意：该审核导入自一份被改动过的报告（摘要 {digest}）。",
        "Warning: this audit was imported from a changed report (digest {digest}).",
    ),
    "vendor": Text("供应商", "Vendor"),
    "selection": Text("选型", "Selection"),
    "audit": Text("审核", "Audit"),
    "field": Text("项目", "Field"),
    "value": Text("内容", "Value"),
    "sections": Text("分项评分", "Scores by section"),
    "section": Text("分项", "Section"),
    "weight": Text("权重", "Weight"),
    "score": Text("得分", "Score"),
    "answered": Text("已答", "Answered"),
    "items": Text("检查项", "Items"),
    "findings": Text("发现", "Findings"),
    "severity": Text("严重程度", "Severity"),
    "item": Text("检查项", "Item"),
    "what": Text("内容", "What"),
    "follow_ups": Text("待办事项", "Follow-ups"),
    "owed_by": Text("负责人", "Owner"),
    "due_on": Text("截止日期", "Due"),
    "state": Text("状态", "State"),
    "open": Text("未完成", "open"),
    "done_on": Text("已完成（{when}，{who}）", "done ({when}, {who})"),
    "none": Text("无", "None"),
    "result": Text("结果", "Result"),
    "not_answered": Text("未作答", "not answered"),
    "value_label": Text("数值", "Value"),
    "proposal": Text("规则建议", "Rule proposal"),
    "override": Text(
        "审核员推翻了规则建议：规则建议{proposed}，审核员记录{recorded}",
        "The auditor overrode the rule: it proposed {proposed}, the auditor recorded {recorded}",
    ),
    "overridden_finding": Text(
        "审核员推翻了规则建议（详见该检查项）",
        "The auditor overrode the rule's proposal (see the item)",
    ),
    "note": Text("备注", "Note"),
    "answered_by": Text("作答：{who}，{when}", "Answered by {who}, {when}"),
    "evidence": Text("证据", "Evidence"),
    "evidence_file": Text(
        "{name}（SHA-256 {sha}；导出文件 {exported}）",
        "{name} (SHA-256 {sha}; exported as {exported})",
    ),
    "evidence_file_kept": Text(
        "{name}（SHA-256 {sha}；未随本报告导出）",
        "{name} (SHA-256 {sha}; not exported with this report)",
    ),
    "code_allocated": Text("{date} 分配", "allocated {date}"),
    "code_valid": Text("有效期至 {date}", "valid until {date}"),
    "code_used": Text("最近使用 {date}", "last used {date}"),
    "port_filed": Text("已备案（{date}）", "filed ({date})"),
    "port_unfiled": Text("未备案", "not filed"),
    "not_exported": Text("未随报告导出", "not exported with this report"),
    "evidence_link": Text("网址 {url}", "web address {url}"),
    "evidence_note": Text("说明", "note"),
    "expires": Text("有效期至 {date}", "valid until {date}"),
    "evidence_index": Text("证据索引", "Evidence index"),
    "original_name": Text("原文件名", "Original name"),
    "exported_as": Text("导出文件", "Exported as"),
    "knockout": Text("一票否决", "knockout"),
    "channel": Text("通道测试", "Channel test"),
    "not_run": Text("未进行通道测试。", "No channel test was run."),
    "channel_latest": Text("最近一次测试", "Latest run"),
    "channel_failover": Text("声明故障期间的测试", "Run during a declared fault"),
    "overall": Text("总体", "Overall"),
    "per_carrier": Text("按运营商", "Per carrier"),
    "per_kind": Text("按短信类型", "Per message kind"),
    "per_slot": Text("按时段", "Per time slot"),
    "latency": Text("时延分位数（秒）", "Latency percentiles (seconds)"),
    "pseudo": Text(
        "伪成功（报告成功但手机未收到）", "Pseudo-success (reported delivered, never arrived)"
    ),
    "slots_runs": Text(
        "各时段最近一次测试的到达率", "Arrival rate of the latest run in each time slot"
    ),
    "group": Text("分组", "Group"),
    "sent": Text("发送", "Sent"),
    "accepted": Text("受理率", "Accepted"),
    "dlr_ok": Text("回执成功率", "Reported delivered"),
    "arrived": Text("到达率", "Arrived"),
    "pseudo_rate": Text("伪成功率", "Pseudo-success rate"),
    "pseudo_count": Text("伪成功条数", "Pseudo-successes"),
    "dlr_delivered": Text("回执成功条数", "Reported delivered"),
    "arrived_count": Text("到达条数", "Arrived"),
    "no_final": Text("无最终回执", "No final report"),
    "latency_kind": Text("时延", "Latency"),
    "dlr_latency": Text("状态报告", "Delivery report"),
    "handset_latency": Text("手机到达", "Arrival on the handset"),
    "samples": Text("样本数", "Samples"),
    "run_no": Text("测试编号", "Run"),
    "checklists": Text("所用检查表", "Checklists used"),
    "name": Text("名称", "Name"),
    "version": Text("版本", "Version"),
    "history": Text("签字与修订记录", "Sign-off and revision history"),
    "revision": Text("修订", "Revision"),
    "status": Text("状态", "Status"),
    "signed_off": Text("签字", "Signed off"),
    "not_signed": Text("尚未签字", "not signed off"),
    "stage": Text("阶段", "Stage"),
    "stage_changed": Text("阶段变更", "Stage changed"),
    "stage_reason": Text("阶段变更理由", "Reason for the stage"),
    "rejection_reason": Text("淘汰理由", "Rejection reason"),
    "industry": Text("行业", "Industry"),
    "coverage": Text("覆盖范围", "Coverage"),
    "message_kinds": Text("短信类型", "Message kinds"),
    "monthly_volume": Text("月发送量（条）", "Monthly volume (messages)"),
    "notes": Text("备注", "Notes"),
    "revision_label": Text("修订版本", "Revision"),
    "started": Text("开始", "Started"),
    "auditors": Text("审核员", "Auditors"),
    "yes": Text("是", "yes"),
    "no": Text("否", "no"),
    "na": Text("不适用", "not applicable"),
    "proof": Text("摘要与签名能证明什么", "What the digest and the signatures prove"),
    "proof_digest": Text(
        "内容摘要是记录正文的 SHA-256，能发现意外的改动；但任何人都能改动记录后重新计算摘要，"
        "所以单凭摘要不能证明是谁出具了报告。",
        "The content digest is the SHA-256 of the record's body: it shows accidental changes, "
        "but anyone who edits the record can compute it again, so on its own it does not show "
        "who issued the report.",
    ),
    "proof_signature": Text(
        "签名（每个文件旁的 .sig 文件，OpenSSH SSHSIG 格式，命名空间 vaudit-report）"
        "证明文件自签名后一个字节也未改动，且签名者持有与其公钥对应的私钥。"
        "审核员的公钥（allowed_signers 中的一行）"
        "应通过可信渠道从审核员处获得，而不是从导出文件夹中取得。",
        "The signatures (the .sig file beside each file, OpenSSH SSHSIG format, namespace "
        "vaudit-report) show that not one byte changed since signing, and that the signer holds "
        "the private key of the public key named. Get the auditor's public key (a line of "
        "allowed_signers) from the auditor through a channel you trust, not from the export "
        "folder.",
    ),
    "proof_manifest": Text(
        "SHA256SUMS 列出导出文件夹中每个文件（报告、阅读版本、证据文件）的 SHA-256，其签名 "
        "SHA256SUMS.sig 将它们全部与签名者绑定。",
        "SHA256SUMS lists the SHA-256 of every file in the export folder (reports, readable "
        "renderings, evidence files); its signature SHA256SUMS.sig ties them all to the signer.",
    ),
    "proof_commands": Text(
        "在导出文件夹中用 OpenSSH 和 coreutils 核验（IDENTITY 为审核员的身份）：",
        "To check, in the export folder, with OpenSSH and coreutils (IDENTITY is the "
        "auditor's identity):",
    ),
    "proof_vaudit": Text(
        "或用 vaudit 同时核验摘要与签名：", "Or check digest and signature with vaudit:"
    ),
    "unanswered": Text("—", "—"),
    "rank": Text("排名", "Rank"),
    "gates": Text("未通过的一票否决项", "Failed knockout items"),
}

RESULTS: dict[str, Text] = {
    "pass": Text("通过", "Pass"),
    "partial": Text("部分符合", "Partial"),
    "fail": Text("不通过", "Fail"),
    "na": Text("不适用", "Not applicable"),
}

SEVERITIES: dict[str, Text] = {
    "disqualifying": Text("一票否决", "Disqualifying"),
    "risk": Text("风险", "Risk"),
    "warning": Text("提醒", "Warning"),
    "review": Text("须复核", "Review"),
    "critical": Text("严重", "Critical"),
}


def word(key: str, lang: Lang, **values: object) -> str:
    text = WORDS[key](lang)
    return text.format(**values) if values else text


def named(table: dict[str, Text], key: object, lang: Lang) -> str:
    """The label of a stored key; the key itself only when it is unknown (a newer vaudit's)."""
    label = table.get(str(key))
    return label(lang) if label is not None else str(key)
