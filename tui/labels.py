"""The app's own words in Chinese. English is the key, so code reads plainly and a missing
translation shows English rather than nothing. Checklist text is not here: it comes from the
checklists with both languages."""

from __future__ import annotations

import dataclasses
from typing import Any

from audits.text import Lang

ZH: dict[str, str] = {
    # app
    "Help": "帮助",
    "Quit": "退出",
    "Language": "切换语言",
    "Back": "返回",
    "Loading…": "加载中…",
    "Switch language": "切换语言（中文 / English）",
    "Switch between Chinese and English; the choice is remembered.": "在中文与英文之间切换，并记住选择。",
    "New audit": "新建审计",
    "Start an audit of a vendor in a selection.": "为某个选型中的服务商开始一次审计。",
    "New vendor": "新建服务商",
    "Add a vendor and its facts.": "录入一个服务商及其资料。",
    "New selection": "新建选型",
    "New vendor: v": "请先新建服务商：按 v",
    "New selection: n": "请先新建选型：按 n",
    "Start a selection round with its scenario.": "新建一轮选型及其业务场景。",
    "Compare": "对比",
    "Compare the marked audits side by side.": "并排对比已标记的审计。",
    # export
    "Export": "导出",
    "Export reports": "导出报告",
    "Export the marked audits (or the one under the cursor) as scored reports.": "将已标记的审计（或光标所在审计）导出为评分报告。",
    "Export {n} report(s)": "导出 {n} 份报告",
    "Export a comparison of {n} audits": "导出 {n} 份审计的对比报告",
    "Format": "格式",
    "TOML: the record, with its digest": "TOML：正式记录，带摘要",
    "Markdown: the same content, to read": "Markdown：相同内容，便于阅读",
    "File or folder (a trailing / makes a folder)": "文件或文件夹（以 / 结尾表示文件夹）",
    "Write the evidence files beside the report": "将证据文件写到报告旁",
    "Overwrite existing files": "覆盖已有文件",
    "Give a file or folder.": "请填写文件或文件夹。",
    "Exporting…": "导出中…",
    "Wrote {n} file(s):": "已写入 {n} 个文件：",
    "Mark audits with Space, or put the cursor on one.": "请用空格标记审计，或将光标移到某个审计上。",
    "Switch theme": "切换主题",
    "Pick a colour theme; the choice is remembered.": "选择配色主题，并记住选择。",
    # home
    "Selections": "选型",
    "Vendors and audits": "服务商与审计",
    "Filter": "筛选",
    "Type to filter by vendor, selection, stage, status or verdict": "输入以按服务商、选型、阶段、状态或结论筛选",
    "Open": "打开",
    "Mark": "标记",
    "Edit vendor": "编辑服务商",
    "Refresh": "刷新",
    "Sort": "排序",
    "Vendor": "服务商",
    "Selection": "选型",
    "Stage": "阶段",
    "Status": "状态",
    "Done": "完成度",
    "Score": "得分",
    "Verdict": "结论",
    "Changed": "最近修改",
    "Auditor": "审计人",
    "no audit yet": "尚无审计",
    "Expiring soon": "即将到期",
    "nothing due in 90 days": "90 天内没有到期事项",
    "Mark 2 to 6 audits with space, then press c to compare.": "用空格标记 2 至 6 个审计，再按 c 对比。",
    "{n} of {total} rows": "共 {total} 行，显示 {n} 行",
    "{n} marked": "已标记 {n} 个",
    "This row has no audit yet: press a to start one.": "该行尚无审计：按 a 新建。",
    # audit screen
    "Sections": "部分",
    "Items": "检查项",
    "Pass": "通过",
    "Partial": "部分通过",
    "Fail": "不通过",
    "N/A": "不适用",
    "Clear": "清除",
    "Accept": "采纳建议",
    "Value": "填写值",
    "Note": "备注",
    "Evidence": "证据",
    "Add file": "添加文件",
    "Add URL": "添加链接",
    "Sign off": "签字确认",
    "Revise": "修订",
    "Next unanswered": "下一未答项",
    "How to verify": "核查方法",
    "Evidence expected": "应收集的证据",
    "Rule proposes": "规则建议",
    "Result": "结果",
    "weight": "权重",
    "gate": "否决项",
    "not applicable to this scenario": "不适用于本选型场景",
    "no evidence yet": "暂无证据",
    "Saved": "已保存",
    "Not saved": "未保存",
    "Signed off by {by} on {on}: read only. Press r to start a revision.": "已由 {by} 于 {on} 签字确认：只读。按 r 开始修订。",
    "The audit changed elsewhere; reloaded.": "该审计已在别处被修改，已重新加载。",
    "Enter a value and press Enter": "输入后按回车保存",
    "yes or no": "是 或 否",
    "a number": "数字",
    "a choice below (→ completes)": "下方选项之一（→ 补全）",
    "one of: {choices}": "可选：{choices}",
    "Press Enter to save; Escape to leave the field.": "回车保存；Esc 离开输入框。",
    "Total": "总分",
    "Completion": "完成度",
    "Audit": "审计",
    "{n} audits": "{n} 个审计",
    "overridden": "已推翻规则建议",
    "Facts changed since this answer (the rule then proposed {was}).": "作答后服务商资料已变更（当时规则建议为{was}）。",
    "Start another audit?": "再开始一次审计？",
    "{vendor} already has audit #{audit} ({status}) in {selection}.": "{vendor} 在“{selection}”中已有审计 #{audit}（{status}）。",
    "Start another": "再开始一次",
    # dialogs
    "Cancel": "取消",
    "OK": "确定",
    "Save": "保存",
    "Discard": "放弃修改",
    "Keep editing": "继续编辑",
    "Unsaved changes": "有未保存的修改",
    "Discard the changes to this vendor?": "放弃对该服务商的修改吗？",
    "Why do you override the rule?": "为什么不采纳规则建议？",
    "The rule proposes {proposed}: {reason}. You chose {chosen}; a note must say why.": "规则建议{proposed}：{reason}。你选择了{chosen}，需在备注中说明理由。",
    "Sign off this audit?": "确认签字？",
    "After sign-off the audit is read only.": "签字后审计将变为只读。",
    "Still unanswered ({n}):": "仍有 {n} 项未回答：",
    "Every applicable item is answered.": "所有适用项均已回答。",
    "Signed by": "签字人",
    "Someone else changed this item": "该项已被他人修改",
    "Stored now": "当前已保存的内容",
    "Your change (not saved)": "你的修改（未保存）",
    "Reload": "重新加载",
    "Evidence file path": "证据文件路径",
    "Evidence URL": "证据链接",
    "A note for this item": "该项的备注",
    "Reason for rejecting": "淘汰理由",
    "Start an audit": "开始审计",
    "Name": "名称",
    "Industry": "行业",
    "Coverage": "覆盖范围",
    "Message kinds": "短信类型",
    "Monthly volume": "月发送量",
    "Notes": "备注",
    # vendor form
    "Vendor facts": "服务商资料",
    "Saved vendor {name}.": "已保存服务商 {name}。",
    "Fix the fields marked in red first.": "请先修正标红的字段。",
    # compare
    "Differences only": "仅显示差异",
    "Expand": "展开",
    "To technical test": "进入技术测试",
    "To negotiation": "进入商务谈判",
    "To finalist": "入围",
    "Reject": "淘汰",
    "Bring back a rejected vendor?": "要恢复已淘汰的服务商吗？",
    "Moved {vendor} to {stage}.": "已将 {vendor} 移至{stage}。",
    "Failed gates": "否决项未通过",
    "Select 2 to 6 audits to compare.": "请选择 2 至 6 个审计进行对比。",
    # help
    "Keys on this screen": "本界面按键",
    "Key": "按键",
    "Action": "操作",
    "Close": "关闭",
    "Focus Next": "下一个区域",
    "Focus Previous": "上一个区域",
    "Copy selected text": "复制所选文字",
    "palette": "命令面板",
    "A note is required: say why.": "必须填写：请说明理由。",
    # follow-ups and evidence expiry
    "Follow-up": "跟进事项",
    "Follow-ups": "跟进事项",
    "New follow-up": "新建跟进事项",
    "What is owed": "待交付内容",
    "Owed by": "负责人",
    "Due date (YYYY-MM-DD)": "截止日期（YYYY-MM-DD）",
    "Say what is owed.": "请填写待交付的内容。",
    "Say who owes it.": "请填写负责人。",
    "The due date is not a date: use YYYY-MM-DD.": "截止日期格式有误：请用 YYYY-MM-DD。",
    "no follow-ups": "暂无跟进事项",
    "overdue": "已逾期",
    "done": "已完成",
    "reopen": "重新打开",
    "Expiry date": "有效期截止日",
    "expiry date": "有效期截止日",
    "Expires on {on}": "有效期至 {on}",
    "Expiry date of this evidence (YYYY-MM-DD; empty clears it)": "该证据的有效期截止日（YYYY-MM-DD；留空即清除）",
    "Not a date: use YYYY-MM-DD.": "日期格式有误：请用 YYYY-MM-DD。",
    "open": "打开",
    "close": "关闭",
    "ctrl+p: command palette (new audit, compare, switch language, switch theme)": "ctrl+p：命令面板（新建审计、对比、切换语言、切换主题）",
}


def tr(text: str, lang: Lang, **values: object) -> str:
    """The label in the language, with {placeholders} filled in."""
    label = ZH.get(text, text) if lang == "zh" else text
    return label.format(**values) if values else label


def translate_bindings(node: Any, lang: Lang) -> None:
    """Show the node's key descriptions (footer, help) in the language.

    The bindings carry English; the first call keeps the node's own set (which includes any
    added at run time, such as the app's command palette key) and every call translates it.
    """
    original = getattr(node, "_english_bindings", None)
    if original is None:
        original = node._bindings.copy()
        node._english_bindings = original
    bindings = original.copy()
    for key, group in bindings.key_to_bindings.items():
        bindings.key_to_bindings[key] = [
            dataclasses.replace(b, description=tr(b.description, lang)) for b in group
        ]
    node._bindings = bindings
