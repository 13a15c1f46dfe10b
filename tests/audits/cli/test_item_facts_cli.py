"""One source for each fact from the command line: `answer --value` on an item that asks for a
vendor fact updates the vendor and proposes from it; `audits show` shows proposals before any
answer."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from click.testing import Result

from tests.helpers import vaudit

FIRST_CONTRACT = "operating_history.registration.first_contract"
CERTIFICATE = "qualification.code.certificate_valid"
CAPITAL = "operating_history.registration.capital"


@pytest.fixture
def run(db_target: str) -> Callable[..., Result]:
    def invoke(*args: str, ok: bool = True) -> Result:
        return vaudit(db_target, *args, auditor="alice", ok=ok)

    return invoke


def item_json(run: Callable[..., Result], item: str) -> dict:  # type: ignore[type-arg]
    return json.loads(run("audits", "show", "1", "--item", item, "--json").stdout)


def test_answer_value_updates_the_vendor_fact_and_the_proposal(run) -> None:  # type: ignore[no-untyped-def]
    run("vendors", "add", "Fact Vendor", "--founded-on", "2010-03-01")
    run("vendors", "codes", "add", "Fact Vendor", "10690123", "--allocated", "2023-01-01")
    run("selections", "add", "Facts", "--coverage", "provincial")
    run("audits", "start", "Fact Vendor", "Facts")

    # Before any answer, show says what the rule proposes and why: the fact is missing.
    before = item_json(run, FIRST_CONTRACT)
    assert before["result"] is None and before["fact"] == "first_contract_on"
    assert before["proposal"]["result"] == "partial"
    assert "first customer contract is not recorded" in before["proposal"]["reason"]["en"]
    table = run("audits", "show", "1").stdout
    assert "first customer contract is not" in table  # the reason column, cut to fit
    assert (
        "registration is not the real start"
        in run("audits", "show", "1", "--item", FIRST_CONTRACT).stdout
    )

    # The typed date becomes the vendor's fact, with its event, and the rule proposes from it.
    out = run("answer", "1", FIRST_CONTRACT, "auto", "--value", "2012-06-01").stdout
    assert "rule proposes pass" in out and "over a year later" in out
    vendor = json.loads(run("vendors", "show", "Fact Vendor", "--json").stdout)
    assert vendor["first_contract_on"] == "2012-06-01"
    events = json.loads(run("audits", "history", "1", "--json").stdout)
    assert [e["action"] for e in events][-1] == "answer"

    # The code certificate's end goes to the code record; the vendor shows the same date.
    run("answer", "1", CERTIFICATE, "auto", "--value", "2026-12-01")
    after = item_json(run, CERTIFICATE)
    assert after["value"] == after["fact_value"] == "2026-12-01"
    assert after["proposal"]["result"] == "partial"  # within 90 days of the tests' today
    [code] = json.loads(run("vendors", "codes", "list", "Fact Vendor", "--json").stdout)
    assert (code["code"], code["valid_until"]) == ("10690123", "2026-12-01")

    # Capital in 万: the provincial minimum (RMB 1M) applies to a provincial selection.
    out = run("answer", "1", CAPITAL, "auto", "--value", "200").stdout
    assert "rule proposes pass" in out
    vendor = json.loads(run("vendors", "show", "Fact Vendor", "--json").stdout)
    assert vendor["registered_capital_yuan"] == 2_000_000

    # A value the vendor field refuses stores nothing and says why in one line.
    bad = run("answer", "1", "operating_history.registration.founded", "auto", "--value",
              "2099-01-01", ok=False)  # fmt: skip
    assert bad.stderr.startswith("error:") and "in the future" in bad.stderr
    vendor = json.loads(run("vendors", "show", "Fact Vendor", "--json").stdout)
    assert vendor["founded_on"] == "2010-03-01"
