"""Unified social credit code (统一社会信用代码, GB 32100-2015): format and both checks."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from vaudit.audits.regulatory import Finding, Report, failed, passed, warned
from vaudit.audits.text import Text

CHECK_FORMAT = "credit_code.format"
CHECK_DIGIT = "credit_code.check_character"
CHECK_PREFIX = "credit_code.prefix"
CHECK_ORG_CODE = "credit_code.organisation_code"

# GB 32100-2015: 31 characters (digits and capitals without I, O, S, V, Z); 2 registration
# characters, a 6-digit region code, 9 organisation-code characters and a check character.
CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_PATTERN = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")

COMPANY_PREFIX = "91"  # 9 = market regulator (工商), 1 = enterprise
# Other market-regulator registrations: named so the warning says what the holder is.
_PREFIX_NAMES: dict[str, tuple[str, str]] = {
    "92": ("个体工商户", "an individual business"),
    "93": ("农民专业合作社", "a farmers' cooperative"),
}

# GB 11714 organisation code: weights for its 8 body characters; values over 0-9A-Z.
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def organisation_check_character(body8: str) -> str:
    """The GB 11714 check character for an 8-character organisation-code body."""
    total = sum(_ORG_ALPHABET.index(ch) * w for ch, w in zip(body8, ORG_CODE_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def credit_code_check_character(first17: str) -> str:
    """The GB 32100-2015 mod-31 check character for the first 17 characters."""
    weights = [pow(3, i, 31) for i in range(17)]
    total = sum(CREDIT_CODE_CHARS.index(ch) * w for ch, w in zip(first17, weights, strict=True))
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def normalise(raw: str) -> str | None:
    """Trimmed, upper-cased code, or None when it holds non-ASCII (e.g. full-width) characters."""
    text = raw.strip()
    if not text.isascii():
        return None
    return text.upper()


def check_credit_code(raw: str) -> Report:
    return Report(tuple(_findings(raw)))


def _findings(raw: str) -> Iterator[Finding]:
    code = normalise(raw)
    if code is None:
        yield failed(
            CHECK_FORMAT,
            "未能识别：统一社会信用代码只含半角字母和数字，请勿使用全角或中文字符。",
            "Not recognised: a credit code uses half-width letters and digits only, "
            "no full-width or Chinese characters.",
        )
        return
    if not CREDIT_CODE_PATTERN.match(code):
        yield failed(
            CHECK_FORMAT,
            f"未能识别为统一社会信用代码（{len(code)} 位）：应为 18 位，第 3–8 位为数字，"
            "且不含字母 I、O、S、V、Z。",
            f"Not recognised as a unified social credit code ({len(code)} characters): it has "
            "18, positions 3-8 are digits, and the letters I, O, S, V, Z never occur.",
        )
        return
    yield passed(CHECK_FORMAT, "格式正确。", "The format is right.")
    expected = credit_code_check_character(code[:17])
    if expected != code[17]:
        # Most often a typo; whether real issued codes can fail is unknown, so never "forged".
        yield failed(
            CHECK_DIGIT,
            f"校验码不符（按前 17 位应为 {expected}，实为 {code[17]}）。"
            "请核对录入，并在国家企业信用信息公示系统中查询该代码。",
            f"The check character does not match (the first 17 give {expected}, the code has "
            f"{code[17]}). Re-check the entry and look the code up in the National Enterprise "
            "Credit Information Publicity System.",
        )
    else:
        yield passed(CHECK_DIGIT, "校验码正确。", "The check character matches.")
    prefix = code[:2]
    if prefix != COMPANY_PREFIX:
        zh_kind, en_kind = _PREFIX_NAMES.get(
            prefix, ("非普通企业的主体", "not an ordinary company")
        )
        yield warned(
            CHECK_PREFIX,
            f"前两位为 {prefix}，不是企业的 91：登记主体为{zh_kind}，请确认其可经营短信业务。",
            f"The code starts {prefix}, not 91: the holder is {en_kind}. Confirm it may run an "
            "SMS business.",
        )
    else:
        yield passed(CHECK_PREFIX, "登记为企业（91）。", "Registered as a company (91).")
    org, org_check = code[8:16], code[16]
    org_expected = organisation_check_character(org)
    if org_expected != org_check:
        yield warned(
            CHECK_ORG_CODE,
            f"内嵌的组织机构代码 {org}-{org_check} 校验位不符（应为 {org_expected}），"
            "请到官方系统核实。",
            f"The embedded organisation code {org}-{org_check} has the wrong check character "
            f"({org_expected} expected); verify the code in the official registry.",
        )
    else:
        yield passed(
            CHECK_ORG_CODE, "内嵌组织机构代码校验正确。", "The organisation code checks out."
        )


def check_same_holder(check: str, code: str | None, vendor_code: str | None, role: Text) -> Finding:
    """Whether a document (licence, MLPS report) names the vendor itself, by credit code."""
    if not code or not vendor_code:
        return warned(
            check,
            f"缺少信用代码，未核对{role.zh}是否为供应商本身。",
            f"A credit code is missing, so the {role.en} was not compared with the vendor.",
        )
    ours, theirs = (unicodedata.normalize("NFKC", c).strip().upper() for c in (code, vendor_code))
    if ours != theirs:
        return failed(
            check,
            f"{role.zh}的信用代码 {code.strip()[:40]} 与供应商的 {vendor_code.strip()[:40]} "
            "不一致：该文件属于其他主体。",
            f"The {role.en}'s credit code {code.strip()[:40]} differs from the vendor's "
            f"{vendor_code.strip()[:40]}: the document belongs to another organisation.",
        )
    return passed(check, f"{role.zh}即供应商本身。", f"The {role.en} is the vendor itself.")
