"""Bad input, generated: every outcome is a clean result or a clear error (one of the errors the
CLI prints as `error: …`), never an unhandled exception, and nothing is stored from a rejected
input. Example counts are bounded so the suite stays fast."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import tomli_w
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.helpers import TODAY
from vaudit.audits.checklist import (
    ChecklistError,
    ChecklistSet,
    InputKind,
    Source,
    build_set,
    shipped_sources,
)
from vaudit.audits.cli import user_errors
from vaudit.audits.db import Store, open_store
from vaudit.audits.demo import load_demo
from vaudit.audits.report import ReportError, export_audits, import_report
from vaudit.audits.scenario import Scenario
from vaudit.audits.service import AuditError, Service
from vaudit.audits.values import ValueError_, parse_value, to_canonical
from vaudit.audits.vendor_fields import VENDOR_FIELDS, FieldError, parse_vendor_fields

SHIPPED = shipped_sources()
FIXTURES_OK = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
# Characters that reach the parsers' interesting branches, mixed with anything at all.
FIELD_ALPHABET = st.sampled_from(list("0123456789-./,:;=万亿元 \n\tabcXYZ是否有无年月日#@+()"))
FIELD_TEXT = st.one_of(st.text(max_size=40), st.text(FIELD_ALPHABET, max_size=40))


def count_rows(store: Store) -> dict[str, int]:
    """Rows in every table (the event log too): what 'nothing stored' is checked against."""
    with store.engine.connect() as conn:
        names = sa.inspect(conn).get_table_names()
        return {n: conn.exec_driver_sql(f"SELECT count(*) FROM {n}").scalar_one() for n in names}


# ------------------------------------------------------------------------------ checklists


def mutate_lines(text: str, data: st.DataObject) -> str:
    lines = text.splitlines()
    for _ in range(data.draw(st.integers(1, 4), label="mutations")):
        if not lines:
            break
        at = data.draw(st.integers(0, len(lines) - 1), label="line")
        action = data.draw(
            st.sampled_from(["delete", "duplicate", "replace", "truncate", "swap value"]),
            label="action",
        )
        if action == "delete":
            del lines[at]
        elif action == "duplicate":
            lines.insert(at, lines[at])
        elif action == "replace":
            lines[at] = data.draw(st.text(max_size=30), label="new line")
        elif action == "truncate":
            lines[at] = lines[at][: data.draw(st.integers(0, len(lines[at])), label="cut")]
        elif "=" in lines[at]:
            key = lines[at].split("=", 1)[0]
            value = data.draw(
                st.sampled_from(['""', "0", "-1", "99999", "true", "[]", "{}", '"x"', "1.5"]),
                label="value",
            )
            lines[at] = f"{key}= {value}"
    return "\n".join(lines) + "\n"


def check_set(sources: list[Source]) -> ChecklistSet | None:
    try:
        return build_set(sources)
    except ChecklistError as error:
        assert error.problems and all(str(p) for p in error.problems)
        return None


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=300))
def test_random_checklist_text_is_refused_cleanly(text: str) -> None:
    broken = Source(name="random.toml", origin="random.toml", text=text)
    assert check_set([*SHIPPED, broken]) is None or text.strip() == ""


@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_mutated_shipped_checklists_load_or_say_what_is_wrong(data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(SHIPPED) - 1), label="file")
    original = SHIPPED[index]
    mutated = Source(original.name, original.origin, mutate_lines(original.text, data))
    result = check_set([*SHIPPED[:index], mutated, *SHIPPED[index + 1 :]])
    if result is not None:  # a harmless change: the set is whole and usable
        assert result.items()


# ------------------------------------------------------------------------------ vendor fields


@pytest.fixture
def vendor_service(db_path: Path) -> Service:
    return Service(open_store(str(db_path)), "fuzz", today=TODAY)


@settings(max_examples=150, deadline=None, suppress_health_check=FIXTURES_OK)
@given(
    field=st.sampled_from([f.name for f in VENDOR_FIELDS if f.name != "name"]),
    text=FIELD_TEXT,
)
def test_every_vendor_field_validator_accepts_or_refuses_cleanly(
    vendor_service: Service, field: str, text: str
) -> None:
    try:
        parse_vendor_fields({"name": "V", field: text})
    except FieldError as error:
        assert field in str(error) or error.args
        accepted = False
    else:
        accepted = True
    before = count_rows(vendor_service.store)
    try:
        vendor_service.add_vendor({"name": f"V {before['vendor']}", field: text})
    except user_errors():
        assert not accepted  # the service refuses only what the parser refused
        assert count_rows(vendor_service.store) == before  # nothing stored
    else:
        assert accepted


# ------------------------------------------------------------------------------ answer values


def items_by_kind() -> list[Any]:
    shipped = build_set(SHIPPED)
    chosen: dict[InputKind, Any] = {}
    for item in shipped.items():
        chosen.setdefault(item.input, item)
    return list(chosen.values())


ITEMS = items_by_kind()


@settings(max_examples=200, deadline=None)
@given(item=st.sampled_from(ITEMS), raw=FIELD_TEXT)
def test_typed_values_parse_to_a_canonical_form_or_refuse(item: Any, raw: str) -> None:
    try:
        value = parse_value(item, raw)
    except ValueError_ as error:
        assert str(error).startswith(item.id)
        return
    canonical = to_canonical(value)
    assert parse_value(item, canonical) == value  # stored text reads back as the same value
    assert to_canonical(parse_value(item, canonical)) == canonical


@pytest.fixture
def answer_service(db_path: Path) -> tuple[Service, int]:
    service = Service(open_store(str(db_path)), "fuzz", today=TODAY)
    service.add_vendor({"name": "V"})
    service.add_selection("S", Scenario())
    audit = service.start_audit("V", "S").id
    assert audit is not None
    return service, audit


@settings(max_examples=60, deadline=None, suppress_health_check=FIXTURES_OK)
@given(item=st.sampled_from(ITEMS), raw=FIELD_TEXT)
def test_a_refused_value_stores_nothing(
    answer_service: tuple[Service, int], item: Any, raw: str
) -> None:
    service, audit = answer_service
    before = count_rows(service.store)
    stored = service.view(audit).answers.get(item.id)
    try:
        service.record_answer(audit, item.id, value=raw)
    except (ValueError_, AuditError):
        assert count_rows(service.store) == before
        assert service.view(audit).answers.get(item.id) == stored


# ------------------------------------------------------------------------------ report import


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo audit's report with its evidence files beside it (the folder import reads)."""
    folder = tmp_path_factory.mktemp("fuzz-report")
    store = open_store(str(folder / "demo.sqlite"))
    service = Service(store, "demo", today=TODAY)
    load_demo(service)
    [written] = export_audits(service, [1], folder / "out" / "a1.toml", with_evidence=True)
    store.dispose()
    return written.path


