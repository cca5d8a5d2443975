"""Hostile input against the HTTP service (issue 16 findings 1, 9, 14, 15): uvicorn in a thread on
127.0.0.1 with a stand-in detector, so each case is about the door, not the model."""

from __future__ import annotations

import http.client
import json
import socket
import urllib.error
import urllib.request

import httpx
import pytest
from hostile_helpers import DRIP_LINES, DripServer, StubDetector, running_app

from detector.config import Config
from detector.service import create_app


def _post(base: str, path: str, body: bytes | str, timeout: float = 30) -> httpx.Response:
    data = body.encode() if isinstance(body, str) else body
    with httpx.Client(trust_env=False, timeout=timeout) as client:
        return client.post(base + path, content=data, headers={"content-type": "application/json"})


@pytest.fixture(scope="module")
def served():
    stub = StubDetector()
    app = create_app(detector=stub, threads=1, request_timeout=1.0, max_body_bytes=1000, header_timeout=1.0,
                     body_timeout=1.0, allow_private_urls=True)
    with running_app(app) as base:
        yield base, stub


@pytest.mark.parametrize(
    "path, body, field",
    [
        ("/v1/score", '{"text": "a\\ud800b"}', "text"),
        ("/v1/score", '{"html": "<p>\\udfff</p>"}', "html"),
        ("/v1/score", '{"text": "ok", "id": "b\\udfff"}', "id"),
        ("/v1/score", '{"text": "ok", "url": "http://a/\\ud83d"}', "url"),
        ("/v1/score-url", '{"url": "http://a/\\ud800"}', "url"),
    ],
)
def test_lone_surrogate_is_422_naming_the_field(served, path, body, field):
    base, _ = served
    response = _post(base, path, body)
    assert response.status_code == 422, response.text
    message = response.json()["error"]["message"]
    assert field in message and "lone surrogate" in message


def test_lone_surrogate_in_a_batch_is_an_error_entry_naming_the_field(served):
    base, _ = served
    response = _post(base, "/v1/filter", '{"documents": [{"text": "fine"}, {"id": "b", "text": "x\\ud800"}]}')
    assert response.status_code == 200, response.text
    fine, bad = response.json()["decisions"]
    assert fine["error"] is None and fine["keep"]
    assert bad["id"] == "b" and bad["reasons"] == ["error"]
    assert bad["error"].startswith("b: field 'text' holds a lone surrogate")


@pytest.mark.parametrize("url", ["http://[::1", "http://[::1]:99999/", "http://exa mple.com:x/", "gopher://a/"])
def test_malformed_url_is_422(served, url):
    response = _post(served[0], "/v1/score-url", json.dumps({"url": url}))
    assert response.status_code == 422, response.text


def test_timed_out_request_stops_its_work(served):
    # finding 14: one scoring thread; a request past its 1 s budget gets 504 and its work is
    # stopped, so the next request finds the thread free (before: it queued behind 20 s of work)
    base, stub = served
    assert _post(base, "/v1/score", '{"text": "spin"}').status_code == 504
    light = _post(base, "/v1/score", '{"text": "light"}')
    assert light.status_code == 200, light.text
    assert stub.stopped and stub.finished == 0


def test_slow_document_is_an_error_entry_and_the_batch_goes_on():
    stub = StubDetector()
    app = create_app(Config(doc_timeout=0.5), detector=stub, threads=1, request_timeout=10.0)
    with running_app(app) as base:
        response = _post(base, "/v1/filter", '{"documents": [{"text": "spin"}, {"text": "light"}]}')
    assert response.status_code == 200, response.text
    first, second = response.json()["decisions"]
    assert "timeout" in first["error"] and second["error"] is None and second["keep"]


def test_score_url_against_a_dripping_server_frees_its_thread(served):
    # finding 9: header lines dripped within every per-read timeout; the fetch ends with the budget
    base, _ = served
    drip = DripServer()
    try:
        response = _post(base, "/v1/score-url", json.dumps({"url": drip.url}))
        assert response.status_code in (502, 504), response.text
        assert "timed out" in response.text or "request budget" in response.text
        assert _post(base, "/v1/score", '{"text": "light"}').status_code == 200
        assert drip.wait_for_hangup()[0] < DRIP_LINES / 2
    finally:
        drip.close()


def test_slow_headers_are_cut_off(served):
    base, _ = served
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(b"POST /v1/score HTTP/1.1\r\nHost: x\r\n")
        closed_after = None
        for i in range(100):  # 100 x 0.1 s; the server's header timeout is 1 s
            try:
                sock.sendall(f"X-Slow-{i}: y\r\n".encode())
                sock.settimeout(0.1)
                if sock.recv(1024) == b"":
                    closed_after = i
                    break
            except TimeoutError:
                continue
            except OSError:
                closed_after = i
                break
    assert closed_after is not None and closed_after < 50


def test_slow_body_gets_408(served):
    base, _ = served
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"POST /v1/score HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 100\r\n\r\n{\"text\": ")
        reply = sock.recv(4096)
    assert reply.startswith(b"HTTP/1.1 408"), reply[:100]


def test_oversized_body_gets_413_with_urllib(served):
    # finding 14: urllib writes the whole body before it reads; the 413 must still reach it
    base, _ = served
    request = urllib.request.Request(base + "/v1/score", data=b"x" * 4 * 2**20,
                                     headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request, timeout=30)
    assert info.value.code == 413
    assert json.loads(info.value.read())["error"]["type"] == "too_large"


def test_oversized_chunked_body_gets_413_with_http_client(served):
    base, _ = served
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        chunks = (b"y" * 65536 for _ in range(64))  # 4 MiB, no Content-Length: chunked
        conn.request("POST", "/v1/score", body=chunks, headers={"Content-Type": "application/json"},
                     encode_chunked=True)
        response = conn.getresponse()
        assert response.status == 413
    finally:
        conn.close()


def test_settings_have_one_source_of_defaults():
    from detector.cli import build_parser
    from detector.settings import ServiceSettings

    args = build_parser().parse_args(["serve"])
    defaults = ServiceSettings()
    for name in ("max_body_bytes", "request_timeout", "threads", "max_batch", "header_timeout", "body_timeout"):
        assert getattr(args, name) == getattr(defaults, name)
    with pytest.raises(ValueError, match="threads"):
        ServiceSettings(threads=0)
    with pytest.raises(ValueError, match="unknown service setting"):
        create_app(detector=StubDetector(), thread=3)
