"""NER evaluation: entity-level micro precision / recall / F1 (exact character span + type).

Data: the held-out 10% of CLUENER2020 train (`../shared/data/ner/cluener_train.json`), split by
Training/common.py cluener_split (line ids shuffled with random.Random(20201), first 10% = dev).

Backends (one function boundary: predict(texts) -> per text a list of (start, end_exclusive, label) in
character offsets of the original text):
  --backend transformers --model Models/ner     run the checkpoint with transformers (this file's decoder)
  (a daemon backend will plug in the same way: any callable texts -> entities)

    python Benchmarks/quality/ner_eval.py --model Models/ner
"""
import argparse
import json
import os
import sys
import time

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "Training"))
import common  # noqa: E402


# ------------------------------------------------------------------------------------------ tag schemes
def tag_labels(types, scheme="BIOES"):
    labels = ["O"]
    prefixes = list(scheme.replace("O", ""))  # BIOES -> B I E S ; BIO -> B I
    for t in types:
        for p in prefixes:
            labels.append(f"{p}-{t}")
    return labels


def scheme_of(labels):
    return "BIOES" if any(l.startswith(("E-", "S-")) for l in labels) else "BIO"


def allowed(prev, cur, scheme):
    """Allowed tag transition prev -> cur (prev None = sentence start, cur None = sentence end)."""
    pp, pt = prev.split("-", 1) if prev and prev != "O" else (prev or "START", None)
    if cur is None:
        return scheme == "BIO" or pp in ("O", "E", "S", "START")
    cp, ct = cur.split("-", 1) if cur != "O" else ("O", None)
    if cp in ("I", "E"):
        return pp in ("B", "I") and pt == ct
    # O, B-y, S-y: in BIOES an open entity (after B/I) must be continued first
    return scheme == "BIO" or pp not in ("B", "I")


def transition_mask(labels):
    scheme = scheme_of(labels)
    n = len(labels)
    trans = torch.full((n, n), float("-inf"))
    start = torch.full((n,), float("-inf"))
    end = torch.full((n,), float("-inf"))
    for j, cj in enumerate(labels):
        if allowed(None, cj, scheme):
            start[j] = 0
        if allowed(cj, None, scheme):
            end[j] = 0
        for i, ci in enumerate(labels):
            if allowed(ci, cj, scheme):
                trans[i, j] = 0
    return start, trans, end


def viterbi(logp, start, trans, end):
    """logp: (T, L) log-probabilities. Returns the best allowed label sequence (list of ints)."""
    T, L = logp.shape
    score = start + logp[0]
    back = []
    for t in range(1, T):
        best, idx = (score.unsqueeze(1) + trans).max(0)  # over previous label
        score = best + logp[t]
        back.append(idx)
    score = score + end
    last = int(score.argmax())
    path = [last]
    for idx in reversed(back):
        last = int(idx[last])
        path.append(last)
    return path[::-1]


def spans_from_tags(tags, scheme):
    """Token spans (ts, te_inclusive, type), strict decoding: an I-/E- that does not continue an entity of
    the same type opened by B- starts nothing and is dropped; in BIOES an entity needs its E- (or is an S-)."""
    out, cur = [], None  # cur = (start, type)
    for i, tg in enumerate(tags):
        p, typ = tg.split("-", 1) if tg != "O" else ("O", None)
        if p == "S":
            out.append((i, i, typ)); cur = None
        elif p == "B":
            if cur is not None and scheme == "BIO":
                out.append((cur[0], i - 1, cur[1]))
            cur = (i, typ)
        elif p == "I":
            if cur is None or cur[1] != typ:
                cur = None
        elif p == "E":
            if cur is not None and cur[1] == typ:
                out.append((cur[0], i, typ))
            cur = None
        else:
            if cur is not None and scheme == "BIO":
                out.append((cur[0], i - 1, cur[1]))
            cur = None
    if cur is not None and scheme == "BIO":
        out.append((cur[0], len(tags) - 1, cur[1]))
    return out


