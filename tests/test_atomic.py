"""``detector.atomic``: the one atomic write, and the writers that go through it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from detector.atomic import AtomicFile, atomic_open, atomic_path, atomic_write_json, atomic_write_text
from detector.filtering import RejectsFile


def _leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "out.jsonl"
    target.write_bytes(b"old\n")
    with pytest.raises(RuntimeError):
        with atomic_open(target) as fh:
            fh.write(b"half a new file")
            raise RuntimeError("crash in the middle")
    assert target.read_bytes() == b"old\n"
    assert _leftovers(tmp_path) == []


def test_the_target_changes_only_at_commit(tmp_path):
    target = tmp_path / "rejects.jsonl"
    target.write_bytes(b"old\n")
    f = AtomicFile(target)
    f.handle.write(b"new\n")
    f.handle.flush()
    assert target.read_bytes() == b"old\n" and len(_leftovers(tmp_path)) == 1
    f.commit()
    assert target.read_bytes() == b"new\n" and _leftovers(tmp_path) == []


def test_the_new_file_gets_the_umask_permissions_not_mkstemps(tmp_path):
    old = os.umask(0o022)
    try:
        atomic_write_text(tmp_path / "page.html", "<p>x</p>")
    finally:
        os.umask(old)
    assert (tmp_path / "page.html").stat().st_mode & 0o777 == 0o644


def test_a_missing_folder_is_an_error_naming_the_target(tmp_path):
    target = tmp_path / "no-such-dir" / "stats.json"
    with pytest.raises(OSError) as exc:
        atomic_write_json(target, {"a": 1})
    assert "stats.json" in str(exc.value)


def test_a_failed_write_names_the_target(tmp_path):
    import errno

    target = tmp_path / "out.jsonl"
    with pytest.raises(OSError) as exc:
        with atomic_open(target) as fh:
            fh.write(b"x")
            raise OSError(errno.ENOSPC, "No space left on device")  # as a full disk raises it: no file name
    assert exc.value.filename == str(target) and exc.value.errno == errno.ENOSPC
    assert _leftovers(tmp_path) == []


def test_atomic_path_serves_writers_that_want_a_name(tmp_path):
    target = tmp_path / "model.bin"
    with atomic_path(target) as tmp:
        assert os.path.dirname(tmp) == str(tmp_path) and not target.exists()
        Path(tmp).write_bytes(b"weights")
    assert target.read_bytes() == b"weights"
    with pytest.raises(ValueError):
        with atomic_path(target) as tmp:
            Path(tmp).write_bytes(b"broken")
            raise ValueError("dump failed")
    assert target.read_bytes() == b"weights" and _leftovers(tmp_path) == []


def test_json_keeps_unicode_and_escapes_a_lone_surrogate(tmp_path):
    target = tmp_path / "s.json"
    atomic_write_json(target, {"b": "é", "a": "\udc80"}, sort_keys=True)
    text = target.read_text("utf-8")
    assert text.index('"a"') < text.index('"b"') and "é" in text and text.endswith("\n")
    assert json.loads(text)["b"] == "é"


def test_filter_rejects_file_goes_through_the_helper(tmp_path):
    target = tmp_path / "rejects.jsonl"
    target.write_bytes(b"from an earlier run\n")
    rejects = RejectsFile(target)
    rejects.handle.write(b'{"id": 1}\n')
    assert target.read_bytes() == b"from an earlier run\n"
    rejects.close()
    assert target.read_bytes() == b'{"id": 1}\n' and _leftovers(tmp_path) == []
