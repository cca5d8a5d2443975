"""Batch cleaning end to end: formats, determinism across worker counts, site templates,
broken documents, time budget, resume after an interruption or a kill."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from corpus_helpers import (
    FOOTER_PROMO,
    make_pages,
    warc_bytes,
    write_dir,
    write_jsonl,
    write_parquet,
    write_warc,
    stopping_executor,
)
from corpus_helpers import _cluster, engine, engine_kw as _engine_kw  # noqa: F401 - fixtures
from detector.config import Config
from detector.corpus import CleanOptions, FieldNames, clean_corpus, process_document
from detector.corpus.process import Outcome, guarded
from detector.corpus.tally import Tally
from detector.corpus.readers import ReadError
from detector.corpus.writers import read_records
from detector.document import Block, Document, ParagraphScore, QualityScore, RawDoc, Result
from detector.errors import DocumentTimeout, InputError
from detector.redundancy import fingerprint

ROOT = Path(__file__).resolve().parents[1]
CONTRACT_KEYS = {"schema_version", "id", "url", "title", "language", "format", "text", "quality", "stats"}


def _ids(path) -> list[str]:
    return [r["id"] for r in read_records(str(path))] if os.path.exists(path) else []


# --- process_document with a fake detector (no model needed) -------------------------------------


class FakeDetector:
    """Extracts one block per line; scores a document by its number of lines."""

    config = Config()

    def __init__(self, slow: float = 0.0) -> None:
        self.slow = slow

    def extract(self, raw: RawDoc) -> Document:
        if self.slow:
            time.sleep(self.slow)
        text = raw.content.decode() if isinstance(raw.content, bytes) else raw.content
        if text.startswith("BAD"):
            raise InputError(raw.id, "not a page")
        if text.startswith("CRASH"):
            raise RuntimeError("parser bug")
        blocks = tuple(Block(line) for line in text.splitlines() if line.strip())
        return Document(id=raw.id, url=raw.url, title=None, blocks=blocks, format="text", site="s.example")

    def score_document(self, doc: Document, *, template_fingerprints=()) -> Result:
        paras = tuple(
            ParagraphScore(i, b.text, "paragraph", 0.9, 0.0, fingerprint(b.text) not in template_fingerprints,
                           None if fingerprint(b.text) not in template_fingerprints else "template")
            for i, b in enumerate(doc.blocks)
        )
        kept = [p for p in paras if p.keep]
        score = min(1.0, len(kept) / 4)
        return Result(
            id=doc.id, url=doc.url, title=None, text="\n\n".join(p.text for p in kept),
            quality=QualityScore(score, score >= 0.5, () if score >= 0.5 else ("too-short",)),
            paragraphs=paras,
            stats={"dropped_by_reason": {"template": len(paras) - len(kept)}},
        )


def test_process_document_outcomes_never_raise():
    det = FakeDetector()
    good = RawDoc(id="g", content="a\nb\nc\nd")
    short = RawDoc(id="s", content="a")
    out = process_document(det, good, options=CleanOptions())
    assert out.kind == "output" and CONTRACT_KEYS <= set(out.record) and "paragraphs" not in out.record
    assert process_document(det, good, options=CleanOptions(details=True)).record["paragraphs"]
    # without filtering every document is written; with it, the others are rejects with reasons
    assert process_document(det, short, options=CleanOptions()).kind == "output"
    rej = process_document(det, short, options=CleanOptions(min_quality=0.5))
    assert rej.kind == "reject" and rej.record["reasons"] == ["too-short"] and rej.record["id"] == "s"
    assert process_document(det, good, options=CleanOptions(keep_only=True)).kind == "output"

    bad = process_document(det, RawDoc(id="b", content="BAD"), source="in.jsonl")
    assert bad == Outcome("error", {"id": "b", "source": "in.jsonl", "error": "InputError: b: not a page"})
    crash = process_document(det, RawDoc(id="c", content="CRASH", url="https://x.example/"))
    assert crash.kind == "error" and crash.record["source"] == "https://x.example/" and "parser bug" in crash.record["error"]
    read = process_document(det, ReadError("r", "f.warc", "truncated: WARC record"))
    assert read.record == {"id": "r", "source": "f.warc", "error": "truncated: WARC record"}


def test_templates_reach_the_detector():
    from detector.corpus.templates import TemplateIndex

    index = TemplateIndex({"s.example": frozenset({fingerprint("b")})})
    out = process_document(FakeDetector(), RawDoc(id="g", content="a\nb\nc"), templates=index,
                           options=CleanOptions(details=True))
    assert [p["reason"] for p in out.record["paragraphs"]] == [None, "template", None]


def test_time_budget_stops_a_slow_document():
    out = process_document(FakeDetector(slow=30), RawDoc(id="slow", content="a"), options=CleanOptions(doc_timeout=0.05))
    assert out.kind == "error"
    assert out.record["error"] == "timeout: took longer than the 0.05 s per-document budget (--doc-timeout)"

    def forever() -> None:
        while True:
            pass

    stopped = guarded(0.01, forever)
    assert isinstance(stopped, DocumentTimeout) and stopped.seconds == 0.01
    assert guarded(None, lambda: "no budget") == "no budget"


def test_a_budget_that_runs_out_while_its_timer_starts_is_the_documents_timeout(monkeypatch):
    """A Dask worker thread, a tiny budget on a loaded machine: the timer fires while its
    ``start()`` still runs, before the document's work. Each path of the batch (one pass, the
    extraction and the scoring pass) makes it the document's timeout record, and nothing fires
    after it."""
    import threading

    from detector.corpus.process import score_extracted

    real_timer = threading.Timer

    class SlowStart(real_timer):  # the timer fires while start() is still running Python code
        def start(self) -> None:
            super().start()
            self.finished.wait(5)
            end = time.monotonic() + 0.2
            while time.monotonic() < end:
                pass

    monkeypatch.setattr(threading, "Timer", SlowStart)
    det, options = FakeDetector(), CleanOptions(doc_timeout=0.001)
    raw = RawDoc(id="d", content="a\nb\nc\nd", line=7)
    doc = FakeDetector().extract(raw)
    result: dict[str, object] = {}

    def task() -> None:
        result["one-pass"] = process_document(det, raw, options=options, source="in.jsonl")
        result["extraction"] = guarded(0.001, det.extract, raw)
        result["scoring"] = score_extracted(det, doc, templates=None, options=options, source="in.jsonl", line=7)
        time.sleep(0.2)  # a limit that was disarmed must not fire afterwards
        result["after"] = "clean"

    thread = threading.Thread(target=task)
    thread.start()
    thread.join(30)
    message = "timeout: took longer than the 0.001 s per-document budget (--doc-timeout)"
    expected = Outcome("error", {"id": "d", "source": "in.jsonl", "line": 7, "error": message})
    assert result["one-pass"] == expected and result["scoring"] == expected
    assert isinstance(result["extraction"], DocumentTimeout) and result["extraction"].reason == message
    assert result["after"] == "clean"


def test_a_scoring_pass_timeout_names_the_whole_budget():
    """Pass 2 runs under what extraction left of ``--doc-timeout``; its timeout record still
    names the budget the user set (it said "0.00114569 s" for ``--doc-timeout 0.003``)."""
    from detector.corpus.process import score_extracted

    class SlowScorer(FakeDetector):
        def score_document(self, doc, **kw):
            end = time.monotonic() + 5
            while time.monotonic() < end:
                pass
            raise AssertionError("not stopped")

    det = SlowScorer()
    doc = det.extract(RawDoc(id="d", content="a\nb\nc\nd"))
    out = score_extracted(det, doc, templates=None, options=CleanOptions(doc_timeout=0.5), source="s", budget=0.01)
    assert out.record["error"] == "timeout: took longer than the 0.5 s per-document budget (--doc-timeout)"


def test_tally_counts_outcomes_and_merges():
    det = FakeDetector()
    a, b = Tally(), Tally()
    for content in ("a\nb\nc\nd", "a", "BAD"):
        out = process_document(det, RawDoc(id=content, content=content), options=CleanOptions(min_quality=0.5))
        a.add(out.kind, out.record)
    out = process_document(det, RawDoc(id="x", content="a\nb"), options=CleanOptions())
    b.add(out.kind, out.record)
    b.malformed = 2
    a.merge(Tally.from_dict(json.loads(json.dumps(b.to_dict()))))
    assert (a.documents, a.output, a.rejected, a.errors, a.kept, a.dropped) == (4, 2, 1, 1, 2, 1)
    assert a.reject_reasons == {"too-short": 1} and a.error_kinds == {"InputError": 1}
    assert sum(a.histogram) == 3 and a.histogram[-1] == 1
    assert a.malformed == 2  # counted, but not a document


# --- end to end with the real detector -------------------------------------------------------------


def _stats(output) -> dict:
    stats = json.loads(Path(f"{output}.stats.json").read_text())
    for key in ("output", "elapsed_seconds", "docs_per_second", "workers", "engine", "shards",
                "resumed_shards", "resumed_scored_shards", "rejects_path", "errors_path"):
        stats.pop(key)
    return stats


def _opts(**kw) -> CleanOptions:
    return CleanOptions(**{"workers": 1, "quiet": True, "shard_size": 4, **kw})


def test_every_input_format_end_to_end(tmp_path):
    pages = make_pages(12, site="mixed.example", seed=3)
    write_dir(pages[:3], tmp_path / "site")
    (tmp_path / "site" / "page003.txt").write_text("\n\n".join(pages[3]["paragraphs"]), encoding="utf-8")
    write_jsonl(pages[4:6], tmp_path / "a.jsonl.gz", fields={"html": "body", "id": "key"})
    write_parquet(pages[6:9], tmp_path / "b.parquet")
    write_warc(pages[9:12], tmp_path / "c.warc.gz")

    out = tmp_path / "cleaned.parquet"
    summary = clean_corpus(
        [str(tmp_path / "site"), str(tmp_path / "a.jsonl.gz")], out,
        options=_opts(fields=FieldNames(html="body", id="key")),
    )
    summary2 = clean_corpus([str(tmp_path / "b.parquet"), str(tmp_path / "c.warc.gz")], tmp_path / "more.jsonl",
                            options=_opts())
    rows = read_records(str(out)) + read_records(str(tmp_path / "more.jsonl"))
    assert summary.documents == 6 and summary2.documents == 6 and summary.errors == summary2.errors == 0

    site = tmp_path / "site"
    expected_ids = [str(site / f"page{i:03d}.html") for i in range(3)] + [str(site / "page003.txt")] \
        + [p["id"] for p in pages[4:9]] + [f"{tmp_path / 'c.warc.gz'}:{i}" for i in (1, 2, 3)]
    assert [r["id"] for r in rows] == expected_ids
    for row, page in zip(rows, pages):
        assert CONTRACT_KEYS <= set(row) and "paragraphs" not in row
        # the article is in the cleaned text
        assert page["paragraphs"][0][:60] in row["text"]
        assert set(row["stats"]["dropped_by_reason"]) >= {"template", "navigation"}
    assert [r["url"] for r in rows[4:]] == [p["url"] for p in pages[4:]]
    assert rows[3]["format"] == "text" and rows[0]["format"] == "html"
    jsonschema = pytest.importorskip("jsonschema")
    from detector.document import load_schema

    for row in rows:  # Parquet rows come back with the same shape as JSONL rows
        jsonschema.validate(row, load_schema())
    stats = json.loads((tmp_path / "cleaned.parquet.stats.json").read_text())
    assert stats["documents"] == 6 and sum(b["count"] for b in stats["quality_histogram"]) == 6
    assert not (tmp_path / "cleaned.parquet.shards").exists()


def test_output_is_identical_for_one_and_two_workers_and_dask(tmp_path, _cluster):
    pages = make_pages(14, site="one.example", footer_promo=FOOTER_PROMO) + make_pages(10, site="two.example", seed=1)
    write_jsonl(pages, tmp_path / "pages.jsonl")
    (tmp_path / "pages.jsonl").open("a").write('{"id": "broken", "html": 3}\n')
    outs = {}
    for workers in (1, 2):
        out = tmp_path / f"w{workers}.jsonl.gz"
        summary = clean_corpus([str(tmp_path / "pages.jsonl")], out,
                               options=_opts(workers=workers, shard_size=3, details=True))
        assert summary.workers == workers and summary.documents == 25 and summary.errors == 1
        outs[workers] = out
    dask = clean_corpus([str(tmp_path / "pages.jsonl")], tmp_path / "dask.jsonl.gz", engine="dask", scheduler=_cluster,
                        options=_opts(shard_size=3, details=True))
    assert dask.engine == "dask" and dask.workers == 2
    for other in (outs[2], tmp_path / "dask.jsonl.gz"):
        assert outs[1].read_bytes() == other.read_bytes()
        assert Path(f"{outs[1]}.errors.jsonl").read_bytes() == Path(f"{other}.errors.jsonl").read_bytes()
        assert _stats(outs[1]) == _stats(other)
    rows = [json.loads(line) for line in gzip.decompress(outs[1].read_bytes()).splitlines()]
    assert [r["id"] for r in rows] == [p["id"] for p in pages]  # input order
    jsonschema = pytest.importorskip("jsonschema")
    from detector.document import load_schema

    for row in rows:
        assert row["paragraphs"]
        jsonschema.validate(row, load_schema())


def test_site_footer_promo_is_caught_as_template(tmp_path, engine):
    pages = make_pages(30, site="harbour-gazette.example", footer_promo=FOOTER_PROMO, seed=7)
    write_jsonl(pages, tmp_path / "site.jsonl")
    promo_fp = fingerprint(FOOTER_PROMO)

    def promo_decisions(out):
        rows = read_records(str(out))
        assert len(rows) == 30
        found = []
        for row, page in zip(rows, pages):
            (p,) = [p for p in row["paragraphs"] if fingerprint(p["text"]) == promo_fp]
            found.append((p["keep"], p["reason"]))
            # the article itself is untouched by the template pass (navigation and footer may be)
            article = [p for p in row["paragraphs"] if p["text"] in page["paragraphs"]]
            assert len(article) == len(page["paragraphs"])
            assert all(p["reason"] != "template" for p in article)
        return found

    plain = tmp_path / "plain.jsonl"
    clean_corpus([str(tmp_path / "site.jsonl")], plain, options=_opts(templates=False, details=True))
    without = promo_decisions(plain)
    # new to the model: on its own page the promo reads like the article and is mostly kept
    assert sum(keep for keep, _ in without) >= 20

    summary = clean_corpus([str(tmp_path / "site.jsonl")], tmp_path / "tpl.jsonl", options=_opts(details=True, shard_size=7),
                           **_engine_kw(engine))
    assert promo_decisions(tmp_path / "tpl.jsonl") == [(False, "template")] * 30
    assert summary.template_sites == 1 and summary.dropped_paragraphs["template"] >= 30


def test_broken_documents_end_up_in_exactly_one_place(tmp_path, engine):
    pages = make_pages(8, site="ok.example", seed=5)
    d = tmp_path / "dir"
    write_dir(pages[:2], d)
    (d / "binary.html").write_bytes(bytes(range(256)) * 40)
    (d / "empty.html").write_bytes(b"")
    (d / "latin1.txt").write_bytes("\n\n".join(pages[2]["paragraphs"]).encode("utf-8") + b"\xff\xfe caf\xe9 \x80\x81")
    (d / "tiny.txt").write_text("Buy now!")
    lines = [json.dumps({"id": p["id"], "url": p["url"], "html": p["html"]}) for p in pages[3:6]]
    raw_gz = gzip.compress(("\n".join(lines) + "\n").encode())
    (tmp_path / "cut.jsonl.gz").write_bytes(raw_gz[: len(raw_gz) - 200])
    bad_jsonl = tmp_path / "bad.jsonl"
    bad_jsonl.write_bytes(b'{"id": "nojson", "html": \n' + b'{"id": "badutf8", "html": "\xff\xfe"}\n'
                          + json.dumps({"id": "good", "url": pages[6]["url"], "html": pages[6]["html"]}).encode() + b"\n")
    warc = warc_bytes([(pages[7]["url"], pages[7]["html"].encode(), "text/html"),
                       ("https://ok.example/x", b"<p>" + b"x" * 3000 + b"</p>", "text/html")], gzip_records=False)
    (tmp_path / "cut.warc").write_bytes(warc[:-1500])

    inputs = [str(d), str(tmp_path / "cut.jsonl.gz"), str(bad_jsonl), str(tmp_path / "cut.warc")]
    out = tmp_path / "out.jsonl"
    summary = clean_corpus(inputs, out, options=_opts(min_quality=0.5, shard_size=3), **_engine_kw(engine))

    written, rejected, errors = _ids(out), _ids(f"{out}.rejects.jsonl"), _ids(f"{out}.errors.jsonl")
    everything = written + rejected + errors
    assert len(everything) == len(set(everything)) == summary.documents
    assert (summary.written, summary.rejected, summary.errors) == (len(written), len(rejected), len(errors))
    # every document of every input is accounted for (the truncated gzip yields an error for the cut)
    expected = {str(d / n) for n in ("page000.html", "page001.html", "binary.html", "empty.html",
                                      "latin1.txt", "tiny.txt")}
    expected |= {f"{bad_jsonl}:1", f"{bad_jsonl}:2", "good", f"{tmp_path / 'cut.warc'}:1", f"{tmp_path / 'cut.warc'}:2"}
    assert expected <= set(everything)
    cut_ids = set(everything) - expected
    assert cut_ids and all(i in {p["id"] for p in pages[3:6]} or i.startswith(str(tmp_path / "cut.jsonl.gz"))
                           for i in cut_ids)
    err = {r["id"]: r for r in read_records(f"{out}.errors.jsonl")}
    assert err[str(d / "binary.html")]["source"] == str(d / "binary.html")
    assert err[f"{tmp_path / 'cut.warc'}:2"]["error"].startswith("truncated")
    assert any(i.startswith(str(tmp_path / "cut.jsonl.gz")) and r["error"].startswith("truncated") for i, r in err.items())
    assert "good" in written and str(d / "page000.html") in written
    rejects = {r["id"]: r for r in read_records(f"{out}.rejects.jsonl")}
    assert str(d / "tiny.txt") in rejects and rejects[str(d / "tiny.txt")]["reasons"]
    assert all(r["quality"]["score"] < 0.5 or not r["text"].strip() for r in rejects.values())
    assert all(r["quality"]["score"] >= 0.5 for r in read_records(str(out)))


def test_doc_timeout_sends_documents_to_errors(tmp_path):
    write_jsonl(make_pages(3), tmp_path / "p.jsonl")
    summary = clean_corpus([str(tmp_path / "p.jsonl")], tmp_path / "o.jsonl", options=_opts(doc_timeout=1e-4))
    assert summary.errors == 3 and summary.written == 0
    errors = read_records(str(tmp_path / "o.jsonl.errors.jsonl"))
    assert all(r["error"].startswith("timeout") for r in errors)
    assert [r["line"] for r in errors] == [1, 2, 3]


@pytest.mark.parametrize("templates", [True, False])  # two passes (errors spilled by pass 1) and one
def test_jsonl_error_records_carry_their_line(tmp_path, templates):
    # an error record of a JSONL input named the record by its id only: which line was it?
    pages = make_pages(3, site="lines.example", seed=5)
    good = [json.dumps({"id": p["id"], "url": p["url"], "html": p["html"]}) for p in pages]
    lines = [good[0], json.dumps({"id": "bad-type", "html": 5}), "{not json", "",
             json.dumps({"id": "json-text", "text": '{"a": 1, "b": [2, 3]}'}), good[1],
             json.dumps({"id": "no-content", "url": "https://lines.example/x"}), good[2]]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "o.jsonl"
    summary = clean_corpus([str(path)], out, options=_opts(shard_size=2, templates=templates))
    assert (summary.written, summary.errors) == (3, 4)
    errors = read_records(f"{out}.errors.jsonl")
    assert [(r["id"], r["line"]) for r in errors] == [("bad-type", 2), (f"{path}:3", 3), ("json-text", 5),
                                                       ("no-content", 7)]
    assert all(r["source"] == str(path) for r in errors)
    assert errors[2]["error"].startswith("InputError") and "JSON" in errors[2]["error"]  # failed in extraction
    assert "line" not in read_records(str(out))[0]  # the output rows are the contract's


def _stopping(engine, task: str, at: int, client=None):
    if engine == "dask":
        from detector.corpus.executors.dask import DaskExecutor

        # in_flight 1: the shards before `at` are done when it is reached
        ex = stopping_executor(DaskExecutor, task, at, scheduler=client, workers=1, quiet=True)
        type(ex).in_flight = property(lambda self: 1)
        return ex
    from detector.corpus.executors.local import LocalExecutor

    return stopping_executor(LocalExecutor, task, at, workers=1)


@pytest.mark.parametrize("stage", ["extract_task", "score_task"])
def test_resume_after_an_interruption_gives_the_same_output(tmp_path, stage, engine):
    name, client = engine
    pages = make_pages(12, site="r.example", footer_promo=FOOTER_PROMO, seed=2)
    write_jsonl(pages, tmp_path / "p.jsonl")
    opts = _opts(shard_size=2, min_quality=0.3)
    clean_corpus([str(tmp_path / "p.jsonl")], tmp_path / "ref.jsonl", options=opts)

    out = tmp_path / "out.jsonl"
    with pytest.raises(KeyboardInterrupt):
        clean_corpus([str(tmp_path / "p.jsonl")], out, options=opts, executor=_stopping(name, stage, 3, client))
    assert not out.exists() and (tmp_path / "out.jsonl.shards").is_dir()
    summary = clean_corpus([str(tmp_path / "p.jsonl")], out, options=opts, **_engine_kw(engine))
    # shards with work reused: 3 extracted before the interruption, or all 6 once pass 1 had finished
    assert summary.resumed_shards == (3 if stage == "extract_task" else 6)
    for suffix in ("", ".rejects.jsonl", ".errors.jsonl"):
        assert (tmp_path / f"out.jsonl{suffix}").read_bytes() == (tmp_path / f"ref.jsonl{suffix}").read_bytes()
    assert _stats(tmp_path / "out.jsonl") == _stats(tmp_path / "ref.jsonl")


def test_changed_input_is_not_resumed_from_stale_shards(tmp_path):
    pages = make_pages(6)
    write_jsonl(pages[:4], tmp_path / "p.jsonl")
    opts = _opts(shard_size=2, templates=False)
    with pytest.raises(KeyboardInterrupt):
        clean_corpus([str(tmp_path / "p.jsonl")], tmp_path / "o.jsonl", options=opts,
                     executor=_stopping("local", "clean_task", 1))
    write_jsonl(pages[2:], tmp_path / "p.jsonl")
    summary = clean_corpus([str(tmp_path / "p.jsonl")], tmp_path / "o.jsonl", options=opts)
    assert summary.resumed_shards == 0
    assert _ids(tmp_path / "o.jsonl") == [p["id"] for p in pages[2:]]


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "detector", "clean", *args]


@pytest.mark.parametrize("engine_args", [["--workers", "2"], ["--engine", "dask", "--workers", "2"]],
                         ids=["local", "dask"])
def test_kill_and_resume_from_the_command_line(tmp_path, engine_args):
    if "dask" in engine_args:
        pytest.importorskip("distributed")
    pages = make_pages(24, site="k.example", footer_promo=FOOTER_PROMO, seed=4) + make_pages(12, site="j.example")
    corpus = write_jsonl(pages, tmp_path / "pages.jsonl")
    ref = tmp_path / "ref.jsonl"
    clean_corpus([str(corpus)], ref, options=_opts(shard_size=2))

    out = tmp_path / "out.jsonl"
    markers = tmp_path / "out.jsonl.shards" / "out"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(_cli(str(corpus), "-o", str(out), *engine_args, "--shard-size", "2", "-q"),
                            cwd=tmp_path, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        # kill it once pass 2 has finished a first shard: pass 1 is then complete, pass 2 is not
        while proc.poll() is None and not (markers.is_dir() and any(markers.glob("*.tally.json.done"))):
            time.sleep(0.01)
        assert proc.poll() is None, f"finished before it could be killed: {proc.stderr.read().decode()}"
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        scored_before_kill = len(list(markers.glob("*.tally.json.done")))
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stderr.close()
    assert not out.exists()

    done = subprocess.run(_cli(str(corpus), "-o", str(out), *engine_args, "--shard-size", "2", "-q"),
                          cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == ref.read_bytes()
    assert (tmp_path / "out.jsonl.errors.jsonl").read_bytes() == (tmp_path / "ref.jsonl.errors.jsonl").read_bytes()
    stats = json.loads((tmp_path / "out.jsonl.stats.json").read_text())
    # pass 1 had finished (all 18 shards reused), pass 2 had not
    assert 1 <= scored_before_kill < 18
    assert stats["resumed_shards"] == stats["shards"] == 18
    assert not (tmp_path / "out.jsonl.shards").exists()


def test_cli_cleans_the_seed_directory(tmp_path, capsys):
    from detector.cli import main

    out = tmp_path / "cleaned.jsonl"
    assert main(["clean", str(ROOT / "seeds"), "-o", str(out), "--workers", "1"]) == 0
    rows = read_records(str(out))
    assert sorted(Path(r["id"]).name for r in rows) == [
        "migrant-crisis-article.txt", "migrant-crisis-page-inline.html", "migrant-crisis-page.html"]
    assert all(r["text"] and "Mexico" in r["text"] for r in rows)
    assert "3 documents" in capsys.readouterr().err

    assert main(["clean", str(tmp_path / "missing"), "-o", str(out)]) == 2
    assert "missing" in capsys.readouterr().err


def test_a_rerun_with_a_glob_does_not_read_its_own_output(tmp_path):
    write_jsonl(make_pages(3), tmp_path / "pages.jsonl")
    pattern = str(tmp_path / "*.jsonl")
    opts = _opts(templates=False)
    first = clean_corpus([pattern], tmp_path / "out.jsonl", options=opts)
    second = clean_corpus([pattern], tmp_path / "out.jsonl", options=opts)  # out.jsonl now matches the glob
    assert first.documents == second.documents == 3 and second.errors == 0


def test_a_users_file_found_in_a_folder_or_glob_is_never_overwritten_as_the_output(tmp_path):
    folder = tmp_path / "html"
    folder.mkdir()
    page = "<html><body><p>" + "A paragraph of the article about rivers and lakes. " * 20 + "</p></body></html>"
    (folder / "article.html").write_text(page, encoding="utf-8")
    (folder / "other.html").write_text(page, encoding="utf-8")
    before = (folder / "article.html").read_bytes()
    for inputs in ([str(folder)], [str(folder / "*.html")]):
        with pytest.raises(InputError, match="would be overwritten as the output file") as exc:
            clean_corpus(inputs, folder / "article.html", options=_opts(templates=False, output_format="jsonl"))
        assert "article.html" in str(exc.value)
        assert (folder / "article.html").read_bytes() == before
    # an output this tool wrote before (its stats file beside it) is skipped on a rerun, as before
    out = folder / "cleaned.html"
    first = clean_corpus([str(folder)], out, options=_opts(templates=False, output_format="jsonl"))
    second = clean_corpus([str(folder)], out, options=_opts(templates=False, output_format="jsonl"))
    assert first.documents == second.documents == 2
