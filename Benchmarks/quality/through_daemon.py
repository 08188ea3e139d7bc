#!/usr/bin/env python3
"""Quality of the shipped models measured THROUGH THE DAEMON, with the evaluators of this folder.

  python3 Benchmarks/quality/through_daemon.py [--task ner|csc|qa|cws|all] [--compare] [--bertd PATH]
                                               [--socket PATH] [--models DIR] [--precision float32|int8]

Starts `bertd` (release build by default) on a temporary socket with the models in --models (default
Models/), or uses a running daemon with --socket, and sends each data set through the Python client
(Clients/python/bertd_client.py): texts in batches of 64, up to 4 requests in flight. Prints the same
metrics as ner_eval.py / csc_eval.py / qa_eval.py plus sentences per second through the daemon.
With --compare it also runs the transformers evaluator on the same data (needs torch + transformers,
pinned as in Training/) and prints both, which is the parity check on real weights.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path[:0] = [os.path.join(ROOT, "Clients", "python"), os.path.join(ROOT, "Training"), HERE]

import bertd_client  # noqa: E402

BATCH = 64
WINDOW = 4


def start_daemon(bertd, models, threads, precision, flags=()):
    """(process, socket path): `bertd` serving `models` on a fresh temporary socket, quietly."""
    socket = os.path.join(tempfile.mkdtemp(prefix="bertd-quality-"), "bertd.sock")
    command = [bertd, "--socket", socket, "--threads", str(threads), "--precision", precision,
               "--log-level", "warning", *flags]
    return subprocess.Popen(command, env=dict(os.environ, BERTD_MODELS=models)), socket


def connect(socket):
    """A client of the daemon on `socket`, waiting up to 30 s for it to listen (the socket file appears a moment
    before the daemon does)."""
    for _ in range(600):
        try:
            return bertd_client.Client.connect(socket)
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"no daemon answers on {socket}")


def pipelined(client, method, batches):
    """Sends each params dict with a bounded window in flight; results in input order."""
    futures, results = [], []
    for params in batches:
        params.setdefault("encoding", "utf-32")
        futures.append(client.call_async(method, params))
        if len(futures) >= WINDOW:
            results.append(futures.pop(0).result())
    results += [f.result() for f in futures]
    return results


class DaemonNER:
    """Entities as ner_eval.py expects: per text [(start, end_exclusive, type)] in code points."""

    def __init__(self, client, model="ner", decoding="viterbi"):
        self.client, self.model, self.decoding = client, model, decoding

    def __call__(self, texts):
        chunks = [{"texts": texts[k:k + BATCH], "model": self.model, "decoding": self.decoding}
                  for k in range(0, len(texts), BATCH)]
        out = []
        for result in pipelined(self.client, "annotate/label", chunks):
            out += [[(e["start"], e["end"], e["label"]) for e in ents] for ents in result["entities"]]
        return out


class DaemonCSC:
    """Candidate edits as csc_eval.py expects: per text [(position, original, replacement, probability)],
    before its threshold and edit cap (so the same sweep runs on both backends)."""

    def __init__(self, client, model="csc"):
        self.client, self.model = client, model

    def __call__(self, texts):
        chunks = [{"texts": texts[k:k + BATCH], "model": self.model, "threshold": 0, "maxEdits": 0, "maxRounds": 1}
                  for k in range(0, len(texts), BATCH)]
        out = []
        for result in pipelined(self.client, "annotate/correct", chunks):
            out += [[(e["start"], e["original"], e["replacement"], e["score"]) for e in edits
                     if e["kind"] == "spelling"] for edits in result["edits"]]
        return out


class DaemonQA:
    """Best answer span per (question, context) as qa_eval.py expects, with its window settings."""

    def __init__(self, client, model="qa", max_len=256, stride=128, max_answer=30):
        self.client, self.model = client, model
        self.options = {"maxSeqLength": max_len, "docStride": stride, "maxAnswerLength": max_answer}

    def __call__(self, pairs):
        requests = [dict(question=q, context=c, model=self.model, **self.options) for q, c in pairs]
        out = []
        for result in pipelined(self.client, "annotate/answer", requests):
            best = result["answers"][0] if result["answers"] else None
            out.append((best["start"], best["end"]) if best and best["end"] > best["start"] else None)
        return out


class DaemonCWS:
    """Word spans as cws_eval.py expects: per text [(start, end_exclusive)] in code points."""

    def __init__(self, client, model="cws"):
        self.client, self.model = client, model

    def __call__(self, texts):
        chunks = [{"texts": texts[k:k + BATCH], "model": self.model} for k in range(0, len(texts), BATCH)]
        out = []
        for result in pipelined(self.client, "annotate/segment", chunks):
            out += [[(w["start"], w["end"]) for w in words] for words in result["words"]]
        return out


def run_cws(client, compare, models):
    import cws_eval
    corpus = cws_eval.read_corpus()
    print(cws_eval.report("through bertd", cws_eval.evaluate(DaemonCWS(client), corpus)))
    if compare:
        # transformers runs one paragraph at a time: the parity check uses the first 2,000.
        subset = corpus[:2000]
        print(cws_eval.report("through bertd", cws_eval.evaluate(DaemonCWS(client), subset)))
        ref = cws_eval.evaluate(cws_eval.TransformersCWS(os.path.join(models, "cws")), subset)
        print(cws_eval.report("transformers", ref))


def run_ner(client, compare, models):
    import common
    import ner_eval
    _, dev = common.cluener_split(common.read_cluener())
    for decoding in ("argmax", "viterbi", "strict"):
        res = ner_eval.evaluate(DaemonNER(client, decoding=decoding), dev)
        print(f"NER  CLUENER dev ({res['sentences']} sentences) through bertd, {decoding}: P {res['precision']:.4f} "
              f"R {res['recall']:.4f} F1 {res['f1']:.4f}, {res['sentences_per_s']:.0f} sentences/s")
    if compare:
        ref = ner_eval.evaluate(ner_eval.TransformersNER(os.path.join(models, "ner")), dev)
        print(f"     transformers:                    P {ref['precision']:.4f} R {ref['recall']:.4f} F1 {ref['f1']:.4f}")


def run_csc(client, compare, models):
    import csc_eval
    model_dir = os.path.join(models, "csc")
    # The decision (threshold, edit cap, rounds) tuned at training time, as the daemon uses it by default.
    tuned = csc_eval.load_candidates(os.path.join(model_dir, "candidates.json"))
    decision = dict(threshold=tuned.get("threshold", 0.5), max_edits=tuned.get("max_edits", 0) or 0,
                    rounds=tuned.get("max_rounds", 1), later_threshold=tuned.get("later_threshold"))
    predict = DaemonCSC(client)
    raw = csc_eval.evaluate_raw(predict)
    for name, m in csc_eval.score(raw, predict=predict, **decision).items():
        print(f"CSC  {csc_eval.fmt(name, m)} through bertd")
    # The scores above take the daemon's raw proposals and decide here (so the transformers side can share the
    # decision); the daemon's own default decisions must give the very same texts.
    for name, (rows, edits, dt) in raw.items():
        texts = [r["original_text"] for r in rows]
        ours = csc_eval.correct(texts, edits, predict, **decision)
        chunks = [{"texts": texts[k:k + BATCH], "model": "csc"} for k in range(0, len(texts), BATCH)]
        start = time.time()
        theirs = [t for result in pipelined(client, "annotate/correct", chunks) for t in result["corrected"]]
        elapsed = time.time() - start
        same = sum(a == b for a, b in zip(ours, theirs))
        print(f"     {name}: the daemon's default decisions give the same corrected text for {same} of {len(texts)}; "
              f"{len(texts) / elapsed:.0f} sentences/s with them ({len(texts) / dt:.0f} for one round of raw "
              f"proposals)")
    if compare:
        reference = csc_eval.TransformersCSC(model_dir)
        ref = csc_eval.evaluate_raw(reference)
        for name, m in csc_eval.score(ref, predict=reference, **decision).items():
            print(f"     {csc_eval.fmt(name, m)} transformers")


def run_qa(client, compare, models):
    import common
    import qa_eval
    _, held = common.cmrc_split()
    res = qa_eval.evaluate(DaemonQA(client), held)
    print(f"QA   CMRC 2018 held-out ({res['questions']} questions) through bertd: EM {res['em']:.1f} "
          f"F1 {res['f1']:.1f}, {res['questions_per_s']:.0f} questions/s")
    if compare:
        ref = qa_eval.evaluate(qa_eval.PipelineQA(os.path.join(models, "qa")), held)
        same = sum(a == b for a, b in zip(res["predictions"], ref["predictions"]))
        print(f"     transformers QuestionAnsweringPipeline (the daemon's decoding): EM {ref['em']:.1f} "
              f"F1 {ref['f1']:.1f}; same answer span as the daemon for {same} of {len(held)} questions")
        ref = qa_eval.evaluate(qa_eval.TransformersQA(os.path.join(models, "qa")), held)
        print(f"     transformers, qa_eval's max start+end logit decoding: EM {ref['em']:.1f} F1 {ref['f1']:.1f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--task", default="all", choices=["ner", "csc", "qa", "cws", "all"])
    ap.add_argument("--compare", action="store_true")
    ap.add_argument("--bertd", default=os.path.join(ROOT, ".build", "release", "bertd"))
    ap.add_argument("--socket")
    ap.add_argument("--models", default=os.path.join(ROOT, "Models"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--precision", default="float32", choices=["float32", "int8"],
                    help="the daemon's --precision (int8: 8-bit encoder weights)")
    a = ap.parse_args()
    tasks = ["ner", "csc", "qa", "cws"] if a.task == "all" else [a.task]
    daemon, socket = None, a.socket
    if socket is None:
        daemon, socket = start_daemon(a.bertd, a.models, a.threads, a.precision)
    client = connect(socket)
    try:
        with client:
            loaded = {m["name"] for m in client.models()}
            for task in tasks:
                if task not in loaded:
                    print(f"{task}: no model named {task} is loaded; skipped")
                    continue
                {"ner": run_ner, "csc": run_csc, "qa": run_qa, "cws": run_cws}[task](client, a.compare, a.models)
    finally:
        if daemon:
            daemon.terminate()
            daemon.wait()


if __name__ == "__main__":
    main()