# ------------------------------------------------------------------------------------------ transformers
class TransformersNER:
    def __init__(self, model_dir, threads=2, max_len=128, batch=64, viterbi_decode=False):
        from transformers import BertTokenizerFast, ElectraForTokenClassification, AutoModelForTokenClassification
        torch.set_num_threads(threads)
        self.tok = BertTokenizerFast.from_pretrained(model_dir)
        self.model = AutoModelForTokenClassification.from_pretrained(model_dir, dtype=torch.float32).eval()
        self.labels = [self.model.config.id2label[i] for i in range(self.model.config.num_labels)]
        self.max_len, self.batch = max_len, batch
        self.viterbi_decode = viterbi_decode
        self.start, self.trans, self.end = transition_mask(self.labels)
        self.scheme = scheme_of(self.labels)

    def decode(self, text, offsets, logits):
        """offsets: (start, end) per token incl. specials; logits (T, L) for the same tokens."""
        keep = [t for t, (a, b) in enumerate(offsets) if b > a]
        if not keep:
            return []
        lp = torch.log_softmax(logits[keep].float(), -1)
        if self.viterbi_decode:
            path = viterbi(lp, self.start, self.trans, self.end)
        else:
            path = lp.argmax(-1).tolist()
        tags = [self.labels[i] for i in path]
        ents = []
        for ts, te, typ in spans_from_tags(tags, self.scheme):
            a, b = offsets[keep[ts]][0], offsets[keep[te]][1]
            ents.append((a, b, typ))
        return ents

    def __call__(self, texts):
        out = [None] * len(texts)
        for idx, enc, offs in common.length_batches(self.tok, texts, self.batch, self.max_len):
            with torch.no_grad():
                logits = self.model(**enc).logits
            for j, i in enumerate(idx):
                out[i] = self.decode(texts[i], offs[j], logits[j])
        return out


# ------------------------------------------------------------------------------------------ metrics
def prf(gold, pred):
    """gold, pred: per text a collection of (start, end, type). Micro P/R/F1 with per-type breakdown."""
    tp = fp = fn = 0
    per = {}
    for g, p in zip(gold, pred):
        g, p = set(map(tuple, g)), set(map(tuple, p))
        for e in p:
            d = per.setdefault(e[2], [0, 0, 0])
            if e in g:
                tp += 1; d[0] += 1
            else:
                fp += 1; d[1] += 1
        for e in g - p:
            fn += 1; per.setdefault(e[2], [0, 0, 0])[2] += 1
    def f(tp, fp, fn):
        P = tp / (tp + fp) if tp + fp else 0.0
        R = tp / (tp + fn) if tp + fn else 0.0
        return P, R, (2 * P * R / (P + R) if P + R else 0.0)
    P, R, F = f(tp, fp, fn)
    return {"precision": P, "recall": R, "f1": F, "tp": tp, "fp": fp, "fn": fn,
            "per_type": {k: dict(zip(("precision", "recall", "f1"), f(*v))) for k, v in sorted(per.items())}}


def evaluate(predict, rows):
    t0 = time.time()
    pred = predict([r["text"] for r in rows])
    dt = time.time() - t0
    res = prf([r["entities"] for r in rows], pred)
    res["sentences"] = len(rows)
    res["sentences_per_s"] = len(rows) / dt if dt > 0 else 0.0
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=os.path.join(ROOT, "Models", "ner"))
    ap.add_argument("--backend", default="transformers", choices=["transformers"])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--decode", default="strict", choices=["strict", "viterbi"],
                    help="strict: per-token argmax, then strict span extraction (best on dev for Models/ner); "
                         "viterbi: best sequence under the allowed tag transitions, then the same extraction")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    _, dev = common.cluener_split(common.read_cluener())
    predict = TransformersNER(a.model, threads=a.threads, viterbi_decode=a.decode == "viterbi")
    res = evaluate(predict, dev)
    if a.json:
        print(json.dumps(res, ensure_ascii=False, indent=1))
    else:
        print(f"CLUENER dev (held-out 10% of train, {res['sentences']} sentences, {a.decode} decoding): "
              f"P {res['precision']:.4f} R {res['recall']:.4f} F1 {res['f1']:.4f} "
              f"({res['sentences_per_s']:.0f} sent/s)")
        for k, v in res["per_type"].items():
            print(f"  {k:14s} P {v['precision']:.3f} R {v['recall']:.3f} F1 {v['f1']:.3f}")


if __name__ == "__main__":
    main()
