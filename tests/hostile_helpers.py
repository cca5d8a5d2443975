"""Servers and stand-ins for the hostile-input tests: everything listens on 127.0.0.1 and every
loop is bounded."""

from __future__ import annotations

import contextlib
import io
import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

DRIP_LINES = 200  # header lines, one every 50 ms: 10 s of headers at most


class DripServer:
    """An HTTP server that answers every request with its headers one line at a time, each well
    inside any per-read timeout; ``sent`` is how many lines went out before the client left."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/page"
        self.sent: list[int] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        sent = 0
        try:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n")
            for sent in range(1, DRIP_LINES + 1):
                conn.sendall(f"X-Drip-{sent}: x\r\n".encode())
                time.sleep(0.05)
            conn.sendall(b"Content-Length: 9\r\n\r\n<p>hi</p>")
        except OSError:
            pass
        finally:
            self.sent.append(sent)
            conn.close()

    def wait_for_hangup(self, count: int = 1) -> list[int]:
        for _ in range(300):  # the server notices the hang-up on its next write
            if len(self.sent) >= count:
                break
            time.sleep(0.05)
        return list(self.sent)

    def close(self) -> None:
        self.sock.close()


@dataclass
class StubResult:
    """Looks like both a ``Result`` and a ``Decision`` (kept, score 1, no flags)."""

    text: str
    keep: bool = True
    score: float = 1.0
    reasons: tuple[str, ...] = ()
    title: str | None = None
    quality: Any = field(default_factory=lambda: SimpleNamespace(flags=()))

    @property
    def result(self) -> StubResult:
        return self

    @property
    def clean_text(self) -> str:
        return self.text

    def to_dict(self, details: bool = True) -> dict[str, Any]:
        return {"text": self.text, "clean_text": self.text, "keep": self.keep, "score": self.score,
                "reasons": list(self.reasons)}


class StubDetector:
    """Answers at once, except for the text "spin": then it burns CPU in Python (at most 20 s)
    and records whether it was stopped before finishing."""

    config = None

    def __init__(self) -> None:
        self.stopped: list[float] = []
        self.finished = 0

    def _work(self, text: str) -> StubResult:
        if text == "spin":
            start = time.monotonic()
            try:
                while time.monotonic() - start < 20:
                    sum(range(1000))
            except BaseException:
                self.stopped.append(time.monotonic() - start)
                raise
            self.finished += 1
        return StubResult(text)

    def score(self, raw: Any) -> StubResult:
        return self._work(raw.content)

    def filter(self, raw: Any, min_quality: float | None = None) -> StubResult:
        return self._work(raw.content)


@contextmanager
def running_app(app: Any, **uvicorn_options: Any):
    """Serve ``app`` with uvicorn (and the service's header-timeout protocol) in a thread on
    127.0.0.1; yields the base URL."""
    import uvicorn

    from detector.service import HeaderTimeoutH11Protocol

    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="error", http=HeaderTimeoutH11Protocol,
                            **uvicorn_options)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(600):
            if server.started:
                break
            time.sleep(0.05)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def run_cli(*argv: str) -> tuple[int, str, str]:
    """``detector ARGV`` in this process: ``(exit code, stdout, stderr)``; an argparse usage
    error's ``SystemExit`` is its code."""
    from detector.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse usage errors
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()
