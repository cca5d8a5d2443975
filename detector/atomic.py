"""Atomic file writes: the one way the project replaces a file (batch shards and markers, the
HTML report, ``detector filter --rejects``, the model and its card, synthetic pages).

The data goes to a temporary file beside the target (same folder, so the same file system)
named ``.NAME.PID.RANDOM.tmp``, which is renamed over the target (``os.replace``, atomic on
POSIX and Windows) only once it is complete. A reader sees the old file or the new one, never
half of one; a crash leaves at most the hidden temporary file (``remove_stale_temps`` clears
such leftovers: ``detector clean`` calls it when a run starts), and a failed write removes it.
The temporary file is created with mode 0o666 filtered by the umask (not ``mkstemp``'s 0o600),
so the result gets the permissions any other new file would.

    with atomic_open("out.jsonl") as fh:        # binary; mode="w" for text
        fh.write(b"...")
    with atomic_path("model.joblib") as tmp:    # for writers that want a file name
        joblib.dump(obj, tmp)
    atomic_write_json("stats.json", {"documents": 3})
    remove_stale_temps("out/")                  # a rerun after a crash: its writers' leftovers go

Errors: ``OSError`` naming the target path (a full disk says which file could not be written).
"""

from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

__all__ = ["AtomicFile", "atomic_open", "atomic_path", "atomic_write_bytes", "atomic_write_json",
           "atomic_write_text", "remove_stale_temps"]

StrPath = str | os.PathLike[str]

_TEMP = re.compile(r"\.(?P<name>.+)\.(?P<pid>[0-9]+)\.[0-9a-f]{8}\.tmp")
"""The name ``_temp_name`` gives: ``.NAME.PID.RANDOM.tmp`` (RANDOM: 8 hex digits)."""


def _temp_name(path: str) -> str:
    head, name = os.path.split(os.path.abspath(path))
    return os.path.join(head, f".{name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")


def _alive(pid: int) -> bool:
    """Whether process ``pid`` may be running on this machine (one of another user counts). On
    Windows, where ``os.kill`` would end the process, every pid counts as running."""
    if os.name == "nt":
        return True
    if not 0 < pid < 2**31:
        return False
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temps(folder: StrPath, names: set[str] | frozenset[str] | None = None) -> list[str]:
    """Remove the temporary files atomic writes left in ``folder`` (not its subfolders) when their
    writer died (a crash, ``kill -9``): the files named ``.NAME.PID.RANDOM.tmp`` as this module
    names them, whose writer PID is no live process on this machine (a live writer's file is being
    written). With ``names``, only the temporaries of those target names (``out.jsonl``). Nothing
    else is touched. Returns the removed paths, sorted.

    Errors: none raised; a folder that cannot be listed, or a file that cannot be removed, is
    skipped (it is only clutter, and the next run tries again)."""
    folder = os.fspath(folder)
    try:
        entries = os.listdir(folder)
    except OSError:
        return []
    removed = []
    for entry in sorted(entries):
        match = _TEMP.fullmatch(entry)
        if match is None or (names is not None and match["name"] not in names) or _alive(int(match["pid"])):
            continue
        path = os.path.join(folder, entry)
        try:
            if os.path.isfile(path) and not os.path.islink(path):
                os.unlink(path)
                removed.append(path)
        except OSError:
            continue
    return removed


def _named(exc: OSError, path: str) -> OSError:
    """``exc`` with the path it is about, when it names none."""
    if exc.filename is None:
        return OSError(exc.errno, exc.strerror or str(exc), path)
    return exc


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


class AtomicFile:
    """A file open for writing under a temporary name beside ``path``; ``commit()`` renames it
    over ``path``, ``discard()`` removes it. Used as a context manager it commits when the block
    ends normally and discards on an exception; ``handle`` is the open file (``mode`` ``"wb"``
    or ``"w"``, text in ``encoding``). Raises ``OSError`` naming ``path``."""

    def __init__(self, path: StrPath, mode: str = "wb", encoding: str | None = None) -> None:
        if mode not in ("wb", "w"):
            raise ValueError(f"AtomicFile writes with mode 'wb' or 'w', not {mode!r}")
        self.path = os.fspath(path)
        self.tmp = _temp_name(self.path)
        try:
            fd = os.open(self.tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except OSError as exc:
            raise _named(exc, self.path) from exc
        self.handle: IO[Any] = os.fdopen(fd, mode, encoding=encoding if mode == "w" else None)
        self.done = False

    def commit(self) -> None:
        self._finish(keep=True)

    def discard(self) -> None:
        self._finish(keep=False)

    def _finish(self, keep: bool) -> None:
        if self.done:
            return
        self.done = True
        try:
            self.handle.close()
            if keep:
                os.replace(self.tmp, self.path)
                return
        except OSError as exc:
            _remove(self.tmp)
            raise _named(exc, self.path) from exc
        _remove(self.tmp)

    def __enter__(self) -> IO[Any]:
        return self.handle

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        if exc is None:
            self.commit()
            return
        self.discard()
        if isinstance(exc, OSError) and exc.filename is None:  # a full disk says which file
            raise _named(exc, self.path) from exc


def atomic_open(path: StrPath, mode: str = "wb", encoding: str | None = None) -> AtomicFile:
    """``with atomic_open(path) as fh: ...``: write ``fh``; ``path`` is replaced when the block
    ends without an exception, and left as it was otherwise."""
    return AtomicFile(path, mode, encoding)


@contextmanager
def atomic_path(path: StrPath) -> Iterator[str]:
    """A temporary file name beside ``path`` for a writer that opens the file itself (joblib,
    pyarrow); renamed over ``path`` when the block ends normally, removed otherwise."""
    target = AtomicFile(path)
    target.handle.close()
    with target:
        yield target.tmp


def atomic_write_bytes(path: StrPath, data: bytes) -> None:
    with atomic_open(path) as fh:
        fh.write(data)


def atomic_write_text(path: StrPath, text: str, encoding: str = "utf-8") -> None:
    """``text`` in ``encoding``; a character it cannot encode (a lone surrogate) is written as its
    ``\\uXXXX`` escape rather than failing."""
    atomic_write_bytes(path, text.encode(encoding, "backslashreplace"))


def atomic_write_json(path: StrPath, obj: Any, *, sort_keys: bool = False) -> None:
    """``obj`` as indented UTF-8 JSON with a final newline (a lone surrogate is written as its
    ``\\udXXX`` escape)."""
    atomic_write_text(path, json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=sort_keys) + "\n")
