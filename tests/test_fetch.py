"""Safe URL fetching against a local HTTP server on 127.0.0.1."""

from __future__ import annotations

import gzip
import ipaddress
import socket
import threading
import time
import tracemalloc
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import zstandard

from detector import fetch
from detector.errors import FetchError
from detector.fetch import BlockedURLError, InvalidURLError, fetch_url, is_blocked_address

PAGE = "<html><head><title>Café</title></head><body><p>Grüße aus der Stadt.</p></body></html>"
# 256 MiB of zeros in a few KB: what a server ignoring "Accept-Encoding: identity" can send
ZSTD_BOMB = zstandard.ZstdCompressor(level=3).compress(b"\0" * 256 * 2**20)
DRIP_HEADERS = 200  # a header line every 50 ms: 10 s of headers
drips: dict[str, int] = {}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def _send(self, status: int, body: bytes, ctype: str | None, *, length: bool = True, headers=()) -> None:
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for k, v in headers:
            self.send_header(k, v)
        if length:
            self.send_header("Content-Length", str(len(body)))
        else:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        if not length:
            self.close_connection = True

    def _redirect(self, status: int, location: str) -> None:
        self._send(status, b"", None, headers=[("Location", location)])

    def do_GET(self) -> None:  # noqa: N802
        path = self.path
        if path == "/page.html":
            self._send(200, PAGE.encode("utf-8"), "text/html; charset=utf-8")
        elif path == "/latin1.html":
            self._send(200, PAGE.encode("latin-1"), 'text/html; charset="ISO-8859-1"')
        elif path == "/plain.txt":
            self._send(200, b"Just text.\n\nTwo paragraphs.", "text/plain")
        elif path == "/xhtml":
            self._send(200, PAGE.encode(), "application/xhtml+xml")
        elif path == "/r1":
            self._redirect(302, "/r2")
        elif path == "/r2":
            self._redirect(301, f"http://127.0.0.1:{self.server.server_port}/r3")
        elif path == "/r3":
            self._redirect(307, "page.html")
        elif path.startswith("/loop/"):
            n = int(path.rsplit("/", 1)[1])
            self._redirect(302, f"/loop/{n + 1}")
        elif path == "/no-location":
            self._send(302, b"", None)
        elif path == "/big":
            self._send(200, b"<p>" + b"x" * 300_000 + b"</p>", "text/html")
        elif path == "/big-stream":
            # no Content-Length: only the streaming counter can stop it
            self._send(200, b"<p>" + b"y" * 300_000 + b"</p>", "text/html", length=False)
        elif path == "/pdf":
            self._send(200, b"%PDF-1.4 ...", "application/pdf")
        elif path == "/no-type":
            self._send(200, b"<p>hi</p>", None)
        elif path == "/missing":
            self._send(404, b"not here", "text/plain")
        elif path == "/error":
            self._send(500, b"boom", "text/plain")
        elif path == "/slow":
            time.sleep(1.5)
            self._send(200, b"<p>late</p>", "text/html")
        elif path == "/to-private":
            self._redirect(302, "http://10.1.2.3/secret")
        elif path == "/to-ftp":
            self._redirect(302, "ftp://127.0.0.1/file")
        elif path == "/drip-headers":
            # headers one byte line at a time, each well inside the per-read timeout
            sent = 0
            try:
                self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n")
                for sent in range(1, DRIP_HEADERS + 1):
                    self.wfile.write(f"X-Drip-{sent}: x\r\n".encode())
                    self.wfile.flush()
                    time.sleep(0.05)
                self.wfile.write(b"Content-Length: 9\r\n\r\n<p>hi</p>")
            except OSError:
                pass
            finally:
                drips[self.path] = sent
            self.close_connection = True
        elif path == "/zstd-bomb":
            self._send(200, ZSTD_BOMB, "text/html", headers=[("Content-Encoding", "zstd")])
        elif path == "/gzip-page":
            self._send(200, gzip.compress(PAGE.encode()), "text/html; charset=utf-8", headers=[("Content-Encoding", "gzip")])
        elif path == "/brotli":
            self._send(200, b"\x1b\x03\x00\xf8", "text/html", headers=[("Content-Encoding", "br")])
        elif path == "/echo-host":
            self._send(200, self.headers.get("Host", "").encode(), "text/plain")
        else:
            self._send(404, b"", "text/plain")


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        # the fetcher hangs up on purpose (size cap, timeout): not an error here
        pass


@pytest.fixture(scope="module")
def server():
    httpd = QuietServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


def test_html_page(server):
    raw = fetch_url(f"{server}/page.html")
    assert raw.format == "html"
    assert raw.encoding == "utf-8"
    assert raw.content == PAGE.encode("utf-8")
    assert raw.id == raw.url == f"{server}/page.html"
    assert raw.content_type.startswith("text/html")


def test_charset_from_header(server):
    raw = fetch_url(f"{server}/latin1.html")
    assert raw.encoding == "ISO-8859-1"
    assert raw.content.decode(raw.encoding) == PAGE


def test_plain_text_and_xhtml(server):
    raw = fetch_url(f"{server}/plain.txt")
    assert raw.format == "text"
    assert raw.encoding is None
    assert raw.content.startswith(b"Just text.")
    assert fetch_url(f"{server}/xhtml").format == "html"


def test_redirect_chain_is_followed(server):
    raw = fetch_url(f"{server}/r1")
    assert raw.id == f"{server}/r1"
    assert raw.url == f"{server}/page.html"
    assert raw.content == PAGE.encode("utf-8")


