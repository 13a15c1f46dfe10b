"""Request signing for the two cloud SMS APIs that most Chinese vendors resell or mirror.

- Alibaba Cloud RPC signature v1 (HMAC-SHA1 over the sorted, percent-encoded parameters):
  https://help.aliyun.com/document_detail/56189.html (the SendSms worked example).
- Alibaba Cloud ACS3-HMAC-SHA256 (the v3 request structure):
  https://help.aliyun.com/zh/sdk/product-overview/v3-request-structure-and-signature
- Tencent Cloud TC3-HMAC-SHA256 (API 3.0 signature v3):
  https://www.tencentcloud.com/document/api/614/42761

Each function is pure: the caller gives the time and the nonce, so the documented examples can
be replayed, and the simulator recomputes the same value to verify what it receives.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import quote

ACS3 = "ACS3-HMAC-SHA256"
TC3 = "TC3-HMAC-SHA256"


def percent_encode(value: str) -> str:
    """RFC 3986 encoding as both Alibaba schemes use it: only A-Z a-z 0-9 - _ . ~ kept."""
    return quote(value, safe="-_.~")


def canonical_query(params: Mapping[str, str]) -> str:
    return "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))


def rpc_v1_signature(params: Mapping[str, str], secret: str, method: str = "GET") -> str:
    """Alibaba RPC signature v1: Base64(HMAC-SHA1(secret + "&", METHOD&%2F&encode(query)))."""
    unsigned = {k: v for k, v in params.items() if k != "Signature"}
    to_sign = f"{method.upper()}&{percent_encode('/')}&{percent_encode(canonical_query(unsigned))}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def _sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def acs3_headers(
    *,
    method: str,
    host: str,
    action: str,
    version: str,
    query: Mapping[str, str],
    body: bytes,
    key_id: str,
    secret: str,
    date: str,
    nonce: str,
    path: str = "/",
) -> dict[str, str]:
    """The signed headers of an ACS3-HMAC-SHA256 request (authorization included); `date` is
    ISO 8601 UTC without fractions (2023-10-26T10:22:32Z)."""
    headers = {
        "host": host,
        "x-acs-action": action,
        "x-acs-content-sha256": _sha256_hex(body),
        "x-acs-date": date,
        "x-acs-signature-nonce": nonce,
        "x-acs-version": version,
    }
    headers["authorization"] = acs3_authorization(method, path, query, headers, key_id, secret)
    return headers


def acs3_authorization(
    method: str,
    path: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    key_id: str,
    secret: str,
) -> str:
    """The Authorization value over the host and x-acs-* headers given (lower-case names)."""
    signed = sorted(name for name in headers if name == "host" or name.startswith("x-acs-"))
    canonical_headers = "".join(f"{name}:{headers[name].strip()}\n" for name in signed)
    signed_names = ";".join(signed)
    canonical_request = "\n".join(
        [
            method.upper(),
            path or "/",
            canonical_query(query),
            canonical_headers,
            signed_names,
            headers["x-acs-content-sha256"],
        ]
    )
    to_sign = f"{ACS3}\n{_sha256_hex(canonical_request.encode())}"
    signature = hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
    return f"{ACS3} Credential={key_id},SignedHeaders={signed_names},Signature={signature}"


def tc3_authorization(
    *,
    secret_id: str,
    secret_key: str,
    service: str,
    host: str,
    timestamp: int,
    payload: bytes,
    content_type: str = "application/json; charset=utf-8",
    method: str = "POST",
    query: str = "",
) -> str:
    """The Authorization value of a TC3-HMAC-SHA256 request signing content-type and host."""
    date = dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d")
    canonical_request = "\n".join(
        [
            method.upper(),
            "/",
            query,
            f"content-type:{content_type}\nhost:{host}\n",
            "content-type;host",
            _sha256_hex(payload),
        ]
    )
    scope = f"{date}/{service}/tc3_request"
    to_sign = f"{TC3}\n{timestamp}\n{scope}\n{_sha256_hex(canonical_request.encode())}"

    def mac(key: bytes, text: str) -> bytes:
        return hmac.new(key, text.encode(), hashlib.sha256).digest()

    signing_key = mac(mac(mac(f"TC3{secret_key}".encode(), date), service), "tc3_request")
    signature = hmac.new(signing_key, to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        f"{TC3} Credential={secret_id}/{scope}, SignedHeaders=content-type;host, "
        f"Signature={signature}"
    )


def authorization_parts(value: str) -> dict[str, str]:
    """The Credential / SignedHeaders / Signature fields of an ACS3 or TC3 Authorization."""
    _, _, rest = value.partition(" ")
    parts = {}
    for field in rest.replace(", ", ",").split(","):
        name, _, content = field.strip().partition("=")
        parts[name] = content
    return parts
