"""Tencent Cloud SMS (API 3.0, version 2021-01-11): SendSms signed with TC3-HMAC-SHA256;
delivery reports by the status callback or by PullSmsSendStatus; sign and template review by
DescribeSmsSignList / DescribeSmsTemplateList.
API reference: https://www.tencentcloud.com/document/product/382/40466 (SendSms).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from vaudit.audits.channel import ChannelError
from vaudit.audits.channel.adapter_base import DlrUpdate, SubmitResult, lookup, short
from vaudit.audits.channel.cloud_adapter import (
    CloudAdapter,
    CloudProfile,
    ReviewEntry,
    final_report,
    json_body,
    json_reports,
    parse_profile,
    sign_name,
)
from vaudit.audits.channel.cloud_signing import tc3_authorization
from vaudit.audits.channel.httpserve import Request
from vaudit.audits.channel.plan import PlannedMessage

VERSION = "2021-01-11"
ENDPOINT = "https://sms.tencentcloudapi.com"
CONTENT_TYPE = "application/json; charset=utf-8"
PULL_LIMIT = 100
# StatusCode of a sign or template: 0 approved, 1 under review, -1 rejected.
REVIEW_STATUS = {0: "approved", 1: "pending", -1: "rejected"}


def e164(number: str) -> str:
    return number if number.startswith("+") else f"+86{number}"


class TencentAdapter(CloudAdapter):
    kind = "tencent"

    def __init__(self, profile: CloudProfile, credentials: Any = None):
        super().__init__(profile, credentials)
        self.app_id = str(profile.options["sms_sdk_app_id"])
        self.region = str(profile.options.get("region", "ap-guangzhou"))
        self.service = str(profile.options.get("service", "sms"))
        self.pull_batch = PULL_LIMIT

    def request(
        self,
        client: httpx.AsyncClient,
        action: str,
        body: Mapping[str, Any],
        extra_headers: Mapping[str, str] | None = None,
    ) -> httpx.Request:
        payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        timestamp = int(time.time())
        authorization = tc3_authorization(
            secret_id=self.credentials.get("secret_id"),
            secret_key=self.credentials.get("secret_key"),
            service=self.service,
            host=self.profile.host,
            timestamp=timestamp,
            payload=payload,
            content_type=CONTENT_TYPE,
        )
        headers = dict(extra_headers or {}) | {
            "Authorization": authorization,
            "Content-Type": CONTENT_TYPE,
            "X-TC-Action": action,
            "X-TC-Version": VERSION,
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Region": self.region,
        }
        return client.build_request(
            "POST", self.profile.endpoint + "/", content=payload, headers=headers
        )

    def submit_request(
        self,
        client: httpx.AsyncClient,
        message: PlannedMessage,
        dlr_url: str | None,
        handset_url: str | None,
    ) -> httpx.Request:
        template_id, params = self.template(message)
        body = {
            "PhoneNumberSet": [e164(message.card.number)],
            "SmsSdkAppId": self.app_id,
            "SignName": sign_name(message),
            "TemplateId": template_id,
            "TemplateParamSet": params,
            "SessionContext": message.token,
        }
        return self.request(client, "SendSms", body, self.routing_headers(dlr_url, handset_url))

    def read_submit(self, response: httpx.Response) -> SubmitResult:
        try:
            data = json_body(response)
        except ValueError as exc:
            return SubmitResult(response.status_code, False, None, f"malformed answer: {exc}")
        error = lookup(data, "Response.Error")
        if isinstance(error, dict):
            reason = f"rejected: {error.get('Code')} ({error.get('Message', '')})"
            return SubmitResult(response.status_code, False, None, self.redact(short(reason)))
        status = lookup(data, "Response.SendStatusSet.0")
        if not isinstance(status, dict):
            return SubmitResult(
                response.status_code, False, None, f"malformed answer: {short(response.text)}"
            )
        if (
            response.is_success
            and str(status.get("Code")).lower() == "ok"
            and status.get("SerialNo")
        ):
            return SubmitResult(response.status_code, True, str(status["SerialNo"])[:100])
        reason = f"rejected: {status.get('Code')} ({status.get('Message', '')})"
        return SubmitResult(response.status_code, False, None, self.redact(short(reason)))

    # -------------------------------------------------------------- reports

    def read_dlr(self, request: Request) -> list[DlrUpdate]:
        """The status callback: a JSON array of reports keyed by sid (the SerialNo)."""
        out = []
        for item in json_reports(request):
            if not isinstance(item, dict) or not item.get("sid") or not item.get("report_status"):
                raise ValueError("a report lacks sid or report_status")
            delivered = str(item["report_status"]).upper() == "SUCCESS"
            status = str(item.get("errmsg") or item["report_status"])
            out.append(
                final_report(
                    str(item["sid"]), status, delivered, item.get("user_receive_time"), item
                )
            )
        return out

    def dlr_reply(self) -> tuple[int, bytes, str]:
        return 200, b'{"result":0,"errmsg":"OK"}', "application/json"

    async def pull(self, client: httpx.AsyncClient, vendor_ids: Sequence[str]) -> list[DlrUpdate]:
        """PullSmsSendStatus hands each report out once, for the whole application: take
        batches until one comes back short, and keep every report (the runner matches ids)."""
        out: list[DlrUpdate] = []
        while True:
            body = {"Limit": PULL_LIMIT, "SmsSdkAppId": self.app_id}
            response = await client.send(self.request(client, "PullSmsSendStatus", body))
            response.raise_for_status()
            data = json_body(response)
            if isinstance(lookup(data, "Response.Error"), dict):
                raise ValueError(str(lookup(data, "Response.Error.Code")))
            items = lookup(data, "Response.PullSmsSendStatusSet") or []
            for item in items:
                delivered = str(item.get("ReportStatus", "")).upper() == "SUCCESS"
                out.append(
                    final_report(
                        str(item.get("SerialNo", "")),
                        str(item.get("ReportStatus", "")),
                        delivered,
                        item.get("UserReceiveTime"),
                        item,
                    )
                )
            if len(items) < PULL_LIMIT:
                return out

    # -------------------------------------------------------------- review

    async def _describe(
        self, client: httpx.AsyncClient, action: str, ids_field: str, ids: list[int], out: str
    ) -> list[dict[str, Any]]:
        if not ids:
            return []
        body = {ids_field: ids, "International": 0}
        response = await client.send(self.request(client, action, body))
        data = json_body(response)
        if isinstance(lookup(data, "Response.Error"), dict):
            error = lookup(data, "Response.Error")
            raise ValueError(f"{action}: {error.get('Code')} ({error.get('Message', '')})")
        found = lookup(data, f"Response.{out}")
        return [x for x in found if isinstance(x, dict)] if isinstance(found, list) else []

    async def review(self, client: httpx.AsyncClient) -> list[ReviewEntry]:
        sign_ids = [int(i) for i in self.profile.options.get("sign_ids", [])]
        template_ids = sorted(
            {int(t.code) for t in self.profile.templates.values() if t.code.isdigit()}
        )
        entries = []
        for sign in await self._describe(
            client, "DescribeSmsSignList", "SignIdSet", sign_ids, "DescribeSignListStatusSet"
        ):
            entries.append(_entry("sign", str(sign.get("SignName", "")), sign))
        for template in await self._describe(
            client,
            "DescribeSmsTemplateList",
            "TemplateIdSet",
            template_ids,
            "DescribeTemplateStatusSet",
        ):
            name = f"{template.get('TemplateId', '')} {template.get('TemplateName', '')}"
            entries.append(_entry("template", name.strip(), template))
        return entries


def _entry(kind: str, name: str, row: Mapping[str, Any]) -> ReviewEntry:
    code = row.get("StatusCode")
    status = REVIEW_STATUS.get(code, "other") if isinstance(code, int) else "other"
    return ReviewEntry(
        kind,
        name,
        status,
        str(code),
        str(row.get("ReviewReply") or ""),
        str(row.get("CreateTime", "")),
    )


def tencent_adapter(data: Mapping[str, Any], source: str) -> TencentAdapter:
    if not str(data.get("sms_sdk_app_id", "")).strip():
        raise ChannelError(f"{source}: missing sms_sdk_app_id (the SMS application's SdkAppId)")
    sign_ids = data.get("sign_ids", [])
    if not isinstance(sign_ids, list) or not all(str(i).isdigit() for i in sign_ids):
        raise ChannelError(f"{source}: sign_ids must be a list of numbers")
    profile = parse_profile(
        data,
        source,
        default_endpoint=ENDPOINT,
        required_credentials=("secret_id", "secret_key"),
        default_params=["{body}"],
        param_type=list,
    )
    profile.options["sign_ids"] = [int(i) for i in sign_ids]
    return TencentAdapter(profile)
