"""Mainland mobile numbers: validity, the carrier a range was allocated to, MVNO ranges.

Number portability (携号转网, nationwide since 2019-11-27) means the prefix names only the
carrier the range was *allocated* to, never the number's current carrier.
"""

from __future__ import annotations

import re
import unicodedata

from vaudit.audits.regulatory import Finding, Report, failed, passed, report, warned
from vaudit.audits.text import Text

try:  # optional: without it only the number's shape is checked
    import phonenumbers
    from phonenumbers import PhoneNumberType, carrier

    PHONENUMBERS_INSTALLED = True
except ImportError:  # pragma: no cover - exercised only where the package is missing
    PHONENUMBERS_INSTALLED = False

# The CN mobile pattern from phonenumbers' own metadata, for when the package is missing.
_FALLBACK_MOBILE = re.compile(
    r"^(?:1(?:610\d|740[0-5])\d{6}|1(?:[38]\d|4[57]|[59][0-35-9]|6[25-7]|7[0-35-8])\d{8})$"
)
# Virtual-operator ranges. 162/165 as MVNO is commonly cited but unconfirmed (phonenumbers
# names no carrier for them).
MVNO_PREFIXES = ("170", "171", "162", "165", "167")
# 13-digit IoT numbers exist but phonenumbers does not cover them: report, do not fail.
_IOT = re.compile(r"^(?:14[0-46-8]\d|1064)\d{9}$")
MAX_INPUT = 40


def national_number(raw: str) -> str | None:
    """Digits of a mainland number without +86 / 0086 / 86, or None if it is not digits."""
    text = re.sub(r"[\s\-().]", "", unicodedata.normalize("NFKC", raw))[:MAX_INPUT]
    for prefix in ("+86", "0086"):
        text = text.removeprefix(prefix)
    if len(text) == 13 and text.startswith("861"):
        text = text[2:]
    return text if text.isascii() and text.isdigit() else None


def _is_cn_mobile(digits: str) -> bool:
    if not PHONENUMBERS_INSTALLED:
        return bool(_FALLBACK_MOBILE.match(digits))
    try:
        number = phonenumbers.parse(digits, "CN")
    except phonenumbers.NumberParseException:
        return False
    return (
        phonenumbers.is_valid_number(number)
        and phonenumbers.region_code_for_number(number) == "CN"
        and phonenumbers.number_type(number)
        in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)
    )


def allocated_carrier(raw: str) -> Text | None:
    """The carrier the number's range was allocated to (it may have been ported since)."""
    digits = national_number(raw)
    if not PHONENUMBERS_INSTALLED or digits is None or not _is_cn_mobile(digits):
        return None
    number = phonenumbers.parse(digits, "CN")
    zh = carrier.name_for_number(number, "zh")
    en = carrier.name_for_number(number, "en")
    if not zh or not en:
        return None
    if is_mvno(digits):  # the library names the host network, not the virtual operator
        return Text(
            f"{zh}网络上的虚拟运营商（号段分配，可能已携号转网）",
            f"a virtual operator on {en}'s network (allocated carrier, may be ported)",
        )
    return Text(
        f"{zh}（号段分配运营商，可能已携号转网）", f"{en} (allocated carrier, may be ported)"
    )


def is_mvno(raw: str) -> bool:
    digits = national_number(raw)
    return digits is not None and len(digits) == 11 and digits.startswith(MVNO_PREFIXES)


def check_mobile(raw: str) -> Report:
    digits = national_number(raw)
    shown = raw.strip()[:MAX_INPUT]
    if digits is not None and _IOT.match(digits):
        return report(
            [
                warned(
                    "mobile.valid",
                    f"{digits} 像是 13 位物联网号码，号码库不覆盖该号段，未能核验。",
                    f"{digits} looks like a 13-digit IoT number, which the number library does not "
                    "cover; it was not verified.",
                )
            ]
        )
    if digits is None or not _is_cn_mobile(digits):
        return report(
            [
                failed(
                    "mobile.valid",
                    f"未能识别为有效的中国大陆手机号码：“{shown}”。",
                    f"Not recognised as a valid mainland China mobile number: {shown!r}.",
                )
            ]
        )
    findings: list[Finding] = [
        passed(
            "mobile.valid",
            f"{digits} 是有效的大陆手机号码。",
            f"{digits} is a valid mainland mobile number.",
        )
    ]
    allocated = allocated_carrier(digits)
    if allocated is not None:
        findings.append(
            passed(
                "mobile.carrier",
                f"按号段：{allocated.zh}",
                f"By range: {allocated.en}",
            )
        )
    else:
        findings.append(
            passed(
                "mobile.carrier",
                "号段的分配运营商不详。",
                "The range's allocated carrier is unknown.",
            )
        )
    if is_mvno(digits):
        findings.append(
            warned(
                "mobile.mvno",
                f"{digits[:3]} 号段属于虚拟运营商：投递和路由可能与基础运营商不同，"
                "通道测试应单独覆盖。",
                f"The {digits[:3]} range belongs to virtual operators (MVNO): delivery and routing "
                "may differ from the host carrier's, so cover it separately in channel tests.",
            )
        )
    return report(findings)
