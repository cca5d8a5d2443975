"""Safe URL fetching: http(s) only, bounded in time and size, text content only.

``fetch_url`` follows redirects itself so that every hop is checked again (scheme,
address). With ``allow_private=False`` (the HTTP service's default) a host that resolves
to a loopback, private, link-local, reserved, multicast or cloud-metadata address is
refused, and the connection goes to the address that was checked, so a second DNS answer
cannot swap in an internal one (DNS rebinding).

Every fetch is bounded in time and bytes whatever the server does: a watchdog shuts the
connection's socket down when the whole-fetch deadline passes (a server that drips header
bytes cannot hold the caller: httpx's own timeouts are per read), and the body is read
undecoded, capped, and only then decoded with the decoded size capped too (a server that
ignores ``Accept-Encoding: identity`` and sends a zstd or gzip bomb gets "too large").
"""

from __future__ import annotations

import io
import ipaddress
import socket
import threading
import time
import zlib
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx
import zstandard

from detector.document import RawDoc
from detector.errors import FetchError

DEFAULT_USER_AGENT = "boilerplate-detector/0.1 (content-quality check of scraped articles; python-httpx)"

ACCEPTED_TYPES: dict[str, str] = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/plain": "text",
}

# Hostnames that name a cloud metadata service whatever they resolve to.
METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata", "instance-data", "instance-data.ec2.internal"})

# Metadata endpoints that are not covered by the link-local / private ranges.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "100.100.100.200", "fd00:ec2::254", "192.0.0.192")
)

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


class BlockedURLError(FetchError):
    """The URL points at an address the fetcher is not allowed to reach (SSRF guard)."""


class InvalidURLError(FetchError):
    """The URL is not an absolute http(s) URL."""


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def is_blocked_address(ip: IPAddress) -> bool:
    """True for any address a public fetch must not reach."""
    if isinstance(ip, ipaddress.IPv6Address):
        # ::ffff:127.0.0.1 and friends reach the IPv4 address they embed
        mapped = ip.ipv4_mapped or ip.sixtofour
        if mapped is not None and is_blocked_address(mapped):
            return True
    return (
        ip in METADATA_ADDRESSES
        or ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
        or not ip.is_global  # shared address space (100.64/10), benchmarking, documentation ...
    )


@dataclass(frozen=True)
class _Target:
    """One hop: the URL as given and, when guarded, the checked addresses to connect to."""

    url: str
    scheme: str
    host: str
    port: int
    addresses: tuple[str, ...]


