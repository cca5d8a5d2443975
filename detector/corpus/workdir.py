"""The work folder of a run (``OUTPUT.shards/``): its layout, the manifest that decides whether an
earlier run's shards can be reused, and the lock that keeps two runs out of one folder.

- ``lock``: a file holding the owner's pid, locked with ``flock`` while the run lives. The kernel
  drops the lock when the process dies (even by SIGKILL), so a stale lock of a dead run is simply
  taken over; a live owner makes the second run stop with its pid.
- ``manifest.json``: the digest of the inputs (path, size, mtime), options, config and model.
  A rerun with the same digest resumes; any other digest starts over.
- ``extract/NNNNNN.pkl.zst`` + ``.counts`` (pass 1), ``extract.done``, ``templates.pkl``,
  ``out/NNNNNN.*`` (pass 2: output, rejects, errors, tally), each made complete by its marker.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from typing import Any

from detector.atomic import atomic_write_json
from detector.errors import InputError

__all__ = ["Layout", "WorkDir", "manifest_of"]

MANIFEST = "manifest.json"
LOCK = "lock"
_OURS = frozenset({MANIFEST, LOCK, "extract", "out", "extract.done", "templates.pkl"})


@dataclass(frozen=True)
class Layout:
    work: str
    fmt: str
    rejects_fmt: str

    def spill(self, i: int) -> str:
        return os.path.join(self.work, "extract", f"{i:06d}.pkl.zst")

    def counts(self, i: int) -> str:
        return os.path.join(self.work, "extract", f"{i:06d}.counts")

    def output(self, i: int) -> str:
        return os.path.join(self.work, "out", f"{i:06d}.{self.fmt}")

    def rejects(self, i: int) -> str:
        return os.path.join(self.work, "out", f"{i:06d}.rejects.{self.rejects_fmt}")

    def errors(self, i: int) -> str:
        return os.path.join(self.work, "out", f"{i:06d}.errors.jsonl")

    def tally(self, i: int) -> str:
        return os.path.join(self.work, "out", f"{i:06d}.tally.json")

    @property
    def extract_done(self) -> str:
        return os.path.join(self.work, "extract.done")

    @property
    def templates(self) -> str:
        return os.path.join(self.work, "templates.pkl")


def manifest_of(sources: list[Any], options: Any, config: Any, fmt: str, rejects_fmt: str) -> dict[str, Any]:
    """What a run's shards depend on (not: workers, engine, quiet, resume, where rejects go)."""
    from detector import __version__
    from detector.model import shipped_model_path

    def stat(path: str) -> list[Any]:
        try:
            st = os.stat(path)
            return [path, st.st_size, st.st_mtime_ns]
        except (OSError, ValueError):
            return [path, None, None]

    ignored = {"workers", "quiet", "resume", "rejects"}
    opts = {k: v for k, v in dataclasses.asdict(options).items() if k not in ignored}
    model = config.model_path or shipped_model_path()
    return {
        "version": __version__,
        "format": fmt,
        "rejects_format": rejects_fmt,
        "inputs": [[*stat(s.location), s.path, s.format] for s in sources],
        "options": opts,
        "config": config.to_dict(),
        "model": stat(str(model)),
    }


class WorkDir:
    """The locked work folder. ``open(manifest, resume)`` returns True when an earlier run's
    shards are reused; ``remove()`` deletes the folder (lock included) at the end of the run."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._fd: int | None = None

    def lock(self) -> None:
        """Take the folder's lock or raise ``InputError`` naming the live run that holds it."""
        import fcntl

        try:
            os.makedirs(self.path, exist_ok=True)
        except OSError as exc:
            raise InputError(self.path, f"cannot create the work folder: {exc.strerror or exc}") from exc
        lock = os.path.join(self.path, LOCK)
        while True:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                owner = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "?"
                os.close(fd)
                raise InputError(self.path, f"another `detector clean` run (pid {owner}) is writing this output; "
                                            "wait for it to finish or choose another -o") from None
            try:  # the file we locked may have been removed by the run that finished just now
                same = os.fstat(fd).st_ino == os.stat(lock).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def open(self, manifest: dict[str, Any], resume: bool) -> bool:
        text = json.dumps(manifest, sort_keys=True, default=str)
        digest = hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()
        path = os.path.join(self.path, MANIFEST)
        names = set(os.listdir(self.path)) - {LOCK}
        foreign = {n for n in names if n not in _OURS and not n.endswith(".tmp")}
        if foreign:
            raise InputError(self.path, f"exists and holds files `detector clean` did not make ({sorted(foreign)[0]}); "
                                        "remove it or choose another -o")
        try:
            with open(path, encoding="utf-8") as fh:
                old = json.load(fh).get("digest")
        except (OSError, ValueError):
            old = None
        if resume and old == digest:
            return True
        for name in names:  # start over: everything but the lock we hold
            full = os.path.join(self.path, name)
            if os.path.isdir(full):
                shutil.rmtree(full)
            else:
                os.unlink(full)
        os.makedirs(os.path.join(self.path, "extract"), exist_ok=True)
        os.makedirs(os.path.join(self.path, "out"), exist_ok=True)
        atomic_write_json(path, {"digest": digest, "manifest": manifest})
        return False

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        self.release()

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
