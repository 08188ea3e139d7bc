#!/usr/bin/env python3
"""A/B throughput of bertd builds on the development sets, in one invocation.

  python3 Benchmarks/quality/daemon_ab.py --bertd /tmp/bertd_old,.build/release/bertd [--task csc|ner]
                                         [--models DIR[,DIR...]] [--threads 2] [--rounds 3]
                                         [--precision float32|int8[,...]] [-- DAEMON FLAGS]

Variants are the builds of --bertd, or one build against several model folders (--models: e.g. the same
weights with other decoding defaults in candidates.json), or one build and folder at several precisions
(--precision float32,int8). Each round starts every variant in turn on a
temporary socket, sends each data set once to
warm it and once timed, exactly as through_daemon.py sends it (batches of 64 texts, 4 requests in flight, the
daemon's default options), and stops it; builds alternate, so a change in the machine's load hits all of them.
Prints per build and set the median and best sentences per second, and the median sentences per second of the
daemon's own CPU time (user + system: moved less by other jobs than wall time), then each variant's ratio to
the first. CSC: SIGHAN test13 and test14; NER: the CLUENER dev split.
"""
import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path[:0] = [os.path.join(ROOT, "Clients", "python"), os.path.join(ROOT, "Training"), HERE]

import common  # noqa: E402
from through_daemon import BATCH, connect, pipelined, start_daemon  # noqa: E402

METHODS = {"csc": ("annotate/correct", "csc"), "ner": ("annotate/label", "ner")}


def data_sets(task):
    if task == "csc":
        return {name: [r["original_text"] for r in common.read_sighan(name)] for name in ("test13", "test14")}
    _, dev = common.cluener_split(common.read_cluener())
    return {"cluener-dev": [r["text"] for r in dev]}


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_once(binary, models, precision, task, sets, args):
    """{set: (wall sentences/s, sentences per daemon CPU-second)} for one daemon start."""
    method, model = METHODS[task]
    daemon, socket = start_daemon(binary, models, args.threads, precision, args.daemon_flags)
    try:
        out = {}
        with connect(socket) as client:
            for name, texts in sets.items():
                def chunks():
                    return [{"texts": texts[k:k + BATCH], "model": model} for k in range(0, len(texts), BATCH)]
                pipelined(client, method, chunks())  # warm-up
                cpu0, t0 = cpu_seconds(daemon.pid), time.perf_counter()
                pipelined(client, method, chunks())
                wall, cpu = time.perf_counter() - t0, cpu_seconds(daemon.pid) - cpu0
                out[name] = (len(texts) / wall, len(texts) / cpu if cpu else float("inf"))
        return out
    finally:
        daemon.terminate()
        daemon.wait()


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bertd", required=True, help="comma-separated bertd binaries; the first is the baseline")
    ap.add_argument("--models", default=os.path.join(ROOT, "Models"),
                    help="model folder, or comma-separated folders to compare with one build")
    ap.add_argument("--task", default="csc", choices=sorted(METHODS))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--precision", default="float32",
                    help="float32 or int8, or both comma-separated to compare them with one build")
    ap.add_argument("daemon_flags", nargs="*", help="more bertd flags, after --")
    args = ap.parse_args()
    binaries, folders, precisions = args.bertd.split(","), args.models.split(","), args.precision.split(",")
    if sum(len(axis) > 1 for axis in (binaries, folders, precisions)) > 1:
        ap.error("compare several builds, several model folders or several precisions, one of them at a time")
    if set(precisions) - {"float32", "int8"}:
        ap.error(f"--precision: float32 or int8, not {args.precision}")
    variants = [(b, f, p) for b in binaries for f in folders for p in precisions]
    axis = 0 if len(binaries) > 1 else 2 if len(precisions) > 1 else 1
    sets = data_sets(args.task)
    results = {}
    for _ in range(args.rounds):
        for variant in variants:
            for name, value in run_once(*variant, args.task, sets, args).items():
                results.setdefault((name, variant), []).append(value)
    print(f"{args.task}, {args.threads} threads, {args.precision}, {args.rounds} rounds, medians:")
    for name in sets:
        base = None
        for variant in variants:
            runs = results[(name, variant)]
            wall, cpu = median([r[0] for r in runs]), median([r[1] for r in runs])
            base = base or (wall, cpu)
            label = variant[axis]
            print(f"  {name} {label}: {wall:.0f} sentences/s (best {max(r[0] for r in runs):.0f}), "
                  f"{cpu:.0f} per daemon CPU-second; x{wall / base[0]:.2f} / x{cpu / base[1]:.2f} of the first")


if __name__ == "__main__":
    main()