def _parse(url: str) -> tuple[str, str, int]:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidURLError(url, f"invalid URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise InvalidURLError(url, f"only http and https URLs can be fetched, not {scheme or 'a relative URL'!r}")
    host = parts.hostname
    if not host:
        raise InvalidURLError(url, "URL has no host")
    return scheme, host, port or (443 if scheme == "https" else 80)


def _resolve(host: str, port: int) -> list[str]:
    """All addresses ``host`` resolves to, in resolver order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: list[str] = []
    for *_, sockaddr in infos:
        addr = str(sockaddr[0]).split("%", 1)[0]  # drop an IPv6 zone id
        if addr not in seen:
            seen.append(addr)
    return seen


def _target(url: str, *, allow_private: bool) -> _Target:
    scheme, host, port = _parse(url)
    if allow_private:
        return _Target(url, scheme, host, port, ())
    if host.lower().rstrip(".") in METADATA_HOSTS:
        raise BlockedURLError(url, f"host {host!r} is a cloud metadata service; refusing to fetch it")
    try:
        addresses = _resolve(host, port)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(url, f"cannot resolve host {host!r} ({exc})") from None
    if not addresses:
        raise FetchError(url, f"cannot resolve host {host!r}")
    for addr in addresses:
        if is_blocked_address(ipaddress.ip_address(addr)):
            raise BlockedURLError(
                url,
                f"host {host!r} resolves to {addr}, a loopback/private/link-local/reserved address; "
                "refusing to fetch it (start the service with --allow-private-urls to allow)",
            )
    return _Target(url, scheme, host, port, tuple(addresses))


def _pinned(target: _Target, address: str) -> tuple[str, dict[str, str], dict[str, str]]:
    """The URL rewritten to connect to ``address``, the Host header, and the TLS server name."""
    parts = urlsplit(target.url)
    ip = ipaddress.ip_address(address)
    netloc_host = f"[{address}]" if ip.version == 6 else address
    netloc = f"{netloc_host}:{target.port}"
    url = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
    default_port = 443 if target.scheme == "https" else 80
    host_header = target.host if target.port == default_port else f"{target.host}:{target.port}"
    if ":" in target.host:  # an IPv6 literal host
        host_header = f"[{target.host}]" if target.port == default_port else f"[{target.host}]:{target.port}"
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    return url, {"Host": host_header}, extensions


def _content_type(response: httpx.Response) -> tuple[str, str | None]:
    raw = response.headers.get("content-type", "")
    media = raw.split(";", 1)[0].strip().lower()
    charset = None
    for param in raw.split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip("\"'") or None
    return media, charset


class _Deadline:
    """The whole-fetch deadline, enforced on the sockets: when it passes, every connection the
    fetch opened is shut down, which ends any read blocked on it (headers or body) at once.

    Sockets are collected through httpx's documented ``trace`` request extension
    (``connection.connect_tcp.complete`` carries the network stream)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, seconds), self._expire)
        self._timer.daemon = True
        self._timer.start()

    def trace(self, name: str, info: dict) -> None:
        if name != "connection.connect_tcp.complete":
            return
        stream = info.get("return_value")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is None:
            return
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shutdown(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shutdown(sock)

    def passed(self) -> bool:
        return self.expired or time.monotonic() > self.at

    def error(self, url: str) -> FetchError:
        return FetchError(url, f"timed out: the fetch took longer than its {self.seconds:g}s budget")

    def close(self) -> None:
        self._timer.cancel()


def _shutdown(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:  # already closed
        pass


def _read_capped(response: httpx.Response, url: str, max_bytes: int, deadline: _Deadline) -> bytes:
    """The body as sent (``iter_raw``: no decoding yet), at most ``max_bytes``."""
    declared = response.headers.get("content-length")
    if declared is not None and declared.strip().isdigit() and int(declared) > max_bytes:
        raise FetchError(url, f"response too large: {int(declared)} bytes declared, limit is {max_bytes}")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_raw():
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(url, f"response too large: more than {max_bytes} bytes")
        if deadline.passed():
            raise deadline.error(url)
        chunks.append(chunk)
    return b"".join(chunks)


def _content_codings(response: httpx.Response) -> list[str]:
    """The Content-Encoding codings in the order they were applied (identity left out)."""
    value = response.headers.get("content-encoding", "")
    return [c for c in (part.strip().lower() for part in value.split(",")) if c and c != "identity"]


def _decode_capped(data: bytes, coding: str, url: str, max_bytes: int) -> bytes:
    """Undo one content coding, never producing more than ``max_bytes`` (a 65 KB zstd bomb
    decodes to 4 GB): gzip / deflate with zlib's ``max_length``, zstd with a bounded read."""
    too_large = FetchError(url, f"response too large: more than {max_bytes} bytes once decoded ({coding})")
    try:
        if coding in ("gzip", "x-gzip", "deflate"):
            # 47 = 32 + 15: zlib or gzip header, detected; raw deflate (old servers' "deflate") as fallback
            for wbits in (47, -15) if coding == "deflate" else (47,):
                inflater = zlib.decompressobj(wbits=wbits)
                try:
                    out = inflater.decompress(data, max_bytes + 1)
                except zlib.error:
                    if wbits == 47 and coding == "deflate":
                        continue
                    raise
                if len(out) > max_bytes or inflater.unconsumed_tail:
                    raise too_large
                return out
        if coding == "zstd":
            reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data), read_across_frames=True)
            parts: list[bytes] = []
            size = 0
            while size <= max_bytes:
                part = reader.read(min(2**20, max_bytes + 1 - size))
                if not part:
                    return b"".join(parts)
                parts.append(part)
                size += len(part)
            raise too_large
    except (zlib.error, zstandard.ZstdError) as exc:
        raise FetchError(url, f"cannot decode the {coding} response body ({exc})") from None
    raise FetchError(url, f"unsupported Content-Encoding {coding!r} (the fetcher asked for identity)")


def _describe(exc: httpx.HTTPError, timeout: float) -> str:
    if isinstance(exc, httpx.ConnectTimeout):
        return f"timed out connecting (after {timeout:g}s)"
    if isinstance(exc, (httpx.ReadTimeout, httpx.WriteTimeout, httpx.PoolTimeout)):
        return f"timed out waiting for the server (no data for {timeout:g}s)"
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect ({exc or 'connection refused'})"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"the server sent a broken HTTP response ({exc})"
    if isinstance(exc, httpx.DecodingError):
        return f"cannot decode the response body ({exc})"
    return f"request failed ({type(exc).__name__}: {exc})"


