"""Request signing replayed on the worked examples of each provider's public documentation: the
documented inputs must give the documented signature."""

from __future__ import annotations

import hashlib

from vaudit.audits.channel.cloud_signing import (
    acs3_headers,
    authorization_parts,
    percent_encode,
    rpc_v1_signature,
    tc3_authorization,
)


def test_alibaba_rpc_v1_gives_the_sms_documentation_example() -> None:
    # https://help.aliyun.com/document_detail/56189.html: SendSms signed with testSecret.
    params = {
        "AccessKeyId": "testId",
        "Action": "SendSms",
        "Format": "XML",
        "OutId": "123",
        "PhoneNumbers": "15300000001",
        "RegionId": "cn-hangzhou",
        "SignName": "阿里云短信测试专用",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
        "SignatureVersion": "1.0",
        "TemplateCode": "SMS_71390007",
        "TemplateParam": '{"customer":"test"}',
        "Timestamp": "2017-07-12T02:42:19Z",
        "Version": "2017-05-25",
    }
    assert rpc_v1_signature(params, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    # A Signature already present is not part of what is signed.
    assert rpc_v1_signature(params | {"Signature": "x"}, "testSecret") == (
        "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    )
    assert rpc_v1_signature(params, "testSecret", "POST") != "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def test_alibaba_percent_encoding_keeps_only_the_unreserved_characters() -> None:
    assert percent_encode("a b*c~d/é+=") == "a%20b%2Ac~d%2F%C3%A9%2B%3D"


def test_alibaba_acs3_gives_the_v3_documentation_example() -> None:
    # https://help.aliyun.com/zh/sdk/product-overview/v3-request-structure-and-signature:
    # RunInstances on ECS, every input fixed.
    headers = acs3_headers(
        method="POST",
        host="ecs.cn-shanghai.aliyuncs.com",
        action="RunInstances",
        version="2014-05-26",
        query={
            "ImageId": "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd",
            "RegionId": "cn-shanghai",
        },
        body=b"",
        key_id="YourAccessKeyId",
        secret="YourAccessKeySecret",
        date="2023-10-26T10:22:32Z",
        nonce="3156853299f313e23d1673dc12e1703d",
    )
    assert headers["x-acs-content-sha256"] == hashlib.sha256(b"").hexdigest()
    assert headers["authorization"] == (
        "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;"
        "x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,"
        "Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
    )


def test_tencent_tc3_gives_the_signature_v3_documentation_example() -> None:
    # https://www.tencentcloud.com/document/api/614/42761: DescribeInstances on CVM at
    # 1551113065 (the documentation masks the key's tail with asterisks; so does this test).
    payload = (
        b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
    )
    value = tc3_authorization(
        secret_id="AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******",
        secret_key="Gu5t9xGARNpq86cd98joQYCN3*******",
        service="cvm",
        host="cvm.tencentcloudapi.com",
        timestamp=1551113065,
        payload=payload,
    )
    assert value == (
        "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******/2019-02-25/cvm/"
        "tc3_request, SignedHeaders=content-type;host, "
        "Signature=2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c"
    )
    parts = authorization_parts(value)
    assert parts["SignedHeaders"] == "content-type;host"
    assert parts["Credential"].endswith("/2019-02-25/cvm/tc3_request")
