#!/usr/bin/env python3
"""Cold start: from launching `bertd --stdio --model m=DIR` to its first result on a 128-token text.

  python3 Benchmarks/first_result.py --model DIR [--bertd .build/release/bertd] [--runs 5] [--tokens 128]

Each run starts a new daemon process (so the model is mapped, checked and packed again; the file itself is
in the page cache after the first run, as on any machine that has run bertd before), sends `initialize`,
then one `annotate/embed` of a text that tokenizes to exactly --tokens tokens, and stops the daemon. Prints
per run the wall time to the first result and the model's own load time (`bertd/models` loadSeconds),
then the median. The daemon uses its default threads (all cores).
"""
import argparse
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "Clients", "python"))

import bertd_client  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True, help="checkpoint directory (e.g. a bert-base)")
    ap.add_argument("--bertd", default=os.path.join(ROOT, ".build", "release", "bertd"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--tokens", type=int, default=128)
    args = ap.parse_args()

    # [CLS] + characters + [SEP]: every CJK character is one token.
    text = ("北京是中国的首都也是一座历史悠久的城市" * 20)[: args.tokens - 2]
    totals, loads = [], []
    for run in range(args.runs):
        start = time.perf_counter()
        client = bertd_client.Client.spawn(args.bertd, models=[("m", args.model)])
        try:
            result = client.call("annotate/embed", {"text": text, "model": "m"})
            total = (time.perf_counter() - start) * 1e3
            assert len(result["embeddings"]) > 0
            models = client.call("bertd/models", {})
        finally:
            client.close()
        seconds = next((m.get("loadSeconds") for m in models["models"] if m["name"] == "m"), None)
        load = None if seconds is None else seconds * 1e3
        totals.append(total)
        if load is not None:
            loads.append(load)
        print(f"run {run + 1}: first result {total:.0f} ms (model load {load if load is None else round(load)} ms)")
    print(f"median: first result {statistics.median(totals):.0f} ms"
          + (f", model load {statistics.median(loads):.0f} ms" if loads else ""))


if __name__ == "__main__":
    main()
