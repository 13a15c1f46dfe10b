"""The simulator's Alibaba Cloud and Tencent Cloud dialects, served under /aliyun and /tencent.

Each checks the request's signature as the provider does (ACS3-HMAC-SHA256 or RPC v1; TC3),
answers in the provider's JSON shapes, pushes reports in the provider's callback format and
serves its pull and review-list calls. A message's fate is drawn exactly as for the generic
API (same seed, same number, same token), so a run gives the same metrics in every dialect.

The simulator knows one key pair, "vaudit-sim" / "vaudit-sim-secret" (a test key that guards
nothing), or the pair in VAUDIT_SIM_CLOUD_KEY as "id:secret". A real provider takes the callback
address from its console; the simulator takes it from the x-vaudit-dlr-url header (and the
test phone's forwarding address from x-vaudit-handset-url), which a profile sends only with
`simulator = true`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import time
import uuid
from typing import TYPE_CHECKING, Any

from vaudit.audits.channel.cloud_adapter import SIM_DLR_HEADER, SIM_HANDSET_HEADER
from vaudit.audits.channel.cloud_signing import (
    acs3_authorization,
    authorization_parts,
    rpc_v1_signature,
    tc3_authorization,
)
from vaudit.audits.channel.httpserve import Request, Response, json_response

if TYPE_CHECKING:
    from vaudit.audits.channel.simulator import Fate, Simulator

DEFAULT_KEY = ("vaudit-sim", "vaudit-sim-secret")
BEIJING = dt.timezone(dt.timedelta(hours=8))
PREFIXES = ("/aliyun", "/tencent")


def sim_key() -> tuple[str, str]:
    configured = os.environ.get("VAUDIT_SIM_CLOUD_KEY", "")
    key_id, _, secret = configured.partition(":")
    return (key_id, secret) if key_id and secret else DEFAULT_KEY


def beijing(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


class Dialects:
    """The cloud dialects of one Simulator (its fates, throttle, ledger and timers)."""

    def __init__(self, sim: Simulator):
        self.sim = sim
        self.aliyun_details: dict[str, tuple[float, dict[str, Any]]] = {}
        self.tencent_queue: list[tuple[float, dict[str, Any]]] = []
        self.signs: set[str] = set()
        self.templates: set[str] = set()
        self.bad_signatures = 0

    @staticmethod
    def serves(path: str) -> bool:
        return path.rstrip("/") in PREFIXES

    async def handle(self, request: Request, now: float) -> Response:
        if request.method != "POST":
            return json_response(405, {"Code": "UnsupportedHTTPMethod"})
        if request.path.rstrip("/") == "/aliyun":
            return await self._aliyun(request, now)
        return await self._tencent(request, now)

    # ------------------------------------------------------------------ Alibaba Cloud

    def _aliyun_verified(self, request: Request) -> tuple[str, dict[str, str]] | Response:
        """(action, parameters) of a correctly signed request, or the provider's refusal."""
        key_id, secret = sim_key()
        refused = json_response(
            400,
            {
                "Code": "SignatureDoesNotMatch",
                "Message": "Specified signature does not match our calculation.",
                "RequestId": str(uuid.uuid4()),
            },
        )
        authorization = request.headers.get("authorization", "")
        if authorization.startswith("ACS3-HMAC-SHA256 "):
            parts = authorization_parts(authorization)
            names = parts.get("SignedHeaders", "").split(";")
            if parts.get("Credential") != key_id or not {"host", "x-acs-action"} <= set(names):
                return self._bad(refused)
            headers = {n: request.headers.get(n, "") for n in names}
            body_hash = hashlib.sha256(request.body).hexdigest()
            if headers.get("x-acs-content-sha256") != body_hash:
                return self._bad(refused)
            expected = acs3_authorization(
                request.method, request.path, request.query, headers, key_id, secret
            )
            if not _same(expected, authorization):
                return self._bad(refused)
            return headers["x-acs-action"], dict(request.query)
        form = request.form()
        signature = form.get("Signature", "")
        if form.get("AccessKeyId") != key_id or not signature:
            return self._bad(refused)
        if not _same(rpc_v1_signature(form, secret, request.method), signature):
            return self._bad(refused)
        return form.get("Action", ""), {k: v for k, v in form.items() if k != "Signature"}

    def _bad(self, refusal: Response) -> Response:
        self.bad_signatures += 1
        return refusal

    async def _aliyun(self, request: Request, now: float) -> Response:
        verified = self._aliyun_verified(request)
        if isinstance(verified, Response):
            return verified
        action, params = verified
        request_id = str(uuid.uuid4())
        if action == "SendSms":
            return await self._aliyun_send(request, params, now, request_id)
        if action == "QuerySendDetails":
            return self._aliyun_details(params, request_id)
        if action == "QuerySmsSignList":
            signs = sorted(self.signs) or ["示例测试"]
            rows = [_aliyun_row({"SignName": s}) for s in signs]
            return json_response(200, _aliyun_list(request_id, "SmsSignList", rows))
        if action == "QuerySmsTemplateList":
            rows = [
                _aliyun_row({"TemplateCode": t, "TemplateName": t, "TemplateType": 0})
                for t in sorted(self.templates)
            ]
            return json_response(200, _aliyun_list(request_id, "SmsTemplateList", rows))
        return json_response(
            404, {"Code": "InvalidAction.NotFound", "Message": action, "RequestId": request_id}
        )

    async def _aliyun_send(
        self, request: Request, params: dict[str, str], now: float, request_id: str
    ) -> Response:
        if self.sim._throttle(now):
            self.sim.throttled += 1
            return json_response(
                429,
                {
                    "Code": "Throttling.User",
                    "Message": "Request was denied due to user flow control.",
                },
                [("retry-after", f"{self.sim._retry_after(now):g}")],
            )
        try:
            to, sign = params["PhoneNumbers"], params["SignName"]
            code, values = params["TemplateCode"], json.loads(params.get("TemplateParam", "{}"))
        except (KeyError, ValueError):
            return json_response(
                200,
                {"Code": "isv.INVALID_PARAMETERS", "Message": "参数异常", "RequestId": request_id},
            )
        self.signs.add(sign)
        self.templates.add(code)
        text = f"【{sign}】" + "".join(str(v) for v in values.values())
        fate = await self.sim._accept(to, params.get("OutId") or text, now)
        if fate.outcome == "rejected":
            return json_response(
                200,
                {
                    "Code": "isv.SMS_TEMPLATE_ILLEGAL",
                    "Message": "模板不合法(不存在或被拉黑)",
                    "RequestId": request_id,
                },
            )
        if fate.outcome == "malformed":
            return Response(200, b"<html><body>502 Bad Gateway</body></html>", "text/html")
        due = time.time() + fate.dlr_after_s
        biz_id = fate.message_id or ""
        delivered = fate.outcome in ("delivered", "pseudo")
        detail = {
            "PhoneNum": to,
            "SendStatus": 3 if delivered else 2,
            "ErrCode": "DELIVERED" if delivered else "UNDELIV",
            "TemplateCode": code,
            "Content": text,
            "SendDate": beijing(time.time()),
            "ReceiveDate": beijing(due),
            "OutId": params.get("OutId", ""),
        }
        if fate.outcome not in ("dropped", "no_answer"):
            self.aliyun_details[biz_id] = (due, detail)
            report = {
                "phone_number": to,
                "send_time": detail["SendDate"],
                "report_time": detail["ReceiveDate"],
                "success": delivered,
                "err_code": detail["ErrCode"],
                "err_msg": "用户接收成功" if delivered else "用户接收失败",
                "sms_size": "1",
                "biz_id": biz_id,
                "out_id": detail["OutId"],
            }
            self._push(request, fate, [report])
        else:
            self.aliyun_details[biz_id] = (float("inf"), detail | {"SendStatus": 1})
        self._handset(request, fate, text)
        return json_response(
            200, {"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": request_id}
        )

    def _aliyun_details(self, params: dict[str, str], request_id: str) -> Response:
        found = self.aliyun_details.get(params.get("BizId", ""))
        rows = []
        if found is not None and found[1]["PhoneNum"] == params.get("PhoneNumber"):
            due, detail = found
            rows = [detail if due <= time.time() else detail | {"SendStatus": 1, "ErrCode": ""}]
        return json_response(
            200,
            {
                "Code": "OK",
                "Message": "OK",
                "RequestId": request_id,
                "TotalCount": len(rows),
                "SmsSendDetailDTOs": {"SmsSendDetailDTO": rows},
            },
        )

    # ------------------------------------------------------------------ Tencent Cloud

    def _tencent_error(self, code: str, message: str) -> Response:
        return json_response(
            200,
            {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": _rid()}},
        )

    async def _tencent(self, request: Request, now: float) -> Response:
        key_id, secret = sim_key()
        authorization = request.headers.get("authorization", "")
        credential = authorization_parts(authorization).get("Credential", "")
        try:
            timestamp = int(request.headers.get("x-tc-timestamp", ""))
        except ValueError:
            return self._tencent_error("MissingParameter", "X-TC-Timestamp is missing")
        expected = tc3_authorization(
            secret_id=key_id,
            secret_key=secret,
            service="sms",
            host=request.headers.get("host", ""),
            timestamp=timestamp,
            payload=request.body,
            content_type=request.headers.get("content-type", ""),
        )
        if not credential.startswith(f"{key_id}/") or not _same(expected, authorization):
            self.bad_signatures += 1
            return self._tencent_error(
                "AuthFailure.SignatureFailure", "The provided credentials could not be validated."
            )
        try:
            body = json.loads(request.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return self._tencent_error("InvalidParameter", "the body is not JSON")
        action = request.headers.get("x-tc-action", "")
        if action == "SendSms":
            return await self._tencent_send(request, body, now)
        if action == "PullSmsSendStatus":
            return self._tencent_pull(int(body.get("Limit", 10)))
        if action == "DescribeSmsSignList":
            sign = sorted(self.signs)[0] if self.signs else "示例测试"
            rows = [
                _tencent_row({"SignId": i, "SignName": sign}) for i in body.get("SignIdSet", [])
            ]
            return _tencent_ok({"DescribeSignListStatusSet": rows})
        if action == "DescribeSmsTemplateList":
            rows = [
                _tencent_row({"TemplateId": i, "TemplateName": f"模板{i}"})
                for i in body.get("TemplateIdSet", [])
            ]
            return _tencent_ok({"DescribeTemplateStatusSet": rows})
        return self._tencent_error("InvalidAction", f"no action {action}")

    async def _tencent_send(self, request: Request, body: dict[str, Any], now: float) -> Response:
        if self.sim._throttle(now):
            self.sim.throttled += 1
            return json_response(
                429,
                {"Response": {"Error": {"Code": "RequestLimitExceeded", "Message": "too fast"}}},
                [("retry-after", f"{self.sim._retry_after(now):g}")],
            )
        try:
            [number] = body["PhoneNumberSet"]
            sign, values = str(body["SignName"]), list(body.get("TemplateParamSet", []))
            template = str(body["TemplateId"])
        except (KeyError, ValueError, TypeError):
            return self._tencent_error("InvalidParameterValue", "PhoneNumberSet, SignName …")
        to = str(number).removeprefix("+86")
        self.signs.add(sign)
        self.templates.add(template)
        text = f"【{sign}】" + "".join(str(v) for v in values)
        fate = await self.sim._accept(to, str(body.get("SessionContext") or text), now)
        if fate.outcome == "malformed":
            return Response(200, b"<html><body>502 Bad Gateway</body></html>", "text/html")
        status = {
            "SerialNo": fate.message_id or "",
            "PhoneNumber": str(number),
            "Fee": 1,
            "SessionContext": body.get("SessionContext", ""),
            "Code": "Ok",
            "Message": "send success",
            "IsoCode": "CN",
        }
        if fate.outcome == "rejected":
            status |= {
                "SerialNo": "",
                "Fee": 0,
                "Code": "FailedOperation.TemplateIncorrectOrUnapproved",
                "Message": "template is not approved or request content does not match",
            }
            return _tencent_ok({"SendStatusSet": [status]})
        if fate.outcome not in ("dropped", "no_answer"):
            delivered = fate.outcome in ("delivered", "pseudo")
            due = time.time() + fate.dlr_after_s
            self.tencent_queue.append(
                (
                    due,
                    {
                        "UserReceiveTime": beijing(due),
                        "CountryCode": "86",
                        "SubscriberNumber": to,
                        "PhoneNumber": str(number),
                        "SerialNo": fate.message_id,
                        "ReportStatus": "SUCCESS" if delivered else "FAIL",
                        "Description": "用户短信送达成功" if delivered else "用户短信未送达",
                        "SessionContext": body.get("SessionContext", ""),
                    },
                )
            )
            report = {
                "user_receive_time": beijing(due),
                "nationcode": "86",
                "mobile": to,
                "report_status": "SUCCESS" if delivered else "FAIL",
                "errmsg": "DELIVRD" if delivered else "UNDELIV",
                "description": "用户短信送达成功" if delivered else "用户短信未送达",
                "sid": fate.message_id,
                "ext": {"SessionContext": body.get("SessionContext", "")},
            }
            self._push(request, fate, [report])
        self._handset(request, fate, text)
        return _tencent_ok({"SendStatusSet": [status]})

    def _tencent_pull(self, limit: int) -> Response:
        now = time.time()
        due = [item for item in self.tencent_queue if item[0] <= now][: max(1, min(limit, 100))]
        for item in due:
            self.tencent_queue.remove(item)
        return _tencent_ok({"PullSmsSendStatusSet": [report for _, report in due]})

    # ------------------------------------------------------------------ pushes

    def _push(self, request: Request, fate: Fate, body: list[dict[str, Any]]) -> None:
        url = request.headers.get(SIM_DLR_HEADER)
        if url:
            self.sim._later(fate.dlr_after_s, ("POST", url, body))

    def _handset(self, request: Request, fate: Fate, text: str) -> None:
        url = request.headers.get(SIM_HANDSET_HEADER)
        if fate.outcome != "delivered" or not url:
            return
        p = self.sim.profile
        shown = text.replace("】", "】 ", 1) if fate.text_modified else text
        arrived = time.time() + fate.handset_after_s
        receipt = {
            "from": p.sender + p.sender_extension,
            "to": fate.to,
            "text": shown,
            "received_at": dt.datetime.fromtimestamp(arrived, dt.UTC).isoformat(),
        }
        self.sim._later(fate.handset_after_s, ("POST", url, receipt))


def _rid() -> str:
    return str(uuid.uuid4())


def _aliyun_row(fields: dict[str, Any]) -> dict[str, Any]:
    return fields | {
        "AuditStatus": "AUDIT_STATE_PASS",
        "CreateDate": beijing(time.time()),
        "Reason": {"RejectInfo": "无审批备注", "RejectDate": "", "RejectSubInfo": ""},
    }


def _aliyun_list(request_id: str, key: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "Code": "OK",
        "Message": "OK",
        "RequestId": request_id,
        "CurrentPage": 1,
        "PageSize": 50,
        "TotalCount": len(rows),
        key: rows,
    }


def _tencent_row(fields: dict[str, Any]) -> dict[str, Any]:
    return fields | {
        "International": 0,
        "StatusCode": 0,
        "ReviewReply": "",
        "CreateTime": int(time.time()),
    }


def _tencent_ok(fields: dict[str, Any]) -> Response:
    return json_response(200, {"Response": fields | {"RequestId": _rid()}})
