"""Alibaba Cloud SMS (Dysmsapi 2017-05-25): SendSms signed with ACS3-HMAC-SHA256 (default) or
the RPC signature v1; delivery reports by the SmsReport callback or by QuerySendDetails; sign
and template review by QuerySmsSignList / QuerySmsTemplateList.
API reference: https://help.aliyun.com/zh/sms/developer-reference/api-dysmsapi-2017-05-25-sendsms
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl

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
from vaudit.audits.channel.cloud_signing import acs3_headers, canonical_query, rpc_v1_signature
from vaudit.audits.channel.httpserve import Request
from vaudit.audits.channel.plan import PlannedMessage

VERSION = "2017-05-25"
ENDPOINT = "https://dysmsapi.aliyuncs.com"
BEIJING = dt.timezone(dt.timedelta(hours=8))
# QuerySendDetails SendStatus: 1 waiting for the carrier's receipt, 2 failed, 3 delivered.
SEND_STATUS = {1: (False, False), 2: (False, True), 3: (True, True)}
AUDIT_STATUS = {
    "AUDIT_STATE_PASS": "approved",
    "AUDIT_STATE_INIT": "pending",
    "AUDIT_STATE_NOT_PASS": "rejected",
    "AUDIT_STATE_CANCEL": "other",
}


def utc_stamp(now: dt.datetime | None = None) -> str:
    return (now or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")


class AliyunAdapter(CloudAdapter):
    kind = "aliyun"

    def __init__(self, profile: CloudProfile, credentials: Any = None):
        super().__init__(profile, credentials)
        self.signature = str(profile.options.get("signature", "acs3"))
        self.region = str(profile.options.get("region", "cn-hangzhou"))
        self._sent: dict[str, tuple[str, str]] = {}  # BizId -> (phone, SendDate yyyymmdd)

    # -------------------------------------------------------------- requests

    def request(
        self,
        client: httpx.AsyncClient,
        action: str,
        params: Mapping[str, str],
        extra_headers: Mapping[str, str] | None = None,
    ) -> httpx.Request:
        """A signed RPC call: ACS3 puts the parameters in the query, v1 in a form body."""
        p = self.profile
        key_id = self.credentials.get("access_key_id")
        secret = self.credentials.get("access_key_secret")
        headers = dict(extra_headers or {})
        if self.signature == "rpc_v1":
            form = dict(params) | {
                "AccessKeyId": key_id,
                "Action": action,
                "Format": "JSON",
                "RegionId": self.region,
                "SignatureMethod": "HMAC-SHA1",
                "SignatureNonce": secrets.token_hex(16),
                "SignatureVersion": "1.0",
                "Timestamp": utc_stamp(),
                "Version": VERSION,
            }
            form["Signature"] = rpc_v1_signature(form, secret, "POST")
            return client.build_request("POST", p.endpoint + "/", data=form, headers=headers)
        signed = acs3_headers(
            method="POST",
            host=p.host,
            action=action,
            version=VERSION,
            query=params,
            body=b"",
            key_id=key_id,
            secret=secret,
            date=utc_stamp(),
            nonce=secrets.token_hex(16),
            path=p.path.rstrip("/") + "/",
        )
        signed.pop("host")  # httpx sends the same Host itself
        # The query exactly as signed (httpx's own encoding writes spaces as "+").
        url = f"{p.endpoint}/?{canonical_query(params)}" if params else f"{p.endpoint}/"
        return client.build_request("POST", url, headers=headers | signed)

    def submit_request(
        self,
        client: httpx.AsyncClient,
        message: PlannedMessage,
        dlr_url: str | None,
        handset_url: str | None,
    ) -> httpx.Request:
        code, params = self.template(message)
        fields = {
            "PhoneNumbers": message.card.number,
            "SignName": sign_name(message),
            "TemplateCode": code,
            "TemplateParam": json.dumps(params, ensure_ascii=False, separators=(",", ":")),
            "OutId": message.token,
        }
        return self.request(client, "SendSms", fields, self.routing_headers(dlr_url, handset_url))

    @staticmethod
    def _sent_fields(request: httpx.Request) -> dict[str, str]:
        fields = dict(request.url.params)
        if request.method == "POST" and request.content:
            fields |= dict(parse_qsl(request.content.decode("utf-8")))
        return fields

    def read_submit(self, response: httpx.Response) -> SubmitResult:
        try:
            data = json_body(response)
        except ValueError as exc:
            return SubmitResult(response.status_code, False, None, f"malformed answer: {exc}")
        code = lookup(data, "Code")
        biz_id = lookup(data, "BizId")
        if response.is_success and code == "OK" and biz_id:
            sent = self._sent_fields(response.request)
            when = dt.datetime.now(BEIJING).strftime("%Y%m%d")
            self._sent[str(biz_id)] = (sent.get("PhoneNumbers", ""), when)
            return SubmitResult(response.status_code, True, str(biz_id)[:100])
        if code is None:
            return SubmitResult(
                response.status_code, False, None, f"malformed answer: {short(response.text)}"
            )
        reason = f"rejected: {code} ({lookup(data, 'Message') or ''})"
        return SubmitResult(response.status_code, False, None, self.redact(short(reason)))

    # -------------------------------------------------------------- reports

    def read_dlr(self, request: Request) -> list[DlrUpdate]:
        """The SmsReport callback: a JSON array of reports."""
        out = []
        for item in json_reports(request):
            if not isinstance(item, dict) or not item.get("biz_id") or "success" not in item:
                raise ValueError("a report lacks biz_id or success")
            delivered = item["success"] in (True, "true", "True")
            status = str(item.get("err_code") or ("DELIVERED" if delivered else "FAILED"))
            out.append(
                final_report(str(item["biz_id"]), status, delivered, item.get("report_time"), item)
            )
        return out

    def dlr_reply(self) -> tuple[int, bytes, str]:
        return 200, '{"code":0,"msg":"接收成功"}'.encode(), "application/json"

    async def pull(self, client: httpx.AsyncClient, vendor_ids: Sequence[str]) -> list[DlrUpdate]:
        """QuerySendDetails, one call per message still waiting (the API takes one BizId)."""
        out: list[DlrUpdate] = []
        for biz_id in vendor_ids:
            phone, day = self._sent.get(biz_id, ("", ""))
            if not phone:
                continue
            params = {
                "PhoneNumber": phone,
                "BizId": biz_id,
                "SendDate": day,
                "PageSize": "10",
                "CurrentPage": "1",
            }
            response = await client.send(self.request(client, "QuerySendDetails", params))
            response.raise_for_status()
            data = json_body(response)
            details = lookup(data, "SmsSendDetailDTOs.SmsSendDetailDTO") or []
            for detail in details if isinstance(details, list) else []:
                state = SEND_STATUS.get(int(detail.get("SendStatus", 1)), (False, False))
                if not state[1]:
                    continue  # still waiting: nothing to store yet
                status = str(detail.get("ErrCode") or "")
                out.append(
                    final_report(biz_id, status, state[0], detail.get("ReceiveDate"), detail)
                )
        return out

    # -------------------------------------------------------------- review

    async def _list(
        self, client: httpx.AsyncClient, action: str, list_path: str
    ) -> list[dict[str, Any]]:
        response = await client.send(
            self.request(client, action, {"PageIndex": "1", "PageSize": "50"})
        )
        data = json_body(response)
        if lookup(data, "Code") != "OK":
            raise ValueError(f"{action}: {lookup(data, 'Code')} ({lookup(data, 'Message')})")
        found = lookup(data, list_path)
        return [x for x in found if isinstance(x, dict)] if isinstance(found, list) else []

    async def review(self, client: httpx.AsyncClient) -> list[ReviewEntry]:
        entries = []
        for sign in await self._list(client, "QuerySmsSignList", "SmsSignList"):
            entries.append(_entry("sign", str(sign.get("SignName", "")), sign))
        for template in await self._list(client, "QuerySmsTemplateList", "SmsTemplateList"):
            name = f"{template.get('TemplateCode', '')} {template.get('TemplateName', '')}"
            entries.append(_entry("template", name.strip(), template))
        return entries


def _entry(kind: str, name: str, row: Mapping[str, Any]) -> ReviewEntry:
    raw = str(row.get("AuditStatus", ""))
    reason = lookup(row, "Reason.RejectInfo") or ""
    return ReviewEntry(
        kind, name, AUDIT_STATUS.get(raw, "other"), raw, str(reason), str(row.get("CreateDate", ""))
    )


def aliyun_adapter(data: Mapping[str, Any], source: str) -> AliyunAdapter:
    profile = parse_profile(
        data,
        source,
        default_endpoint=ENDPOINT,
        required_credentials=("access_key_id", "access_key_secret"),
        default_params={"content": "{body}"},
        param_type=dict,
    )
    if profile.options.get("signature", "acs3") not in ("acs3", "rpc_v1"):
        raise ChannelError(f"{source}: signature must be acs3 or rpc_v1")
    return AliyunAdapter(profile)
