from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import MINI
from vaudit.audits.checklist import (
    ChecklistError,
    Source,
    build_set,
    load_checklists,
    parse_checklist,
    sources_in,
)

ALPHA = (MINI / "alpha.toml").read_text(encoding="utf-8")


def problems_of(text: str, name: str = "alpha.toml") -> list[str]:
    with pytest.raises(ChecklistError) as caught:
        parse_checklist(Source(name, f"/x/{name}", text))
    return [str(p) for p in caught.value.problems]


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def test_the_fixture_parses() -> None:
    checklist = parse_checklist(Source("alpha.toml", "alpha.toml", ALPHA))
    assert [i.id for i in checklist.items] == [
        "alpha.core.licence",
        "alpha.core.rate",
        "alpha.core.finance_permit",
    ]


def test_syntax_error_names_file_and_line() -> None:
    broken = ALPHA.replace("weight = 2\n", "weight = = 2\n")
    [message] = problems_of(broken)
    assert message.startswith(f"/x/alpha.toml:{line_of(broken, 'weight = = 2')}: TOML syntax error")


def test_missing_translation_names_item_field_and_line() -> None:
    broken = ALPHA.replace('guidance.en = "Test it."\n', "")
    [message] = problems_of(broken)
    line = line_of(broken, 'guidance.zh = "测试。"')
    assert message == (
        f"/x/alpha.toml:{line}: item alpha.core.rate: field guidance.en: missing translation: en"
    )


def test_an_item_id_too_long_for_the_event_log_is_an_error() -> None:
    long_id = "alpha.core." + "x" * 44  # 55 characters
    broken = ALPHA.replace('id = "alpha.core.rate"', f'id = "{long_id}"')
    assert any(
        f"item {long_id}: field id: id is 55 characters; at most 54 fit" in p
        for p in problems_of(broken)
    )


def test_duplicate_ids_are_an_error() -> None:
    broken = ALPHA.replace('id = "alpha.core.rate"', 'id = "alpha.core.licence"')
    assert any(
        "item alpha.core.licence: field id: duplicate item id" in p for p in problems_of(broken)
    )


def test_unknown_rule_kind_is_an_error() -> None:
    broken = ALPHA.replace('rule.kind = "at_least"', 'rule.kind = "at_leest"')
    [message] = problems_of(broken)
    assert "item alpha.core.rate: field rule.kind: unknown rule kind 'at_leest'" in message
    assert "at_least" in message  # lists what is known


@pytest.mark.parametrize("weight", ["0", "-1", "2.5", '"3"', "101"])
def test_bad_weights_are_errors(weight: str) -> None:
    broken = ALPHA.replace("weight = 2\n", f"weight = {weight}\n")
    [message] = problems_of(broken)
    assert (
        "item alpha.core.rate: field weight: weight must be a whole number from 1 to 100" in message
    )


def test_rule_parameters_are_checked() -> None:
    missing = ALPHA.replace("rule.threshold = 97\n", "")
    assert any(
        "field rule.threshold: rule 'at_least' needs 'threshold'" in p for p in problems_of(missing)
    )
    extra = ALPHA.replace("rule.threshold = 97\n", "rule.threshold = 97\nrule.limit = 3\n")
    assert any(
        "field rule.limit: rule 'at_least' takes no parameter 'limit'" in p
        for p in problems_of(extra)
    )
    inverted = ALPHA.replace("rule.partial_from = 95", "rule.partial_from = 99")
    assert any("partial_from must be less than threshold" in p for p in problems_of(inverted))
    wrong_input = ALPHA.replace(
        'rule.kind = "must_be_yes"', 'rule.kind = "at_least"\nrule.threshold = 1'
    )
    assert any(
        "rule 'at_least' reads number input, not yesno" in p for p in problems_of(wrong_input)
    )


