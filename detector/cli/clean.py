"""``detector clean INPUT... -o OUTPUT``: clean and score a corpus (parses, then calls ``clean_corpus``).

Exit codes (``detector.cli.exit_code``, the same table for every command): 0 done (documents that
failed are in OUTPUT.errors.jsonl and do not change it), 2 bad input (missing input, unknown
format, unusable model or output path) or a worker process that died (rerun to resume), 1 internal
error, 130 interrupted (rerun to resume).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from detector.cli._args import add_field_options, field_names, fraction, output_problem, positive_int, seconds_or_none
from detector.config import Config
from detector.corpus.options import (
    INPUT_FORMATS,
    OUTPUT_FORMATS,
    CleanOptions,
)
from detector.cli import EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, error_line, exit_code


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    defaults = CleanOptions()
    p = subparsers.add_parser(
        "clean",
        help="clean and score a corpus (directories, JSONL, Parquet, WARC) on all cores",
        description=(
            "Clean and score every document of the inputs: one output row per document with the "
            "kept text, the quality verdict and counts of dropped paragraphs by reason. Paragraphs "
            "that recur across many pages of one site are dropped as site templates (a first pass "
            "over the corpus). Failed documents go to OUTPUT.errors.jsonl, the summary to "
            "OUTPUT.stats.json. Interrupted? Rerun the same command: finished shards are kept."
        ),
        epilog=(
            "inputs (by extension, or --input-format):\n"
            "  DIR                          .html/.htm/.xhtml/.txt files, recursively\n"
            "  *.html.gz, *.htm.gz, *.txt.gz gzipped pages (in folders too)\n"
            "  *.jsonl[.gz|.zst]            one document per line (--html-field, --text-field, --content-field ...);\n"
            "                               its other fields are copied to the output row (--keep-fields)\n"
            "  *.parquet                    one document per row (same field options)\n"
            "  *.warc[.gz]                  HTTP response records\n"
            "  quoted globs: 'crawl/**/*.warc.gz'\n"
            "examples:\n"
            "  detector clean seeds/ -o cleaned.jsonl\n"
            "  detector clean 'crawl/*.warc.gz' -o cleaned.parquet --min-quality 0.5 --workers 8\n"
            "  detector clean pages.jsonl.zst --html-field raw_html --url-field link -o out.jsonl.gz\n"
            "  detector clean pages/ --site-from dir -o - | head\n"
            "exit codes: 0 done (failed documents are listed in OUTPUT.errors.jsonl), 2 bad input, bad "
            "model, unusable output path, or a worker process that died (rerun to resume), 1 internal "
            "error, 130 interrupted (rerun to resume)"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="files, directories or globs")
    p.add_argument("-o", "--output", required=True, metavar="OUTPUT",
                   help="output file: .jsonl, .jsonl.gz, .jsonl.zst or .parquet; - writes JSONL to stdout "
                        "(errors as lines on stderr, no resume)")
    p.add_argument("--input-format", choices=INPUT_FORMATS, default=None,
                   help="read every input in this format (default: by extension)")
    p.add_argument("--output-format", choices=OUTPUT_FORMATS, default=None,
                   help="output format (default: by the extension of OUTPUT)")
    g = p.add_argument_group("JSONL / Parquet fields")
    add_field_options(g)  # --html-field --text-field --content-field --url-field --id-field, as `filter`
    g.add_argument("--site-field", default=None, metavar="NAME",
                   help="field that groups documents into sites for template detection (default: URL host)")
    g.add_argument("--site-from", default=None, metavar="HOW",
                   help="where the site comes from for documents without a URL: field:NAME, dir (the file's "
                        "folder) or path:REGEX (group 1 of REGEX in the file's path)")
    g.add_argument("--keep-fields", default=None, metavar="A,B",
                   help="input fields copied to each output row (default: all but the content fields; '' for none)")
    g = p.add_argument_group("what is written")
    g.add_argument("--details", action="store_true", help="add every paragraph with its decision to each row")
    g.add_argument("--min-quality", type=fraction, default=None, metavar="SCORE",
                   help="write only documents scoring at least SCORE; the others go to the rejects file")
    g.add_argument("--keep-only", action="store_true",
                   help=f"write only documents the detector keeps (quality >= {Config().min_quality}); "
                        "the others go to the rejects file")
    g.add_argument("--provenance", action="store_true",
                   help="add provenance (detector version, model SHA-256, config hash) to every row "
                        "(always in OUTPUT.stats.json)")
    g.add_argument("--rejects", default=None, metavar="FILE",
                   help="where rejected documents go, with their reasons (default: OUTPUT.rejects.jsonl); "
                        "needs --min-quality or --keep-only")
    g = p.add_argument_group("site templates")
    g.add_argument("--no-templates", action="store_true",
                   help="skip the site-template pass (one pass instead of two)")
    g.add_argument("--template-min-docs", type=positive_int, default=defaults.template_min_docs, metavar="N",
                   help=f"a template paragraph occurs in at least N documents of its site "
                        f"(default: {defaults.template_min_docs})")
    g.add_argument("--template-min-share", type=fraction, default=defaults.template_min_share, metavar="F",
                   help=f"... and in at least this share of the site's documents "
                        f"(default: {defaults.template_min_share})")
    g = p.add_argument_group("running")
    g.add_argument("--workers", type=positive_int, default=None, metavar="N",
                   help="worker processes (default: all cores; 1 runs in this process)")
    g.add_argument("--doc-timeout", type=seconds_or_none, default=defaults.doc_timeout, metavar="SECONDS",
                   help=f"time budget per document, 0 for none (default: {defaults.doc_timeout:g})")
    g.add_argument("--shard-size", type=positive_int, default=defaults.shard_size, metavar="N",
                   help=f"documents per shard, the unit of work and of resume (default: {defaults.shard_size})")
    g.add_argument("--restart", action="store_true",
                   help="ignore finished shards of an interrupted run and start over")
    g.add_argument("--engine", choices=("local", "dask"), default="local",
                   help="local process pool (default) or a Dask cluster")
    g.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="Dask scheduler address for --engine dask (default: a local cluster); "
                        "without --engine dask, a usage error")
    g.add_argument("--model", type=Path, default=None, metavar="PATH",
                   help="a model file to use instead of the shipped one")
    g.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary")
    g.add_argument("--debug", action="store_true", help="show the traceback of internal errors")
    p.set_defaults(func=run)


def options_from_args(args: argparse.Namespace) -> CleanOptions:
    site_field, site_from = args.site_field, args.site_from
    if site_from is not None and site_from.startswith("field:"):
        site_field, site_from = site_from[len("field:"):], None
    keep = None if args.keep_fields is None else tuple(f for f in args.keep_fields.split(",") if f.strip())
    return CleanOptions(
        details=args.details,
        min_quality=args.min_quality,
        keep_only=args.keep_only,
        rejects=args.rejects,
        workers=args.workers,
        doc_timeout=args.doc_timeout,
        templates=not args.no_templates,
        template_min_docs=args.template_min_docs,
        template_min_share=args.template_min_share,
        fields=field_names(args, site=site_field),
        keep_fields=keep,
        site_from=site_from,
        provenance=args.provenance,
        input_format=args.input_format,
        output_format=args.output_format,
        shard_size=args.shard_size,
        resume=not args.restart,
        quiet=args.quiet,
    )


def _error(message: str) -> None:
    print(f"detector clean: error: {message}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    from detector.cli.filter import field_option_problem

    if problem := field_option_problem(args):  # the same field options as `filter`, the same checks
        _error(problem)
        return EXIT_BAD_INPUT
    for path in (args.output, args.rejects):  # before the model loads or any work starts
        if path is not None and (problem := output_problem(path)):
            _error(problem)
            return EXIT_BAD_INPUT
    from detector.corpus import clean_corpus
    from detector.corpus.sources import unique_inputs

    inputs, duplicates = unique_inputs(args.inputs)  # read twice, they would repeat ids and skew templates
    if duplicates and not args.quiet:
        print(f"detector clean: warning: {duplicates} duplicate input{'s' if duplicates > 1 else ''} ignored "
              "(the same file or folder named more than once is read once)", file=sys.stderr)

    config = Config() if args.model is None else Config().replace(model_path=args.model)
    try:
        options = options_from_args(args)
    except ValueError as exc:
        _error(str(exc))
        return EXIT_BAD_INPUT
    try:
        summary = clean_corpus(inputs, args.output, options=options, config=config,
                               engine=args.engine, scheduler=args.scheduler)
    except KeyboardInterrupt:
        print("detector clean: interrupted; rerun the same command to resume", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:
        if args.debug and exit_code(exc) == EXIT_INTERNAL:
            raise
        _error(error_line(exc))
        return exit_code(exc)
    if not args.quiet:
        print(summary.format(), file=sys.stderr)
    return EXIT_OK