def test_redirect_limit(server):
    # r1 -> r2 -> r3 -> page.html is three redirects
    assert fetch_url(f"{server}/r1", max_redirects=3).url.endswith("/page.html")
    with pytest.raises(FetchError, match="too many redirects"):
        fetch_url(f"{server}/r1", max_redirects=2)
    with pytest.raises(FetchError, match=r"too many redirects \(more than 5\)"):
        fetch_url(f"{server}/loop/0")


def test_redirect_without_location(server):
    with pytest.raises(FetchError, match="without a Location"):
        fetch_url(f"{server}/no-location")


def test_redirect_to_other_scheme_refused(server):
    with pytest.raises(InvalidURLError, match="only http and https"):
        fetch_url(f"{server}/to-ftp")


def test_too_large(server):
    with pytest.raises(FetchError, match="too large: 300007 bytes declared"):
        fetch_url(f"{server}/big", max_bytes=100_000)
    with pytest.raises(FetchError, match="too large: more than 100000 bytes"):
        fetch_url(f"{server}/big-stream", max_bytes=100_000)
    assert len(fetch_url(f"{server}/big-stream", max_bytes=400_000).content) == 300_007


def test_wrong_content_type(server):
    with pytest.raises(FetchError, match="unsupported content type 'application/pdf'"):
        fetch_url(f"{server}/pdf")
    with pytest.raises(FetchError, match="no content type"):
        fetch_url(f"{server}/no-type")


def test_http_errors(server):
    with pytest.raises(FetchError, match="HTTP 404") as info:
        fetch_url(f"{server}/missing")
    assert info.value.url == f"{server}/missing"
    with pytest.raises(FetchError, match="HTTP 500"):
        fetch_url(f"{server}/error")


def test_unreachable_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    with pytest.raises(FetchError, match="cannot connect"):
        fetch_url(f"http://127.0.0.1:{port}/", timeout=2)


def test_timeout(server):
    with pytest.raises(FetchError, match="timed out"):
        fetch_url(f"{server}/slow", timeout=0.2)


@pytest.mark.parametrize("url", ["ftp://example.com/x", "file:///etc/passwd", "/relative", "http://", "not a url", ""])
def test_invalid_urls(url):
    with pytest.raises(InvalidURLError):
        fetch_url(url)


def test_ssrf_guard_refuses_loopback(server):
    with pytest.raises(BlockedURLError, match="resolves to 127.0.0.1") as info:
        fetch_url(f"{server}/page.html", allow_private=False)
    assert "--allow-private-urls" in str(info.value)
    port = server.rsplit(":", 1)[1]
    with pytest.raises(BlockedURLError):
        fetch_url(f"http://localhost:{port}/page.html", allow_private=False)
    with pytest.raises(BlockedURLError, match="metadata"):
        fetch_url("http://metadata.google.internal/computeMetadata/v1/", allow_private=False)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1", "127.8.9.10", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "100.100.100.200",
        "100.64.0.1", "0.0.0.0", "224.0.0.1", "240.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fc00::1",
        "fd00:ec2::254", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "2002:7f00:1::",
    ],
)
def test_blocked_addresses(address):
    assert is_blocked_address(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_allowed(address):
    assert not is_blocked_address(ipaddress.ip_address(address))


def test_every_redirect_hop_is_checked(server, monkeypatch):
    # Treat loopback as public so the first hop passes; the redirect to 10.1.2.3 must
    # still be refused before any connection is tried.
    def blocked(ip):
        return ip in ipaddress.ip_network("10.0.0.0/8")

    monkeypatch.setattr(fetch, "is_blocked_address", blocked)
    assert fetch_url(f"{server}/page.html", allow_private=False).content == PAGE.encode()
    with pytest.raises(BlockedURLError, match="10.1.2.3"):
        fetch_url(f"{server}/to-private", allow_private=False)


def test_guarded_fetch_connects_to_checked_address_with_original_host(server, monkeypatch):
    monkeypatch.setattr(fetch, "is_blocked_address", lambda ip: False)
    port = server.rsplit(":", 1)[1]
    raw = fetch_url(f"http://localhost:{port}/echo-host", allow_private=False)
    assert raw.content == f"localhost:{port}".encode()
    assert raw.url == f"http://localhost:{port}/echo-host"


def test_resolution_failure_is_a_fetch_error(monkeypatch):
    def fail(host, port):
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(fetch, "_resolve", fail)
    with pytest.raises(FetchError, match="cannot resolve host 'no-such-host.invalid'"):
        fetch_url("http://no-such-host.invalid/", allow_private=False)


def test_deadline_holds_while_headers_drip(server):
    # finding 9: each header line comes well inside the 1 s read timeout, so only the whole-fetch
    # deadline can stop it; the server counts how many lines it got out before the client left
    with pytest.raises(FetchError, match="timed out"):
        fetch_url(f"{server}/drip-headers", timeout=1.0, total_timeout=1.0)
    for _ in range(100):  # the server notices the hang-up on its next write
        if "/drip-headers" in drips:
            break
        time.sleep(0.05)
    assert drips.get("/drip-headers", DRIP_HEADERS) < DRIP_HEADERS / 2


def test_content_encoding_bomb_is_bounded_in_memory(server):
    # finding 10: identity was asked, zstd came: 256 MiB decoded from a few KB must not be held
    tracemalloc.start()
    try:
        with pytest.raises(FetchError, match="too large"):
            fetch_url(f"{server}/zstd-bomb", max_bytes=1_000_000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 32 * 2**20, f"peak {peak / 2**20:.0f} MiB while decoding"


def test_compressed_page_is_decoded_and_unknown_coding_refused(server):
    assert fetch_url(f"{server}/gzip-page").content == PAGE.encode()
    with pytest.raises(FetchError, match="unsupported Content-Encoding 'br'"):
        fetch_url(f"{server}/brotli")