def test_schema_problems_are_all_listed_at_once() -> None:
    broken = (
        ALPHA.replace('input = "number"', 'input = "numeric"')
        .replace('when.industry = ["finance"]', 'when.industry = ["banking"]')
        .replace('gate = true\ninput = "date"', 'gate = "yes"\ninput = "date"')
    )
    found = problems_of(broken)
    assert any("item alpha.core.rate: field input: input must be one of" in p for p in found)
    assert any("field when.industry: unknown value(s) banking" in p for p in found)
    assert any(
        "item alpha.core.licence: field gate: gate must be true or false" in p for p in found
    )


def test_unknown_keys_and_groups_are_errors() -> None:
    assert any(
        "field colour: unknown key in the item" in p
        for p in problems_of(ALPHA.replace("weight = 2\n", "weight = 2\ncolour = 1\n"))
    )
    assert any(
        "group 'extra' is not defined in [groups]" in p
        for p in problems_of(ALPHA.replace('"alpha.core.rate"', '"alpha.extra.rate"'))
    )


def test_shipped_checklists_load_with_both_languages() -> None:
    loaded = load_checklists()
    ids = [cl.id for cl in loaded.checklists]
    assert ids[:7] == [
        "qualification",
        "operating_history",
        "case_verification",
        "channel_testing",
        "disaster_recovery",
        "billing",
        "legal_compliance",
    ]
    items = list(loaded.items())
    assert 50 <= len(items) <= 85
    assert len({i.id for i in items}) == len(items)
    for item in items:
        for text in (item.title, item.guidance, item.evidence):
            assert text.zh.strip() and text.en.strip()
        assert any("\u4e00" <= ch <= "\u9fff" for ch in item.title.zh), item.id
    assert sum(i.gate for i in items) >= 5


def _write(folder: Path, name: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


def test_user_file_with_higher_version_replaces_shipped(tmp_path: Path) -> None:
    shipped = load_checklists()
    billing = next(cl for cl in shipped.checklists if cl.id == "billing")
    higher = billing.version + 1
    text = billing.source.text.replace(f"version = {billing.version}", f"version = {higher}", 1)
    first = billing.items[0]
    text = text.replace(first.title.en, "Replaced title", 1)
    _write(tmp_path / "user", "my-billing.toml", text)
    loaded = load_checklists([tmp_path / "user"])
    replaced = next(cl for cl in loaded.checklists if cl.id == "billing")
    assert replaced.version == higher and replaced.items[0].title.en == "Replaced title"
    assert replaced.source.origin.endswith("my-billing.toml")


def test_user_file_with_same_version_is_ignored_with_a_warning(tmp_path: Path) -> None:
    billing = next(cl for cl in load_checklists().checklists if cl.id == "billing")
    _write(tmp_path / "user", "billing.toml", billing.source.text)
    loaded = load_checklists([tmp_path / "user"])
    assert any(f"does not replace version {billing.version}" in w for w in loaded.warnings)


def test_user_checklist_adds_a_section_with_the_default_weight(tmp_path: Path) -> None:
    extra = ALPHA.replace('id = "alpha"', 'id = "house_rules"').replace(
        "alpha.core.", "house_rules.core."
    )
    _write(tmp_path / "user", "house_rules.toml", extra)
    loaded = load_checklists([tmp_path / "user"])
    assert loaded.checklists[-1].id == "house_rules"
    assert loaded.scoring.section_weight("house_rules") == loaded.scoring.default_section_weight


def test_duplicate_item_ids_across_files_are_an_error(tmp_path: Path) -> None:
    copy = ALPHA.replace('id = "alpha"', 'id = "gamma"')
    copy = copy.replace("alpha.core.rate", "gamma.core.rate").replace(
        "alpha.core.finance_permit", "gamma.core.x"
    )
    # gamma.core.licence stays unique, but we plant a clash by hand:
    copy = copy.replace('id = "alpha.core.licence"', 'id = "gamma.core.rate"', 1)
    sources = sources_in(MINI)
    with pytest.raises(ChecklistError) as caught:
        build_set([*sources, Source("gamma.toml", "gamma.toml", copy)])
    assert any("duplicate item id" in str(p) for p in caught.value.problems)
