"""``detector filter``: JSONL documents on stdin -> the kept ones on stdout, as they arrive.

    zcat crawl.jsonl.gz | detector filter --rejects rejects.jsonl | indexer

Each kept record is written unchanged plus ``clean_text``, ``title`` and ``quality``
(``score``, ``keep``, ``flags``), one line per document, flushed at once. Dropped records
go to ``--rejects`` with ``reasons``; records that cannot be scored go there too with
``error``. A malformed line is reported on stderr with its number (and, for bad JSON, the column)
and skipped; a first line that is not JSON at all adds that the input must be JSON Lines. A stream that is
not UTF-8 (a UTF-16 or UTF-32 byte-order mark) is one error line on stderr and exit 2 (bad input).
"""


from __future__ import annotations

import argparse
import os
import stat
import sys
import time
from pathlib import Path

from detector.cli._args import add_field_options, field_names, output_problem, seconds_or_none
from detector.config import Config
from detector.filtering import DEFAULT_MAX_LINE_BYTES, OutputClosed, RejectsFile, filter_jsonl, summary
from detector.tally import Tally


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "filter",
        help="JSONL on stdin -> kept documents with clean text and scores on stdout",
        description="Pre-ingest filter: read JSONL documents on stdin, write the kept ones (plus clean_text, "
        "title, quality) to stdout line by line. Malformed lines are reported on stderr and skipped.",
        epilog="exit codes: 0 the stream was processed (whatever it held), 2 usage error, bad model, a stream "
        "that is not UTF-8 JSONL as a whole (UTF-16, gzip) or no stdout, 141 stdout closed early (| head), "
        "1 internal error, 130 interrupted",
    )
    p.add_argument("--min-quality", type=float, default=None, metavar="X",
                   help="keep documents with quality score >= X (default: the config's min_quality)")
    p.add_argument("--rejects", type=Path, default=None, metavar="FILE",
                   help="write dropped documents (with reasons) and failed ones (with error) here")
    add_field_options(p.add_argument_group("record fields"))
    p.add_argument("--drop-raw", action="store_true",
                   help="remove the content fields (html/text/content) from the output and from --rejects")
    p.add_argument("--max-line-bytes", type=int, default=DEFAULT_MAX_LINE_BYTES, metavar="N",
                   help="skip (as malformed) lines longer than N bytes (default: 64 MiB)")
    p.add_argument("--model", type=Path, default=None, help="a model file instead of the shipped one")
    p.add_argument("--doc-timeout", type=seconds_or_none, default=Config().doc_timeout, metavar="SECONDS",
                   help="time budget per document, past it an error record; 0 for none "
                   f"(default: {Config().doc_timeout:g})")
    p.add_argument("-q", "--quiet", action="store_true", help="no summary on stderr")
    p.set_defaults(func=run)


def field_option_problem(args: argparse.Namespace) -> str | None:
    """Why the record field options (``add_field_options``) cannot be used, or None: an empty
    ``--url-field`` or ``--id-field`` (no field is named ''), or every content field switched off
    with '' (no record could have content). One content field set to '' is fine: it is not read."""
    for option in ("url", "id"):
        if getattr(args, f"{option}_field") == "":
            return f"--{option}-field must name a field, got ''"
    if not (args.html_field or args.text_field or args.content_field):
        return "--html-field, --text-field and --content-field are all '': no field is left to read the content from"
    return None


def rejects_clash(path: Path) -> str | None:
    """Why ``--rejects PATH`` would destroy a stream, or None: PATH is the regular file stdin is
    read from (the rejects would replace the input) or stdout is written to (they would replace
    the kept lines). A pipe or terminal behind /dev/stdout is fine."""
    for stream, what in ((sys.stdin, "stdin reads (the input)"), (sys.stdout, "stdout writes (the kept documents)")):
        try:
            target, held = os.stat(path), os.fstat(stream.fileno())
        except (OSError, ValueError, AttributeError):
            continue
        if stat.S_ISREG(held.st_mode) and (target.st_dev, target.st_ino) == (held.st_dev, held.st_ino):
            return f"{path}: is the file {what}; name another file"
    return None


def same_input_and_output() -> bool:
    """Whether stdin and stdout are one regular file (``< a.jsonl >> a.jsonl``): every kept line
    would be read back in, and the file would grow without end."""
    try:
        held, written = os.fstat(sys.stdin.fileno()), os.fstat(sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        return False
    return stat.S_ISREG(held.st_mode) and (held.st_dev, held.st_ino) == (written.st_dev, written.st_ino)


def run(args: argparse.Namespace) -> int:
    if same_input_and_output():
        print("detector filter: stdin and stdout are the same file; write the kept documents elsewhere",
              file=sys.stderr)
        return 2
    if problem := field_option_problem(args):
        print(f"detector filter: {problem}", file=sys.stderr)
        return 2
    if args.min_quality is not None and not 0.0 <= args.min_quality <= 1.0:
        print(f"detector filter: --min-quality must be in [0, 1], got {args.min_quality}", file=sys.stderr)
        return 2
    if args.max_line_bytes < 1:
        print("detector filter: --max-line-bytes must be >= 1", file=sys.stderr)
        return 2
    if args.rejects is not None and (problem := output_problem(args.rejects) or rejects_clash(args.rejects)):
        print(f"detector filter: --rejects {problem}", file=sys.stderr)
        return 2
    from detector.errors import DetectorError, InputError
    from detector.pipeline import Detector

    try:
        config = Config(model_path=args.model, doc_timeout=args.doc_timeout)
        detector = Detector(config)
    except DetectorError as exc:
        from detector.cli import error_line, exit_code

        print(f"detector filter: {error_line(exc)}", file=sys.stderr)
        return exit_code(exc)  # a model error is 2, as in every command
    try:
        rejects = RejectsFile(args.rejects) if args.rejects is not None else None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__  # not the temporary file it was writing
        print(f"detector filter: cannot write --rejects {args.rejects}: {reason}", file=sys.stderr)
        return 2

    started = time.perf_counter()
    stats: Tally | None = None
    status = 0
    try:
        stats = filter_jsonl(
            sys.stdin.buffer,
            sys.stdout.buffer,
            detector=detector,
            rejects=rejects.handle if rejects else None,
            fields=field_names(args),
            min_quality=args.min_quality,
            drop_raw=args.drop_raw,
            max_line_bytes=args.max_line_bytes,
            doc_timeout=args.doc_timeout or 0,
            timeout_option="--doc-timeout",
        )
    except OutputClosed:
        # stdout's reader left (e.g. `| head`): stop quietly; point stdout at devnull so
        # the interpreter's final flush does not raise again
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        status = 141  # 128 + SIGPIPE, what a shell reports for a writer killed by a broken pipe
    except InputError as exc:  # not UTF-8 JSONL at all (a UTF-16 byte-order mark): no line can be read
        print(f"detector filter: {exc}", file=sys.stderr)
        status = 2
    finally:
        if rejects is not None:
            rejects.close()
    if stats is not None and not args.quiet:
        print(summary(stats, time.perf_counter() - started), file=sys.stderr, flush=True)
    return status
