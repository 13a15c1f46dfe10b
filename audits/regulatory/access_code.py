"""SMS access codes (短消息类服务接入代码, "106" numbers): who issued them, what they allow."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from vaudit.audits.regulatory import Finding, Report, failed, passed, warned
from vaudit.audits.regulatory.licence import LicenceNumber
from vaudit.audits.text import Text

Scope = Literal["national", "provincial", "unknown"]
Kind = Literal["commercial", "third_party_platform", "own_use", "public_welfare", "carrier"]
Coverage = Literal["national", "provincial"]

MAX_DISPLAYED_DIGITS = 21  # CMPP Src_Id is 21 octets: base code plus extension digits
# Kinds a VAS operator holds under its SMS licence (1066/10690 national, 1062/10630 provincial).
LICENSED_KINDS = ("commercial", "third_party_platform")

MIIT = Text("工业和信息化部", "MIIT")
PROVINCIAL_CA = Text("省通信管理局", "the provincial communications administration")
MIIT_AND_PROVINCES = Text("工业和信息化部及省通信管理局", "MIIT and provincial administrations")


@dataclass(frozen=True)
class _Row:
    pattern: re.Pattern[str]  # matches the base code at the start of the number
    base_length: int
    scope: Scope
    kind: Kind
    body: Text


# The allocation table of the 短消息类服务接入代码申请、分配、使用与收回管理办法 (MIIT); Y is 5-8
# and those own-use bases have 12 digits.
# Rows are disjoint, so order does not matter. 1065 is issued by both levels: scope unknown.
CODE_TABLE: tuple[_Row, ...] = (
    _Row(re.compile(r"^1066\d{4}"), 8, "national", "commercial", MIIT),
    _Row(re.compile(r"^10690\d{3}"), 8, "national", "third_party_platform", MIIT),
    _Row(re.compile(r"^1069[5-8]\d{7}"), 12, "national", "own_use", MIIT),
    _Row(re.compile(r"^10699\d{3}"), 8, "national", "public_welfare", MIIT),
    _Row(re.compile(r"^1062\d{4}"), 8, "provincial", "commercial", PROVINCIAL_CA),
    _Row(re.compile(r"^10630\d{3}"), 8, "provincial", "third_party_platform", PROVINCIAL_CA),
    _Row(re.compile(r"^1063[5-8]\d{7}"), 12, "provincial", "own_use", PROVINCIAL_CA),
    _Row(re.compile(r"^10639\d{3}"), 8, "provincial", "public_welfare", PROVINCIAL_CA),
    _Row(re.compile(r"^1065\d{4}"), 8, "unknown", "carrier", MIIT_AND_PROVINCES),
)

KIND_NAMES: dict[str, Text] = {
    "commercial": Text("经营性", "commercial"),
    "third_party_platform": Text("非经营性第三方平台", "non-commercial third-party platform"),
    "own_use": Text("企事业单位自用（非经营性）", "own-use (non-commercial)"),
    "public_welfare": Text("公益性", "public-welfare"),
    "carrier": Text("基础电信运营商自有业务", "carrier own-service"),
}


@dataclass(frozen=True)
class CodeClass:
    code: str
    base: str
    scope: Scope
    kind: Kind
    allocating_body: Text
    base_length: int
    extension_digits: int


def normalise_code(raw: str) -> str:
    return re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", raw))


def classify_code(code: str) -> CodeClass | None:
    text = normalise_code(code)
    if not (text.isascii() and text.isdigit()) or len(text) > MAX_DISPLAYED_DIGITS:
        return None
    for row in CODE_TABLE:
        if row.pattern.match(text):
            return CodeClass(
                code=text,
                base=text[: row.base_length],
                scope=row.scope,
                kind=row.kind,
                allocating_body=row.body,
                base_length=row.base_length,
                extension_digits=len(text) - row.base_length,
            )
    return None


def _problems(cls: CodeClass, coverage: str, resold: bool) -> Iterator[Finding]:
    check, body = f"access_code.{cls.code}", cls.allocating_body
    if coverage == "national" and cls.scope == "provincial":
        yield failed(
            check,
            f"{cls.code} 是省内代码（{body.zh}分配），不能用于全国发送。",
            f"{cls.code} is a provincial code (allocated by {body.en}); it cannot serve "
            "nationwide sending.",
        )
    if cls.scope == "unknown":
        yield warned(
            check,
            f"{cls.code} 是运营商自有业务代码，覆盖范围取决于运营商的分配，请索取运营商授权。",
            f"{cls.code} is a carrier's own-service code; its reach depends on the carrier's "
            "allocation, so ask for the carrier's authorisation.",
        )
    if resold and cls.kind == "own_use":
        yield failed(
            check,
            f"{cls.code} 是企事业单位自用代码，不得转供第三方客户使用。",
            f"{cls.code} is for the holder's own use and may not be resold to third parties.",
        )
    elif resold and cls.kind == "public_welfare":
        yield warned(
            check,
            f"{cls.code} 是公益性代码，转供客户使用须核实。",
            f"{cls.code} is a public-welfare code; check whether serving customers with it "
            "is allowed.",
        )
    # 经营性 / 非经营性 in the allocation rules means whether users are charged an information
    # fee, not which code may carry marketing: no finding is drawn from it here.


def _licence_problems(cls: CodeClass, licence: LicenceNumber | None) -> Iterator[Finding]:
    """A 1066/10690 (or 1062/10630) code is held under the holder's SMS licence: a national
    one needs a cross-regional B2 licence, every one a B2 licence (SMS is B25)."""
    if cls.kind not in LICENSED_KINDS:
        return
    check = f"access_code.{cls.code}"
    if licence is None:
        yield warned(
            check,
            f"{cls.code} 须在持证范围内使用，但服务商资料中没有可识别的许可证编号",
            f"{cls.code} is held under an SMS licence, but the vendor's facts have no "
            "recognisable licence number",
        )
        return
    if "B2" not in licence.categories:
        yield failed(
            check,
            f"{cls.code} 须持 B2（B25 信息服务）许可，而许可证 {licence.text} 没有 B2 类别",
            f"{cls.code} needs a B2 (B25 information services) licence; licence "
            f"{licence.text} has no B2 category",
        )
    if cls.scope == "national" and not licence.cross_regional:
        yield failed(
            check,
            f"{cls.code} 是工信部分配的全国代码，须持跨地区许可；许可证 {licence.text} 为"
            f"{licence.province}省级许可",
            f"{cls.code} is a national code allocated by MIIT and needs a cross-regional "
            f"licence; licence {licence.text} is provincial ({licence.province})",
        )


def _same_type(classes: list[CodeClass]) -> Iterator[Finding]:
    """One holder gets, in principle, one code of each type from each allocating body; a second
    only once the first is used to the carriers' maximum length (allocation rules 3.2)."""
    groups: dict[tuple[str, str], list[str]] = {}
    for cls in classes:
        if cls.scope != "unknown":
            bases = groups.setdefault((cls.scope, cls.kind), [])
            if cls.base not in bases:
                bases.append(cls.base)
    for (scope, kind), bases in groups.items():
        if len(bases) < 2:
            continue
        listed, name = "、".join(bases), KIND_NAMES[kind]
        if scope == "national":
            yield warned(
                f"access_code.same_type.{kind}",
                f"持有 {len(bases)} 个工信部分配的全国{name.zh}代码（{listed}）：原则上每个分配"
                "机构只分配一个同类型代码，请索取增配的依据（首个代码已扩展到最大位长）",
                f"{len(bases)} national {name.en} codes from MIIT ({', '.join(bases)}): one "
                "allocating body gives, in principle, one code of a type; ask for the grounds "
                "of the extra one (the first used to its maximum length)",
            )
        else:
            yield warned(
                f"access_code.same_type.{kind}",
                f"持有 {len(bases)} 个省内{name.zh}代码（{listed}）：同一省通信管理局原则上只"
                "分配一个同类型代码，请核对它们分别来自哪个省",
                f"{len(bases)} provincial {name.en} codes ({', '.join(bases)}): one provincial "
                "administration gives, in principle, one code of a type; check which province "
                "allocated each",
            )


