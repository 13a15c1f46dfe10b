"""Vendor credentials in URLs are percent-encoded, and nothing a vendor echoes back carries
one in any form: not channel_message.error, not `channel export`, not the screen (issue 14,
item 4). Driven through the command line against a vendor that echoes what it was sent."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, quote, quote_plus, urlsplit

import pytest

from tests.helpers import vaudit

SECRET = "k+y/9=z&a b"  # everything a URL gives a meaning to
USER = "acct-7"


class Echo(BaseHTTPRequestHandler):
    """Refuses every message, echoing the key back in every form a careless API might."""

    received: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        Echo.received.append(self.path)
        key = parse_qs(urlsplit(self.path).query).get("key", [""])[0]
        basic = base64.b64encode(f"{USER}:{key}".encode()).decode()
        echo = " | ".join(
            [
                f"bad key {key}",
                f"query {urlsplit(self.path).query}",
                quote(key, safe="").lower(),
                quote_plus(key),
                f"Basic {basic}",
                json.dumps(key).replace("/", "\\/"),
            ]
        )
        body = json.dumps({"ok": False, "error": echo}).encode()
        self.send_response(400)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def vendor() -> Iterator[str]:
    Echo.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_key_with_url_characters_is_sent_intact_and_never_echoed_back(
    vendor: str, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ECHO_KEY", SECRET)
    monkeypatch.setenv("ECHO_USER", USER)
    profile = tmp_path / "echo.toml"
    profile.write_text(
        f"""name = "echo vendor"
[credentials]
key = "ECHO_KEY"
user = "ECHO_USER"
[submit]
method = "GET"
url = "{vendor}/send?user={{credentials.user}}&key={{credentials.key}}&to={{to}}"
body_format = "query"
body = {{ text = "{{text}}" }}
[submit.response]
accepted_path = "ok"
accepted_values = [true]
error_path = "error"
""",
        "utf-8",
    )

    def run(*args: str, ok: bool = True) -> Any:
        return vaudit(db_path, *args, auditor="alice", ok=ok)

    run("vendors", "add", "Echo Vendor")
    run("selections", "add", "S", "--industry", "ecommerce", "--coverage", "national",
        "--kinds", "verification")  # fmt: skip
    run("audits", "start", "Echo Vendor", "S")
    run("cards", "add", "13800138000", "--carrier", "mobile")
    done = run(
        "channel", "run", "1", "--profile", str(profile), "--kinds", "verification",
        "--rate", "100", "--dlr-timeout", "1", "--handset-timeout", "1", "--json", ok=False,
    )  # fmt: skip
    assert done.exit_code == 1  # the vendor refused the only message: a failed run
    [path] = Echo.received
    assert parse_qs(urlsplit(path).query)["key"] == [SECRET]  # reached the vendor as it is
    export = tmp_path / "run.json"
    run("channel", "export", "1", "-o", str(export))
    exported = export.read_text("utf-8")
    shown = run("channel", "show", "1", "--run", "1").output
    error = json.loads(exported)["messages"][0]["error"]
    assert error.startswith("rejected: False (bad key ***")
    leaks = [SECRET, quote(SECRET, safe=""), quote_plus(SECRET), "k+y/9", "9=z&a", "k%2By"]
    leaks.append(base64.b64encode(f"{USER}:{SECRET}".encode()).decode())
    for text in (exported, shown, done.output, done.stderr, db_path.read_bytes().decode("latin-1")):
        for leak in leaks:
            assert leak not in text and leak.lower() not in text
