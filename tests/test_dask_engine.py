"""The Dask engine (issue 5): the same output as the local engine, on a cluster.

- a LocalCluster of two worker processes cleans JSONL, JSONL.gz and Parquet shards (several
  shards per Parquet file) and writes exactly what the local engine writes;
- broken documents in one shard land in the errors output and the job finishes;
- a real ``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1 run
  ``detector clean --engine dask --scheduler tcp://...`` end to end.

The corpora are small (tens of documents): these tests are about distribution, not speed.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("dask")
distributed = pytest.importorskip("distributed")

from corpus_helpers import FOOTER_PROMO, make_pages, write_jsonl  # noqa: E402
from detector.config import Config  # noqa: E402
from detector.corpus import clean_corpus, resolve_config  # noqa: E402
from detector.corpus.options import CleanOptions  # noqa: E402
from detector.corpus.writers import read_records  # noqa: E402

GUARD = 180  # seconds: only a guard against a hung cluster, never a performance bound
SHARD = 4  # small shards, so that a small corpus still spreads over both workers
CONFIG = Config()
CLI = [sys.executable, "-m", "detector"]


# --- corpora ----------------------------------------------------------------------------------


def _write_parquet(pages, path: Path, row_group_size: int) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [{"id": p["id"], "url": p["url"], "html": p["html"]} for p in pages]
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=row_group_size)
    return path


def _junk(site: str, name: str, text: str) -> dict:
    nav = "".join(f'<li><a href="/{t}">{t}</a></li>' for t in ("news", "sport", "culture", "opinion"))
    return {"id": f"{site}/{name}", "url": f"https://{site}/{name}",
            "html": f"<html><head><title>{name}</title></head><body><nav><ul>{nav}</ul></nav><p>{text}</p></body></html>"}


def make_corpus(root: Path) -> list[str]:
    """27 pages of three sites (one with a footer promo that only the template pass catches, and
    three junk pages) in a JSONL file without ids (ids are PATH:LINE), a gzipped JSONL and a
    Parquet file of 7 row groups."""
    root.mkdir(parents=True, exist_ok=True)
    pages = (
        make_pages(10, site="harbour-gazette.example", footer_promo=FOOTER_PROMO)
        + make_pages(8, site="valley-news.example", seed=1)
        + make_pages(6, site="hill-herald.example", seed=2)
    )
    order = pages[0::3] + pages[1::3] + pages[2::3]  # every file holds pages of every site
    # and a few pages that are not articles, for the rejects file
    order[3:3] = [_junk("valley-news.example", "not-found", "Page not found.")]
    order[12:12] = [_junk("hill-herald.example", "subscribe", "Subscribe now to read this article.")]
    order[20:20] = [_junk("harbour-gazette.example", "tags", "Tags: news, harbour, council, weather.")]
    write_jsonl(order[:8], root / "a.jsonl", fields={"id": ""})
    write_jsonl(order[8:14], root / "b.jsonl.gz")
    _write_parquet(order[14:], root / "c.parquet", row_group_size=2)  # 13 rows
    return [str(root / "a.jsonl"), str(root / "b.jsonl.gz"), str(root / "c.parquet")]


def outputs(output: Path) -> dict[str, list[dict]]:
    rejects = Path(f"{output}.rejects.jsonl")
    return {
        "output": read_records(str(output)),
        "rejects": read_records(str(rejects)) if rejects.exists() else [],
        "errors": read_records(str(output) + ".errors.jsonl"),
    }


def _stats(output: Path) -> dict:
    stats = json.loads(Path(f"{output}.stats.json").read_text())
    for key in ("output", "elapsed_seconds", "docs_per_second", "workers", "engine", "shards",
                "resumed_shards", "resumed_scored_shards", "rejects_path", "errors_path"):
        stats.pop(key)
    return stats


@pytest.fixture(scope="module")
def cluster():
    """A LocalCluster with two worker processes, shared by the in-process tests."""
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cl, distributed.Client(cl, set_as_default=False) as client:
        yield client


# --- 1: same output as the local engine ----------------------------------------------------------


def test_local_cluster_matches_local_engine(tmp_path):
    """Without a scheduler the engine starts its own LocalCluster of ``workers`` processes."""
    inputs = make_corpus(tmp_path / "corpus")
    opts = dict(shard_size=SHARD, min_quality=0.5, details=True)
    local = clean_corpus(inputs, tmp_path / "local.jsonl", config=CONFIG, options=CleanOptions(workers=1, **opts))
    dask = clean_corpus(inputs, tmp_path / "dask.jsonl", config=CONFIG, options=CleanOptions(workers=2, **opts),
                        engine="dask")

    assert local.documents == dask.documents == 27
    assert dask.engine == "dask" and dask.workers == 2
    assert dask.shards == local.shards  # the same shard plan whatever the engine
    mine, theirs = outputs(tmp_path / "dask.jsonl"), outputs(tmp_path / "local.jsonl")
    assert mine == theirs  # same documents, texts, scores, reasons and paragraph decisions, same order
    assert len(mine["output"]) + len(mine["rejects"]) == 27 and mine["errors"] == []
    assert mine["rejects"] and all(r["reasons"] for r in mine["rejects"])  # junk pages, with reasons
    assert [r["id"] for r in mine["output"] + mine["rejects"]]  # non-empty, ids carried over
    assert f"{inputs[0]}:1" in {r["id"] for r in mine["output"] + mine["rejects"]}  # PATH:LINE ids
    assert _stats(tmp_path / "dask.jsonl") == _stats(tmp_path / "local.jsonl")

    # the site-template pass ran on the cluster and caught the promo on the one site that has it
    assert dask.template_sites == local.template_sites >= 1
    assert dask.template_paragraphs == local.template_paragraphs
    promo_docs = [r for r in mine["output"] + mine["rejects"]
                  if "harbour-gazette" in r["url"] and not r["url"].endswith("/tags")]
    assert len(promo_docs) == 10 and all(FOOTER_PROMO not in r["text"] for r in promo_docs)
    assert all(
        any(p["reason"] == "template" and FOOTER_PROMO in p["text"] for p in r["paragraphs"]) for r in promo_docs
    )
    assert not (tmp_path / "dask.jsonl.shards").exists()  # the work directory is removed


def test_parquet_output_single_pass_matches_local_engine(tmp_path, cluster):
    inputs = make_corpus(tmp_path / "corpus")
    opts = dict(shard_size=SHARD, templates=False, keep_only=True)
    clean_corpus(inputs, tmp_path / "local.parquet", config=CONFIG, options=CleanOptions(workers=1, **opts))
    dask = clean_corpus(inputs, tmp_path / "dask.parquet", config=CONFIG, options=CleanOptions(**opts),
                        engine="dask", scheduler=cluster.scheduler.address)
    assert dask.documents == 27 and dask.template_paragraphs == 0
    assert outputs(tmp_path / "dask.parquet") == outputs(tmp_path / "local.parquet")


def test_fsspec_urls_match_local_paths(tmp_path, cluster):
    """Inputs given as fsspec URLs (a glob through a caching filesystem, so that the workers copy
    and read them like remote files) give the same rows as the same files given as paths."""

    corpus = tmp_path / "corpus"
    pages = make_pages(6, site="valley-news.example", seed=3)
    corpus.mkdir()
    write_jsonl(pages[:3], corpus / "x.jsonl")
    _write_parquet(pages[3:], corpus / "y.parquet", row_group_size=1)
    options = CleanOptions(workers=1, shard_size=2)
    clean_corpus([str(corpus / "x.jsonl"), str(corpus / "y.parquet")], tmp_path / "local.jsonl", config=CONFIG, options=options)
    clean_corpus([f"simplecache::file://{corpus}/x.jsonl", f"simplecache::file://{corpus}/*.parquet"],
                 str(tmp_path / "dask.jsonl"), options=options, config=resolve_config(CONFIG, options), engine="dask",
                 scheduler=cluster)
    assert outputs(tmp_path / "dask.jsonl") == outputs(tmp_path / "local.jsonl")


def test_workers_that_cannot_see_the_output_fail_early(tmp_path, cluster):
    from detector.corpus.executors.dask import DaskExecutor
    from detector.errors import InputError

    with DaskExecutor(cluster, quiet=True) as ex:
        ex.check_paths([str(tmp_path)])  # visible: no error
        elsewhere = tmp_path / "only-on-the-client"
        with pytest.raises(InputError, match="shared by this machine and every worker") as err:
            ex.check_paths([str(elsewhere), str(tmp_path / "x.jsonl")])
    assert str(elsewhere) in str(err.value)


# --- 2: broken documents are errors, the job finishes ---------------------------------------------


def make_broken_corpus(root: Path) -> tuple[list[str], set[str]]:
    """Good shards plus a shard full of broken documents; returns inputs and every id."""
    root.mkdir(parents=True, exist_ok=True)
    good = make_pages(6, site="valley-news.example", seed=4)
    write_jsonl(good, root / "good.jsonl")
    lines = [
        json.dumps({"id": "ok-1", "url": "https://hill-herald.example/1", "html": make_pages(1, seed=5)[0]["html"]}),
        '{"id": "half", "html": "<p>cut',  # invalid JSON -> PATH:2
        json.dumps({"id": "no-content", "url": "https://x.example/"}),  # no html/text field
        json.dumps(["not", "an", "object"]),  # -> PATH:4
        json.dumps({"id": "binary", "html": "\x00\x01\x02\x89PNG" * 200}),
        json.dumps({"id": "empty", "html": ""}),
    ]
    (root / "broken.jsonl").write_bytes(("\n".join(lines) + "\n").encode() + b"\xff\xfe{not utf-8}\n")  # -> PATH:7
    cut = gzip.compress("".join(json.dumps({"id": f"cut-{p['id']}", "html": p["html"]}) + "\n"
                                for p in make_pages(3, seed=6)).encode())
    (root / "cut.jsonl.gz").write_bytes(cut[: len(cut) * 2 // 3])
    (root / "bad.parquet").write_bytes(b"PAR1 this is not a parquet file")
    broken = str(root / "broken.jsonl")
    ids = {p["id"] for p in good} | {"ok-1", f"{broken}:2", "no-content", f"{broken}:4", "binary", "empty",
                                     f"{broken}:7", f"{root / 'bad.parquet'}:1"}
    inputs = [str(root / n) for n in ("good.jsonl", "broken.jsonl", "cut.jsonl.gz", "bad.parquet")]
    return inputs, ids


def test_broken_documents_land_in_errors_and_the_job_finishes(tmp_path, cluster):
    inputs, ids = make_broken_corpus(tmp_path / "corpus")
    options = CleanOptions(shard_size=SHARD, min_quality=0.5)
    summary = clean_corpus(inputs, tmp_path / "dask.jsonl", config=CONFIG, options=options, engine="dask", scheduler=cluster)
    got = outputs(tmp_path / "dask.jsonl")
    errors = {r["id"]: r for r in got["errors"]}

    # every input document is in exactly one place: output, rejects or errors
    placed = [r["id"] for r in got["output"] + got["rejects"]] + list(errors)
    assert len(placed) == len(set(placed)) == summary.documents
    cut = {i for i in placed if i.startswith("cut-") or i.startswith(str(tmp_path / "corpus" / "cut.jsonl.gz"))}
    assert ids <= set(placed) and set(placed) - ids == cut and cut
    assert summary.errors == len(errors) >= 6
    broken = inputs[1]
    assert errors[f"{broken}:2"]["error"].startswith("invalid-json")
    assert errors[f"{broken}:4"]["error"].startswith("invalid-json")
    assert errors[f"{broken}:7"]["error"].startswith("invalid-json")
    assert errors["no-content"]["error"].startswith("no-content")
    assert errors["no-content"]["source"] == broken
    assert errors[f"{inputs[3]}:1"]["error"].startswith("unreadable")
    assert any(e["error"].startswith("truncated") for e in errors.values())
    assert not any(i.startswith("valley-news") for i in errors)  # the good shard is untouched

    # and the same verdicts as the local engine
    clean_corpus(inputs, tmp_path / "local.jsonl", config=CONFIG, options=CleanOptions(workers=1, shard_size=SHARD, min_quality=0.5))
    assert outputs(tmp_path / "local.jsonl") == got


def test_time_budget_interrupts_a_worker_thread():
    """Dask runs tasks in worker threads, where SIGALRM cannot interrupt a document: the time limit
    raises its BaseException in the thread instead (a DocumentTimeout once out of the document's
    work), and never leaks it afterwards."""
    from detector.corpus.process import guarded as _guarded
    from detector.errors import DocumentTimeout

    result: dict[str, object] = {}

    def spin() -> str:
        deadline = time.monotonic() + GUARD
        while time.monotonic() < deadline:  # pure Python: interruptible between bytecodes
            pass
        return "not interrupted"

    def task() -> None:
        result["slow"] = _guarded(0.2, spin)
        result["fast"] = _guarded(0.2, lambda: "done")
        time.sleep(0.5)  # a budget that was cancelled must not fire later
        result["after"] = "clean"

    t = threading.Thread(target=task)
    t.start()
    t.join(GUARD)
    assert isinstance(result["slow"], DocumentTimeout) and "0.2 s per-document budget" in str(result["slow"])
    assert result["fast"] == "done" and result["after"] == "clean"


# --- 3: a real scheduler and two workers, driven by the CLI ---------------------------------------


@pytest.fixture
def external_cluster(tmp_path):
    """``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1 (random free ports)."""
    if not Path(sys.executable).with_name("dask").exists():
        pytest.skip("the `dask` command is not installed beside this Python")
    dask_cli = str(Path(sys.executable).with_name("dask"))
    info = tmp_path / "scheduler.json"
    logs = tmp_path / "cluster-logs"
    logs.mkdir()
    procs: list[subprocess.Popen] = []

    def start(name: str, args: list[str]) -> None:
        log = open(logs / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process below
        procs.append(subprocess.Popen([dask_cli, *args], stdout=log, stderr=subprocess.STDOUT,
                                      cwd=tmp_path, start_new_session=True))
        procs[-1].log = log  # type: ignore[attr-defined]

    try:
        start("scheduler", ["scheduler", "--host", "127.0.0.1", "--port", "0",
                            "--dashboard-address", "127.0.0.1:0", "--scheduler-file", str(info)])
        deadline = time.monotonic() + GUARD
        address = None
        while address is None and time.monotonic() < deadline and procs[0].poll() is None:
            try:  # the scheduler writes the file in place: it can exist and still be empty or partial
                address = json.loads(info.read_text())["address"]
            except (FileNotFoundError, json.JSONDecodeError, KeyError):
                time.sleep(0.1)
        assert address, (logs / "scheduler.log").read_text()
        for n in (1, 2):
            start(f"worker{n}", ["worker", address, "--nthreads", "1", "--no-nanny", "--name", f"w{n}",
                                 "--no-dashboard", "--host", "127.0.0.1", "--local-directory", str(tmp_path / f"w{n}")])
        with distributed.Client(address, set_as_default=False, timeout=GUARD) as client:
            client.wait_for_workers(2, timeout=GUARD)
        yield address, info
    finally:
        # workers first, each given a moment to leave the scheduler cleanly, then the scheduler
        for p in reversed(procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(15)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
            p.log.close()  # type: ignore[attr-defined]


def test_cli_against_external_scheduler_and_workers(tmp_path, external_cluster):
    address, scheduler_file = external_cluster
    assert address.startswith("tcp://127.0.0.1:")
    inputs = make_corpus(tmp_path / "corpus")
    out = tmp_path / "cleaned.jsonl"
    proc = subprocess.run(
        [*CLI, "clean", *inputs, "-o", str(out), "--engine", "dask",
         "--scheduler", address, "--shard-size", str(SHARD), "--min-quality", "0.5"],
        capture_output=True, text=True, timeout=GUARD, cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Dask dashboard: http://127.0.0.1:" in proc.stderr  # the link to follow the run
    stats = json.loads(Path(f"{out}.stats.json").read_text())
    assert stats["engine"] == "dask" and stats["workers"] == 2 and stats["documents"] == 27

    clean_corpus(inputs, tmp_path / "local.jsonl", config=CONFIG,
                 options=CleanOptions(workers=1, shard_size=SHARD, min_quality=0.5))
    assert outputs(out) == outputs(tmp_path / "local.jsonl")
    for suffix in ("", ".rejects.jsonl", ".errors.jsonl"):  # byte for byte
        assert Path(f"{out}{suffix}").read_bytes() == Path(f"{tmp_path / 'local.jsonl'}{suffix}").read_bytes()
    assert _stats(out) == _stats(tmp_path / "local.jsonl")

    # the documents were scored in the worker processes, each with one Detector of its own
    from detector.corpus.tasks import context

    with distributed.Client(address, set_as_default=False, timeout=GUARD) as client:
        loaded = client.run(lambda: context.cache_info().currsize)
    assert len(loaded) == 2 and set(loaded.values()) <= {0, 1} and sum(loaded.values()) >= 1

    # from Python, the scheduler file that `dask scheduler --scheduler-file` wrote works too
    summary = clean_corpus(inputs[:1], tmp_path / "again.jsonl", config=CONFIG,
                           options=CleanOptions(shard_size=SHARD, min_quality=0.5, quiet=True),
                           engine="dask", scheduler=str(scheduler_file))
    assert summary.workers == 2 and summary.documents == 8
    again = outputs(tmp_path / "again.jsonl")
    placed = sorted(r["id"] for r in again["output"] + again["rejects"] + again["errors"])
    assert placed == [f"{inputs[0]}:{n}" for n in range(1, 9)]
