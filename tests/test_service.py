"""The HTTP service, run as a real ``detector serve`` (uvicorn) process on 127.0.0.1."""

from __future__ import annotations

import functools
import json
import socket
import subprocess
import sys
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
PAGE = SEEDS / "migrant-crisis-page.html"
ARTICLE = SEEDS / "migrant-crisis-article.txt"
BODY_CAP = 300_000
JUNK = "Home | News | Sport | Contact\nSubscribe now!\nCookie settings\n© 2024 Example Media"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Service:
    def __init__(self, log: Path, *args: str) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log
        self.log = open(log, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "detector", "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--log-level", "warning", *args],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.client = httpx.Client(base_url=self.url, timeout=120, trust_env=False)
        # wait for startup (model load); a process that dies fails the test with its log
        for _ in range(1200):
            if self.proc.poll() is not None:
                raise RuntimeError(f"detector serve exited with {self.proc.returncode}:\n{log.read_text()}")
            try:
                if self.client.get("/healthz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.close()
        raise RuntimeError(f"detector serve did not start:\n{log.read_text()}")

    def close(self) -> None:
        self.client.close()
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    svc = Service(tmp_path_factory.mktemp("svc") / "serve.log", "--max-body-bytes", str(BODY_CAP))
    yield svc
    svc.close()


@pytest.fixture(scope="module")
def private_service(tmp_path_factory):
    svc = Service(tmp_path_factory.mktemp("svc") / "serve-private.log", "--allow-private-urls")
    yield svc
    svc.close()


@pytest.fixture(scope="module")
def seed_server():
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(SEEDS))
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def detector():
    from detector import Detector

    return Detector()


def _error(response: httpx.Response) -> dict:
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}, body
    assert body["error"]["message"], body
    return body["error"]


def test_healthz_and_model(service):
    health = service.client.get("/healthz")
    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    model = service.client.get("/v1/model").json()
    assert set(model) >= {"version", "sha256", "metrics", "detector_version", "min_quality"}
    assert isinstance(model["metrics"], dict)
    assert health.json()["model_version"] == model["version"]


def test_score_html_matches_library(service, detector):
    html = PAGE.read_text("utf-8")
    response = service.client.post("/v1/score", json={"html": html, "url": "https://example.com/a", "id": "p1"})
    assert response.status_code == 200, response.text
    body = response.json()
    expected = detector.score_html(html, url="https://example.com/a", id="p1").to_dict()
    assert body == json.loads(json.dumps(expected))
    assert body["schema_version"] == 1 and body["id"] == "p1" and body["format"] == "html"
    assert body["paragraphs"] and body["text"]
    jsonschema = pytest.importorskip("jsonschema")
    from detector.document import load_schema

    schema = service.client.get("/v1/schema").json()
    assert schema == load_schema()
    jsonschema.validate(body, schema)


def test_score_text_without_details(service, detector):
    text = ARTICLE.read_text("utf-8")
    body = service.client.post("/v1/score", json={"text": text, "details": False}).json()
    assert "paragraphs" not in body
    assert body["format"] == "text"
    assert body["text"] == detector.score_text(text).text


def test_score_needs_content(service):
    response = service.client.post("/v1/score", json={"url": "https://example.com"})
    assert response.status_code == 422
    assert "'html', 'text' or 'content'" in _error(response)["message"]


def test_score_without_content_names_the_document(service):
    # the message was "give the document as 'html', 'text' or 'content'": which document?
    response = service.client.post("/v1/score", json={"id": "doc-7", "url": "https://example.com/x"})
    assert response.status_code == 422
    error = _error(response)
    assert error["type"] == "input_error"
    assert error["message"].startswith("doc-7: ") and "'html', 'text' or 'content'" in error["message"]


