"""Input-robustness defects of the HTTP service and ``detector serve``: a body that is not UTF-8 or
is nested past the JSON parser's depth (422 ``invalid_json``, not 400), an address the server
cannot listen on (one line, exit 2, before the model loads) and timeouts no timer can wait
(``inf``, ``1e12``: refused, not a dying watchdog thread on every request)."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from hostile_helpers import StubDetector, running_app

from detector.cli import EXIT_BAD_INPUT, build_parser
from detector.config import MAX_SECONDS
from detector.service import create_app

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def served():
    with running_app(create_app(detector=StubDetector(), threads=1)) as base:
        yield base


def _post(base: str, path: str, body: bytes) -> httpx.Response:
    with httpx.Client(trust_env=False, timeout=60) as client:
        return client.post(base + path, content=body, headers={"content-type": "application/json"})


def _invalid_json(response: httpx.Response) -> str:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["type"] == "invalid_json", error
    return error["message"]


@pytest.mark.parametrize("path", ["/v1/score", "/v1/filter", "/v1/score-url"])
def test_body_not_utf8_is_422_invalid_json(served, path):
    message = _invalid_json(_post(served, path, b'{"text": "caf\xe9"}'))
    assert "not UTF-8" in message and "0xe9" in message, message


@pytest.mark.parametrize("depth", [5_000, 100_000])
@pytest.mark.parametrize("path", ["/v1/score", "/v1/filter"])
def test_deeply_nested_body_is_422_invalid_json(served, path, depth):
    body = b'{"documents": ' + b"[" * depth + b"]" * depth + b"}"
    assert "nested too deeply" in _invalid_json(_post(served, path, body))


def test_parseable_bodies_still_answer_as_before(served):
    assert _post(served, "/v1/score", '{"text": "café"}'.encode()).json()["text"] == "café"
    assert "not valid JSON" in _invalid_json(_post(served, "/v1/score", b'{"text": "x"'))


@pytest.mark.parametrize("ctype", ["application/x-www-form-urlencoded", "text/plain", None])
def test_a_body_sent_without_a_json_content_type_is_told_to_send_one(served, ctype):
    """curl -d sends a form: the 422 said only 'Input should be a valid dictionary ...'."""
    headers = {"content-type": ctype} if ctype else {}
    with httpx.Client(trust_env=False, timeout=60) as client:
        response = client.post(served + "/v1/filter", content=b'{"documents": [{"text": "x"}]}', headers=headers)
    assert response.status_code == 422
    message = response.json()["error"]["message"]
    assert message.startswith("send the body as JSON with Content-Type: application/json") and "\n" not in message
    assert "Content-Type" not in _invalid_json(_post(served, "/v1/score", b'{"text": "x"'))  # a JSON body: as before


def _serve(*args: str) -> subprocess.CompletedProcess[str]:
    """``detector serve`` in a child process: if it started a server after all, the timeout ends it."""
    return subprocess.run([sys.executable, "-m", "detector", "serve", "--log-level", "warning", *args],
                          capture_output=True, text=True, timeout=600, cwd=ROOT)


def test_serve_on_a_port_in_use_is_one_line_and_exit_2():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        done = _serve("--host", "127.0.0.1", "--port", str(port))
    assert done.returncode == EXIT_BAD_INPUT, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and f"127.0.0.1:{port}" in lines[0] and "in use" in lines[0], done.stderr


def test_serve_on_a_host_that_does_not_resolve_is_one_line_and_exit_2():
    done = _serve("--host", "256.1.1.1", "--port", "0")
    assert done.returncode == EXIT_BAD_INPUT, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "--host 256.1.1.1" in lines[0], done.stderr


@pytest.mark.parametrize("value", ["inf", "1e12", str(MAX_SECONDS * 2)])
@pytest.mark.parametrize(
    "argv, option",
    [
        (["serve"], "--doc-timeout"),
        (["serve"], "--request-timeout"),
        (["serve"], "--header-timeout"),
        (["score", "page.html"], "--doc-timeout"),
        (["score", "page.html"], "--timeout"),
        (["clean", "in", "-o", "out"], "--doc-timeout"),
        (["filter"], "--doc-timeout"),
    ],
)
def test_a_timeout_no_timer_can_wait_is_a_usage_error(capsys, argv, option, value):
    # parse only: on code that accepts the value nothing is run (no server starts)
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args([*argv, option, value])
    assert exit_.value.code == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert f"argument {option}" in err and f"at most {MAX_SECONDS:g} seconds" in err, err


def test_a_timeout_of_a_day_is_accepted():
    args = build_parser().parse_args(["serve", "--request-timeout", f"{MAX_SECONDS:g}",
                                      "--doc-timeout", f"{MAX_SECONDS:g}"])
    assert args.request_timeout == args.doc_timeout == MAX_SECONDS


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"request_timeout": float("inf")}, "request_timeout"),
        ({"header_timeout": 1e12}, "header_timeout"),
        ({"body_timeout": float("inf")}, "body_timeout"),
    ],
)
def test_create_app_refuses_a_timeout_no_timer_can_wait(kwargs, name):
    with pytest.raises(ValueError, match=name):
        create_app(detector=StubDetector(), **kwargs)