@pytest.fixture(scope="module")
def empty_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty database file, copied for each example (migrating costs more)."""
    path = tmp_path_factory.mktemp("empty") / "empty.sqlite"
    open_store(str(path)).dispose()
    return path


def mutate_values(body: dict[str, Any], data: st.DataObject) -> None:
    """Replace or drop one leaf somewhere in the report's tables."""
    node: Any = body
    while True:
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        if not keys:
            return
        key = data.draw(st.sampled_from(keys), label="key")
        child = node[key]
        if isinstance(child, dict | list) and child and data.draw(st.booleans(), label="down"):
            node = child
            continue
        replacement = data.draw(
            st.one_of(
                st.none(),
                st.text(max_size=20),
                st.integers(-(2**63), 2**63 - 1),
                st.booleans(),
                st.lists(st.text(max_size=5), max_size=2),
                st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
            ),
            label="replacement",
        )
        if replacement is None and isinstance(node, dict):
            del node[key]
        elif replacement is not None:
            node[key] = replacement
        return


@settings(max_examples=40, deadline=None, suppress_health_check=FIXTURES_OK)
@given(data=st.data())
def test_mutated_reports_import_or_are_refused_with_nothing_stored(
    exported: Path, empty_database: Path, tmp_path_factory: pytest.TempPathFactory, data
) -> None:
    folder = tmp_path_factory.mktemp("mutated") / "out"
    shutil.copytree(exported.parent, folder)
    path = folder / exported.name
    original = exported.read_bytes()
    if data.draw(st.booleans(), label="value-level"):
        # Change one value and keep the old [digest]: it parses, the digest disagrees, and
        # the forced import has to cope with whatever the value now is.
        head, digest = original.split(b"\n[digest]", 1)
        body = tomllib.loads(head.decode("utf-8"))
        mutate_values(body, data)
        path.write_bytes(tomli_w.dumps(body).encode("utf-8") + b"\n[digest]" + digest)
    else:
        at = data.draw(st.integers(0, len(original) - 1), label="at")
        cut = data.draw(st.integers(0, 40), label="cut")
        insert = data.draw(st.binary(max_size=8), label="insert")
        path.write_bytes(original[:at] + insert + original[at + cut :])
    target = folder.parent / "target.sqlite"
    shutil.copyfile(empty_database, target)
    import_target = open_store(str(target))
    service = Service(import_target, "importer", today=TODAY)
    before = count_rows(import_target)
    try:
        imported = import_report(service, path, force=True)
    except user_errors() as error:
        event(f"refused: {type(error).__name__}")
        assert isinstance(error, ReportError | FieldError | ValueError_ | ChecklistError), error
        assert "\n" not in str(error).split(":\n")[0]
        assert count_rows(import_target) == before  # one transaction: all or nothing
    else:
        event("imported")
        assert imported.audit_id > 0 and not imported.already
        assert service.verify().ok
        assert service.view(imported.audit_id).audit.id == imported.audit_id
    finally:
        import_target.dispose()