def _check_one(
    raw: str, coverage: str, resold: bool, licence: LicenceNumber | None, licence_known: bool
) -> list[Finding]:
    cls = classify_code(raw)
    if cls is None:
        shown = raw.strip()[:30]
        return [
            failed(
                f"access_code.{normalise_code(raw)[:MAX_DISPLAYED_DIGITS]}",
                f"未能识别接入代码“{shown}”：应为 106 开头的纯数字"
                f"（最长 {MAX_DISPLAYED_DIGITS} 位），且属于 1062/1063/1065/1066/1069 号段之一。",
                f"Access code {shown!r} is not recognised: it should be digits only (at most "
                f"{MAX_DISPLAYED_DIGITS}) in one of the 1062/1063/1065/1066/1069 blocks.",
            )
        ]
    kind, body = KIND_NAMES[cls.kind], cls.allocating_body
    found = list(_problems(cls, coverage, resold))
    if licence_known:
        found.extend(_licence_problems(cls, licence))
    return found or [
        passed(
            f"access_code.{cls.code}",
            f"{cls.code}：{kind.zh}，{body.zh}分配，符合所需用途。",
            f"{cls.code}: {kind.en}, allocated by {body.en}; fits the use.",
        )
    ]


def check_codes(
    codes: list[str],
    coverage: Coverage,
    message_kinds: set[str],
    resold_to_third_parties: bool,
    licence: LicenceNumber | None = None,
    *,
    licence_known: bool = False,
) -> Report:
    """Each code against the coverage, its use and (when `licence_known`) the licence it is
    held under; then codes of one type from one allocator. `message_kinds` is accepted for
    the callers' sake: no finding depends on it (see _problems)."""
    findings: list[Finding] = []
    if coverage not in ("national", "provincial"):
        findings.append(
            warned(
                "access_code.coverage",
                f"未能识别发送范围“{str(coverage)[:20]}”，按全国范围检查。",
                f"Coverage {str(coverage)[:20]!r} is not recognised; checked as national.",
            )
        )
        coverage = "national"  # the stricter reading
    unique = list(dict.fromkeys(c for c in codes if c.strip()))
    if not unique:
        findings.append(
            warned("access_code.none", "未提供接入代码，无法核对。", "No access code to check.")
        )
    for code in unique:
        findings.extend(_check_one(code, coverage, resold_to_third_parties, licence, licence_known))
    classes = [c for c in map(classify_code, unique) if c is not None]
    findings.extend(_same_type(classes))
    return Report(tuple(findings))
