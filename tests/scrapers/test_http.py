"""The HTTP layer against a real loopback server: retries, Retry-After, timeouts, keys."""

from __future__ import annotations

import logging
import time

import pytest

from scrapers.http import USER_AGENT, HttpClient, LiveTransport, RateLimiter, make_retry
from scrapers.redaction import canonical_url, redact_url
from tracker.errors import ParseError, QuotaExhausted, SourceUnavailable


def _client(source: str = "test", *, timeout=(2.0, 5.0), retries: int = 3, **kw) -> HttpClient:
    transport = LiveTransport(timeout=timeout, retry=make_retry(total=retries, backoff_factor=0.05))
    return HttpClient(source, transport, **kw)


def test_429_with_retry_after_is_waited_out_then_succeeds(http_server):
    http_server.script("/bills", (429, "slow down", {"Retry-After": "1"}), (200, '{"ok": true}'))
    started = time.monotonic()
    data = _client().get_json(f"{http_server.base}/bills")
    assert data == {"ok": True}
    assert http_server.hits("/bills") == 2
    assert time.monotonic() - started >= 1.0  # the server's Retry-After, not our backoff


def test_500_is_retried_with_backoff_then_succeeds(http_server):
    http_server.script("/x", (500, "boom"), (503, "busy"), (200, "[1]"))
    assert _client().get_json(f"{http_server.base}/x") == [1]
    assert http_server.hits("/x") == 3


def test_persistent_500_raises_source_unavailable_after_retries(http_server):
    http_server.script("/x", (500, "boom"))
    with pytest.raises(SourceUnavailable, match="HTTP 500"):
        _client(retries=2).get(f"{http_server.base}/x")
    assert http_server.hits("/x") == 3  # first try + 2 retries


def test_read_timeout_is_retried_then_succeeds(http_server):
    http_server.script("/slow", (200, "late", {}, 1.5), (200, '{"fast": 1}'))
    data = _client(timeout=(2.0, 0.5)).get_json(f"{http_server.base}/slow")
    assert data == {"fast": 1}
    assert http_server.hits("/slow") == 2


def test_timeouts_every_time_raise_source_unavailable(http_server):
    http_server.script("/slow", (200, "late", {}, 1.0))
    with pytest.raises(SourceUnavailable, match="(?i)timeout|timed out"):
        _client(timeout=(2.0, 0.3), retries=1).get(f"{http_server.base}/slow")


def test_malformed_json_raises_parse_error_with_url(http_server):
    http_server.script("/bad", (200, '{"bills": [1, 2'))
    with pytest.raises(ParseError) as info:
        _client().get_json(f"{http_server.base}/bad", {"page": 1})
    assert info.value.url == f"{http_server.base}/bad?page=1"


def test_user_agent_names_the_project_and_header_key_is_sent(http_server):
    http_server.script("/v3/bill", (200, "{}"))
    _client(headers={"X-Api-Key": "HEADERKEY"}).get(f"{http_server.base}/v3/bill")
    path, headers = http_server.requests[0]
    assert headers["User-Agent"] == USER_AGENT and "mh-policy-tracker" in USER_AGENT
    assert headers["X-Api-Key"] == "HEADERKEY"
    assert "HEADERKEY" not in path


def test_query_key_is_sent_but_never_archived_or_logged(http_server, caplog):
    http_server.script("/", (500, "x"), (200, '{"status": "OK"}'))
    client = _client("legiscan", secret_params={"key": "SECRETKEY123"})
    with caplog.at_level(logging.DEBUG):
        resp = client.get(f"{http_server.base}/", {"op": "getBill", "id": 7})
    assert any("key=SECRETKEY123" in path for path, _ in http_server.requests)
    assert "SECRETKEY123" not in resp.url and resp.url.endswith("?id=7&op=getBill")
    assert all("SECRETKEY123" not in r.url for r in client.archived)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "getBill" in logged  # urllib3 did log the request line ...
    assert "SECRETKEY123" not in logged  # ... with the key redacted


def test_network_error_message_does_not_leak_the_key():
    client = HttpClient(
        "legiscan",
        LiveTransport(timeout=(0.5, 0.5), retry=make_retry(total=0)),
        secret_params={"key": "SECRETKEY123"},
    )
    with pytest.raises(SourceUnavailable) as info:
        client.get("http://127.0.0.1:9/", {"op": "getBill"})  # nothing listens on port 9
    assert "SECRETKEY123" not in str(info.value)


def test_request_cap_stops_before_sending(http_server):
    http_server.script("/", (200, "{}"))
    client = _client("legiscan", cap=3, used=2)
    client.get(f"{http_server.base}/")
    with pytest.raises(QuotaExhausted, match="cap 3"):
        client.get(f"{http_server.base}/")
    assert http_server.hits("/") == 1


def test_rate_limiter_spaces_requests():
    clock = [0.0]
    limiter = RateLimiter(per_second=4, clock=lambda: clock[0])
    slept = []
    original = time.sleep
    try:
        time.sleep = lambda s: slept.append(s)  # the limiter's only side effect
        for _ in range(3):
            limiter.wait()
    finally:
        time.sleep = original
    assert slept == [0.25, 0.5]


def test_redact_and_canonical_urls_drop_every_key_form():
    url = "https://api.legiscan.com/?key=ABC&op=getBill&id=1"
    assert redact_url(url) == "https://api.legiscan.com/?op=getBill&id=1"
    assert (
        canonical_url("https://x/v3/bill?api_key=K&b=2", {"a": 1, "apikey": "K"})
        == "https://x/v3/bill?a=1&b=2"
    )