def test_filter_batch(service, detector):
    docs = [
        {"id": "page", "html": PAGE.read_text("utf-8")},
        {"id": "junk", "text": JUNK},
        {"id": "empty-doc", "url": "https://example.com/nothing"},
        {"id": 7, "text": ARTICLE.read_text("utf-8")},
    ]
    response = service.client.post("/v1/filter", json={"documents": docs})
    assert response.status_code == 200, response.text
    body = response.json()
    decisions = body["decisions"]
    assert [d["index"] for d in decisions] == [0, 1, 2, 3]
    assert [d["id"] for d in decisions] == ["page", "junk", "empty-doc", "7"]
    for doc, d in zip(docs, decisions):
        if d["error"] is None:
            expected = detector.filter(doc)
            assert d["keep"] == expected.keep
            assert d["reasons"] == list(expected.reasons)
            assert d["clean_text"] == expected.clean_text and "text" not in d
    assert decisions[0]["keep"] and decisions[3]["keep"]
    assert not decisions[1]["keep"] and decisions[1]["reasons"]
    assert decisions[2]["error"] and "html" in decisions[2]["error"] and decisions[2]["reasons"] == ["error"]
    assert body["summary"] == {"documents": 4, "kept": 2, "dropped": 1, "errors": 1}


def test_filter_threshold(service):
    docs = [{"id": "a", "text": ARTICLE.read_text("utf-8")}]
    strict = service.client.post("/v1/filter", json={"documents": docs, "min_quality": 1.0}).json()["decisions"][0]
    loose = service.client.post("/v1/filter", json={"documents": docs, "min_quality": 0.0}).json()["decisions"][0]
    assert loose["keep"]
    assert strict["keep"] == (strict["score"] >= 1.0)
    bad = service.client.post("/v1/filter", json={"documents": docs, "min_quality": 3})
    assert bad.status_code == 422
    assert "min_quality" in _error(bad)["message"]


def test_bad_json_is_422_with_message(service):
    response = service.client.post("/v1/score", content=b'{"html": "<p>x</p>",', headers={"content-type": "application/json"})
    assert response.status_code == 422
    error = _error(response)
    assert error["type"] == "invalid_json"
    assert "not valid JSON" in error["message"]


def test_wrong_types_name_the_field(service):
    response = service.client.post("/v1/score", json={"html": 5})
    assert response.status_code == 422
    assert "html" in _error(response)["message"]
    response = service.client.post("/v1/filter", json={"docs": []})
    assert response.status_code == 422
    assert "documents" in _error(response)["message"]
    response = service.client.post("/v1/filter", json={"documents": {"html": "x"}})
    assert response.status_code == 422
    assert "documents" in _error(response)["message"]


def test_filter_bad_record_is_an_error_entry_not_a_422(service, detector):
    # one badly typed record answered 422 for the whole batch
    text = ARTICLE.read_text("utf-8")
    docs = [
        {"id": "good", "text": text},
        {"id": "int-html", "html": 5},
        {"text": text, "url": []},
        "not an object",
        {"id": "junk", "text": JUNK, "url": "https://example.com/j"},
    ]
    response = service.client.post("/v1/filter", json={"documents": docs})
    assert response.status_code == 200, response.text
    body = response.json()
    decisions = body["decisions"]
    assert [d["index"] for d in decisions] == [0, 1, 2, 3, 4]
    for i in (0, 4):  # the good records are judged as the library judges them
        expected = detector.filter(docs[i])
        assert decisions[i]["error"] is None
        assert (decisions[i]["keep"], decisions[i]["reasons"]) == (expected.keep, list(expected.reasons))
    assert decisions[0]["keep"] and decisions[4]["url"] == "https://example.com/j"
    for i, name, field in [(1, "int-html", "'html' holds int"), (2, "documents[2]", "'url' holds list"),
                           (3, "documents[3]", "expected a JSON object, got str")]:
        d = decisions[i]
        assert (d["keep"], d["score"], d["reasons"], d["clean_text"]) == (False, None, ["error"], ""), d
        assert d["error"].startswith(f"{name}: ") and field in d["error"], d
    assert decisions[1]["id"] == "int-html" and decisions[2]["id"] is None and decisions[2]["url"] is None
    assert body["summary"] == {"documents": 5, "kept": 1, "dropped": 1, "errors": 3}


