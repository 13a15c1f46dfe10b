"""Channel runs need an audit whose scenario sends every kind of message the plans use."""

from __future__ import annotations

import pytest

from tests.helpers import start_audit
from vaudit.audits.scenario import Scenario
from vaudit.audits.service import Service

CHANNEL_SCENARIO = Scenario(
    industry="ecommerce",
    coverage="national",
    message_kinds=frozenset({"verification", "notification", "marketing"}),
    monthly_volume=1000,
)


@pytest.fixture
def audit_id(service: Service) -> int:
    """Here in place of the general audit: 通道测试供应商 in 通道选型, an e-commerce scenario."""
    return start_audit(service, "通道测试供应商", "通道选型", CHANNEL_SCENARIO)