def _send(
    client: httpx.Client, target: _Target, headers: dict[str, str], timeout: float, deadline: _Deadline
) -> httpx.Response:
    """Send one hop and return the streamed response (the caller closes it). When guarded,
    connect to each checked address in turn until one answers."""
    traced = {"trace": deadline.trace}
    if not target.addresses:
        attempts = [client.build_request("GET", target.url, headers=headers, extensions=traced)]
    else:
        attempts = []
        for address in target.addresses:
            url, host_header, extensions = _pinned(target, address)
            attempts.append(
                client.build_request("GET", url, headers={**headers, **host_header}, extensions={**extensions, **traced})
            )
    last: httpx.HTTPError | None = None
    for request in attempts:
        if deadline.passed():
            raise deadline.error(target.url)
        try:
            return client.send(request, stream=True)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            last = exc
        except httpx.HTTPError as exc:
            if deadline.passed():
                raise deadline.error(target.url) from None
            raise FetchError(target.url, _describe(exc, timeout)) from None
    assert last is not None
    if deadline.passed():
        raise deadline.error(target.url)
    raise FetchError(target.url, _describe(last, timeout)) from None


def fetch_url(
    url: str,
    *,
    timeout: float = 10.0,
    max_bytes: int = 10 * 2**20,
    max_redirects: int = 5,
    allow_private: bool = True,
    user_agent: str = DEFAULT_USER_AGENT,
    total_timeout: float | None = None,
) -> RawDoc:
    """Fetch an HTML or plain-text page and return it as a ``RawDoc`` (undecoded bytes).

    ``timeout`` bounds connecting and each wait for data; ``total_timeout`` (default
    3 x ``timeout``) bounds the whole fetch including redirects, waiting for the response
    headers included, so a server that drips bytes cannot hold the caller. ``max_bytes``
    bounds the body both as sent and once its Content-Encoding (gzip, deflate, zstd; others
    are refused) is undone. Every failure raises ``FetchError`` naming the URL.
    """
    if not isinstance(url, str) or not url.strip():
        raise InvalidURLError(str(url), "empty URL")
    url = url.strip()
    deadline = _Deadline(total_timeout if total_timeout is not None else 3 * timeout)
    try:
        return _fetch(url, deadline, timeout=timeout, max_bytes=max_bytes, max_redirects=max_redirects,
                      allow_private=allow_private, user_agent=user_agent)
    finally:
        deadline.close()


def _fetch(
    url: str, deadline: _Deadline, *, timeout: float, max_bytes: int, max_redirects: int, allow_private: bool,
    user_agent: str,
) -> RawDoc:
    headers = {
        "User-Agent": user_agent,
        "Accept": "text/html,application/xhtml+xml;q=0.9,text/plain;q=0.8",
        # no compression: the size cap then bounds what we hold, with no decompression bomb
        "Accept-Encoding": "identity",
    }
    # The environment's proxy settings are ignored when guarding: a proxy would connect
    # to whatever the name resolves to on its side, bypassing the address check.
    with httpx.Client(
        timeout=httpx.Timeout(timeout), follow_redirects=False, trust_env=allow_private, verify=True
    ) as client:
        current = url
        for hop in range(max_redirects + 1):
            if deadline.passed():
                raise deadline.error(url)
            target = _target(current, allow_private=allow_private)
            response = _send(client, target, headers, timeout, deadline)
            try:
                if response.status_code in _REDIRECT_STATUSES:
                    location = response.headers.get("location")
                    if not location:
                        raise FetchError(current, f"redirect (HTTP {response.status_code}) without a Location header")
                    if hop == max_redirects:
                        raise FetchError(url, f"too many redirects (more than {max_redirects})")
                    current = urljoin(current, location.strip())
                    continue
                if response.status_code >= 400:
                    raise FetchError(current, f"HTTP {response.status_code} {response.reason_phrase}".rstrip())
                if response.status_code >= 300:
                    raise FetchError(current, f"unexpected HTTP {response.status_code} response")
                media, charset = _content_type(response)
                if media not in ACCEPTED_TYPES:
                    shown = media or "no content type"
                    raise FetchError(
                        current, f"unsupported content type {shown!r} (only text/html, application/xhtml+xml, text/plain)"
                    )
                try:
                    content = _read_capped(response, current, max_bytes, deadline)
                except httpx.HTTPError as exc:
                    if deadline.passed():
                        raise deadline.error(current) from None
                    raise FetchError(current, _describe(exc, timeout)) from None
                for coding in reversed(_content_codings(response)):
                    content = _decode_capped(content, coding, current, max_bytes)
                return RawDoc(
                    id=url,
                    content=content,
                    url=current,
                    format=ACCEPTED_TYPES[media],  # type: ignore[arg-type]
                    encoding=charset,
                    content_type=response.headers.get("content-type"),
                )
            finally:
                response.close()
        raise FetchError(url, f"too many redirects (more than {max_redirects})")
