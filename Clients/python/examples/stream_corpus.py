#!/usr/bin/env python3
"""Streams a large JSONL corpus through bertd over one socket connection, with many requests in flight.

Each input line is a JSON object holding the text (``{"text": "..."}``, or another field with --field) or
a bare JSON string. Each output line is ``{"line": N, "result": ...}`` (or ``"error"``) in input order.
Throughput goes to stderr at the end (and every --progress seconds).

    stream_corpus.py corpus.jsonl --method label --window 64 > entities.jsonl
    stream_corpus.py corpus.jsonl --method tokenize --socket /tmp/bertd.sock -o tokens.jsonl

The window bounds memory and the daemon's queue: at most --window requests are unanswered at any time,
and the oldest is written before a new one is sent, so output order matches input order without
buffering the corpus. Requests waiting together are batched by the daemon, which is where the speed-up
over one-at-a-time calls comes from.
"""

import argparse
import json
import os
import sys
import time
from collections import deque

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from bertd_client import BertdError, Client  # noqa: E402

# Methods that take one text per request, and the params they are sent as.
METHODS = {
    "tokenize": "annotate/tokenize",
    "embed": "annotate/embed",
    "label": "annotate/label",
    "correct": "annotate/correct",
    "classify": "annotate/classify",
    "segment": "annotate/segment",
}


def read_texts(stream, field):
    """Yields (line number, text) for each non-blank line."""
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        value = json.loads(line)
        text = value if isinstance(value, str) else value.get(field)
        if not isinstance(text, str):
            raise SystemExit(f"line {number}: no string field {field!r}")
        yield number, text


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", help="JSONL file ('-' for stdin)")
    parser.add_argument("--method", choices=sorted(METHODS), default="tokenize")
    parser.add_argument("--field", default="text", help="the member holding the text (default: text)")
    parser.add_argument("--model", help="model name (default: the daemon's choice for the method)")
    parser.add_argument("--socket", help="socket path (default: $BERTD_SOCKET or the daemon's default)")
    parser.add_argument("--window", type=int, default=32, help="requests in flight at once (default: 32)")
    parser.add_argument("--params", default="{}", help="extra params as a JSON object, e.g. '{\"pooling\": \"cls\"}'")
    parser.add_argument("-o", "--output", help="output file (default: stdout)")
    parser.add_argument("--progress", type=float, default=5.0, help="seconds between progress lines (0: none)")
    args = parser.parse_args()
    if args.window < 1:
        parser.error("--window must be at least 1")

    extra = json.loads(args.params)
    if args.model:
        extra["model"] = args.model
    extra.setdefault("encoding", Client.ENCODING)
    method = METHODS[args.method]
    source = sys.stdin if args.corpus == "-" else open(args.corpus, encoding="utf-8")
    sink = sys.stdout if not args.output else open(args.output, "w", encoding="utf-8")

    lines = characters = errors = 0
    started = last_report = time.monotonic()

    def report(final=False):
        elapsed = max(time.monotonic() - started, 1e-9)
        print(f"{'done' if final else '...'}: {lines} lines, {characters} characters, {errors} errors in "
              f"{elapsed:.2f} s: {lines / elapsed:.1f} lines/s, {characters / elapsed:.0f} characters/s",
              file=sys.stderr, flush=True)

    window = deque()  # (line number, text length, future), oldest first

    def write_oldest():
        nonlocal lines, characters, errors, last_report
        number, length, future = window.popleft()
        try:
            record = {"line": number, "result": future.result()}
        except BertdError as error:
            errors += 1
            record = {"line": number, "error": {"code": error.code, "message": error.message, "data": error.data}}
        sink.write(json.dumps(record, ensure_ascii=False) + "\n")
        lines += 1
        characters += length
        if args.progress and time.monotonic() - last_report >= args.progress:
            last_report = time.monotonic()
            report()

    with Client.connect(args.socket) as client:
        for number, text in read_texts(source, args.field):
            if len(window) >= args.window:
                write_oldest()
            params = dict(extra, text=text)
            window.append((number, len(text), client.call_async(method, params)))
        while window:
            write_oldest()
    sink.flush()
    report(final=True)


if __name__ == "__main__":
    main()