def test_body_cap_413(service):
    big = {"text": "word " * (BODY_CAP // 4)}
    response = service.client.post("/v1/score", json=big)
    assert response.status_code == 413
    assert str(BODY_CAP) in _error(response)["message"]

    def chunks():  # no Content-Length: the streamed size must be counted
        for _ in range(BODY_CAP // 10_000 + 2):
            yield b" " * 10_000

    response = service.client.post("/v1/score", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413
    # the server is still fine afterwards
    assert service.client.get("/healthz").status_code == 200


def test_unknown_route_and_method(service):
    assert _error(service.client.get("/nope"))["type"] == "not_found"
    assert service.client.get("/v1/score").status_code == 405


def test_openapi_schema(service):
    schema = service.client.get("/openapi.json").json()
    assert {"/v1/score", "/v1/filter", "/v1/score-url", "/healthz", "/v1/model"} <= set(schema["paths"])
    assert "ScoreRequest" in schema["components"]["schemas"]


def test_score_url_with_private_urls_allowed(private_service, seed_server, detector):
    url = f"{seed_server}/{PAGE.name}"
    response = private_service.client.post("/v1/score-url", json={"url": url})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["url"] == url
    assert body["text"] == detector.score_html(PAGE.read_bytes(), url=url).text
    missing = private_service.client.post("/v1/score-url", json={"url": f"{seed_server}/nope.html"})
    assert missing.status_code == 502
    assert "HTTP 404" in _error(missing)["message"]
    wrong_type = private_service.client.post("/v1/score-url", json={"url": f"{seed_server}/migrant-crisis-labels.jsonl"})
    assert wrong_type.status_code == 502
    assert "content type" in _error(wrong_type)["message"]


def test_ssrf_guard(service, seed_server):
    response = service.client.post("/v1/score-url", json={"url": f"{seed_server}/{PAGE.name}"})
    assert response.status_code == 403
    error = _error(response)
    assert error["type"] == "blocked_url"
    assert "127.0.0.1" in error["message"]
    port = seed_server.rsplit(":", 1)[1]
    assert service.client.post("/v1/score-url", json={"url": f"http://localhost:{port}/"}).status_code == 403
    assert service.client.post("/v1/score-url", json={"url": "http://169.254.169.254/latest/meta-data/"}).status_code == 403
    bad_scheme = service.client.post("/v1/score-url", json={"url": "file:///etc/passwd"})
    assert bad_scheme.status_code == 422
    assert "http" in _error(bad_scheme)["message"]


def test_time_budget_504(tmp_path):
    # a tiny budget and a large-but-allowed page: the answer is 504, and the server lives on
    svc = Service(tmp_path / "serve-timeout.log", "--request-timeout", "0.05")
    try:
        paragraphs = ARTICLE.read_text("utf-8").split("\n\n")
        html = "<html><body>" + "".join(f"<p>{i} {p}</p>" for i in range(40) for p in paragraphs) + "</body></html>"
        response = svc.client.post("/v1/score", json={"html": html})
        assert response.status_code == 504
        error = _error(response)
        assert error["type"] == "timeout"
        assert "0.05 s request budget (detector serve --request-timeout" in error["message"]
        assert svc.client.get("/healthz").status_code == 200
    finally:
        svc.close()


def test_score_url_doc_timeout_is_for_scoring_not_the_fetch(tmp_path, seed_server):
    """``--doc-timeout`` bounds scoring the fetched page; the fetch has its own limits. With a
    tiny document budget a blocked or invalid URL still answers 403 / 422 (it answered 504 'the
    document took longer than 0.001 s' once the fetch ran under the document's budget)."""
    svc = Service(tmp_path / "serve-doc-timeout.log", "--doc-timeout", "0.001")
    try:
        blocked = svc.client.post("/v1/score-url", json={"url": f"{seed_server}/{PAGE.name}"})
        assert blocked.status_code == 403 and _error(blocked)["type"] == "blocked_url", blocked.text
        invalid = svc.client.post("/v1/score-url", json={"url": "ftp://example.com/x"})
        assert invalid.status_code == 422 and _error(invalid)["type"] == "invalid_url", invalid.text
    finally:
        svc.close()


def test_score_url_scoring_stays_under_the_doc_timeout(tmp_path, seed_server):
    svc = Service(tmp_path / "serve-doc-timeout-private.log", "--doc-timeout", "0.001", "--allow-private-urls")
    try:
        response = svc.client.post("/v1/score-url", json={"url": f"{seed_server}/{PAGE.name}"})
        assert response.status_code == 504, response.text
        assert "0.001 s per-document budget (detector serve --doc-timeout" in _error(response)["message"]
    finally:
        svc.close()
