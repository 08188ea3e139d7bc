"""Extractive QA evaluation: EM and F1 as CMRC 2018 defines them (answers normalised: lower-cased, punctuation
and spaces removed; text segmented into single CJK characters and alphanumeric runs; F1 from the longest
common subsequence; best over the reference answers; both x100).

Data: the held-out half of cmrc2018_dev_part1 (Training/common.py cmrc_split: article indices shuffled with
random.Random(2018); the first half of the shuffled articles are held out).

Function boundary: predict(list of (question, context)) -> per pair the best answer (start, end_exclusive)
in character offsets of the context, or None.

    python Benchmarks/quality/qa_eval.py --model Models/qa [--decoding logits|pipeline] [--sentences]
"""
import argparse
import os
import re
import string
import sys
import time

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "Training"))

PUNCT = set(string.punctuation) | set("，。：？！；、（）《》「」『』【】“”‘’·…—－～『』〈〉,.:;?!()[]{}<>\"' \t\n\u3000")


def segment(s):
    out, buf = [], ""
    for ch in s.lower():
        if ch in PUNCT:
            if buf:
                out.append(buf); buf = ""
            continue
        if ch.isascii() and ch.isalnum():
            buf += ch
        else:
            if buf:
                out.append(buf); buf = ""
            out.append(ch)
    if buf:
        out.append(buf)
    return out


def lcs(a, b):
    if not a or not b:
        return 0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0] * (len(b) + 1)
        for j, y in enumerate(b):
            cur[j + 1] = prev[j] + 1 if x == y else max(prev[j + 1], cur[j])
        prev = cur
    return prev[-1]


def f1_em(pred, refs):
    p = segment(pred)
    best_f1, em = 0.0, 0.0
    for r in refs:
        g = segment(r)
        if "".join(p) == "".join(g):
            em = 1.0
        l = lcs(p, g)
        if l:
            P, R = l / len(p), l / len(g)
            best_f1 = max(best_f1, 2 * P * R / (P + R))
    return best_f1, em


class TransformersQA:
    def __init__(self, model_dir=None, threads=2, max_len=256, stride=128, max_answer=30, batch=32, model=None,
                 tok=None):
        from transformers import BertTokenizerFast, ElectraForQuestionAnswering
        torch.set_num_threads(threads)
        self.tok = tok or BertTokenizerFast.from_pretrained(model_dir)
        self.model = model or ElectraForQuestionAnswering.from_pretrained(model_dir, dtype=torch.float32)
        self.model.eval()
        self.max_len, self.stride, self.max_answer, self.batch = max_len, stride, max_answer, batch

    def __call__(self, pairs):
        qs = [q for q, _ in pairs]
        cs = [c for _, c in pairs]
        enc = self.tok(qs, cs, truncation="only_second", max_length=self.max_len, stride=self.stride,
                       return_overflowing_tokens=True, return_offsets_mapping=True, padding=True,
                       return_tensors="pt")
        owner = enc.pop("overflow_to_sample_mapping").tolist()
        offs = enc.pop("offset_mapping").tolist()
        seq = [enc.sequence_ids(i) for i in range(len(owner))]
        best = [(-1e9, None)] * len(pairs)
        with torch.no_grad():
            for k in range(0, len(owner), self.batch):
                out = self.model(**{n: v[k:k + self.batch] for n, v in enc.items()})
                for j in range(out.start_logits.shape[0]):
                    w = k + j
                    ctx = [t for t, s in enumerate(seq[w]) if s == 1]
                    if not ctx:
                        continue
                    sl, el = out.start_logits[j], out.end_logits[j]
                    idx = torch.tensor(ctx)
                    s_c, e_c = sl[idx], el[idx]
                    # best (start <= end < start + max_answer) over context tokens
                    m = s_c.unsqueeze(1) + e_c.unsqueeze(0)
                    n = len(ctx)
                    ii = torch.arange(n)
                    ok = (ii.unsqueeze(1) <= ii.unsqueeze(0)) & (ii.unsqueeze(0) - ii.unsqueeze(1) < self.max_answer)
                    m = m.masked_fill(~ok, float("-inf"))
                    v, flat = m.view(-1).max(0)
                    a, b = divmod(int(flat), n)
                    sc = float(v)
                    i = owner[w]
                    if sc > best[i][0]:
                        best[i] = (sc, (offs[w][ctx[a]][0], offs[w][ctx[b]][1]))
        return [b[1] for b in best]


class PipelineQA:
    """transformers' QuestionAnsweringPipeline (the decoding bertd's annotate/answer reproduces): per window a
    softmax over the context tokens and [CLS], spans scored by start x end probability, answers aligned to
    whole words, equal answers merged by adding their scores over the windows; top 1, no empty answer."""

    def __init__(self, model_dir=None, threads=2, max_len=256, stride=128, max_answer=30, model=None, tok=None):
        from transformers import BertTokenizerFast, ElectraForQuestionAnswering, pipeline
        torch.set_num_threads(threads)
        tok = tok or BertTokenizerFast.from_pretrained(model_dir)
        model = model or ElectraForQuestionAnswering.from_pretrained(model_dir, dtype=torch.float32)
        self.pipe = pipeline("question-answering", model=model.eval(), tokenizer=tok, device=-1)
        self.kw = dict(max_seq_len=max_len, doc_stride=stride, max_answer_len=max_answer, top_k=1,
                       max_question_len=64)

    def __call__(self, pairs):
        out = []
        for q, c in pairs:
            r = self.pipe(question=q, context=c, **self.kw)
            r = r[0] if isinstance(r, list) else r
            out.append((r["start"], r["end"]) if r and r["end"] > r["start"] else None)
        return out


def evaluate(predict, examples, batch=64):
    """examples: list of dicts {question, context, answers: [text...]}. Returns EM, F1 (x100) and the
    predicted spans (`predictions`, one per example)."""
    t0 = time.time()
    preds = []
    for k in range(0, len(examples), batch):
        preds += predict([(e["question"], e["context"]) for e in examples[k:k + batch]])
    dt = time.time() - t0
    F = E = 0.0
    for e, p in zip(examples, preds):
        text = e["context"][p[0]:p[1]] if p else ""
        f, m = f1_em(text, e["answers"])
        F += f; E += m
    n = max(len(examples), 1)
    return {"em": 100 * E / n, "f1": 100 * F / n, "questions": len(examples), "questions_per_s": n / dt,
            "predictions": preds}


SENTENCE = re.compile(r"[^。！？；]+[。！？；]?")


def sentence_report(examples, predictions):
    """Where answers land, by sentence (split at 。！？；): the share of predictions inside the sentence holding
    the first reference answer (its first occurrence in the context), and two baselines that return a whole
    sentence: the one sharing most distinct characters with the question, and the gold sentence itself."""
    inside = picks_gold = f1_overlap = f1_gold = 0.0
    for e, p in zip(examples, predictions):
        ctx = e["context"]
        sents = [(m.start(), m.end()) for m in SENTENCE.finditer(ctx)] or [(0, len(ctx))]
        gold_at = ctx.find(e["answers"][0])
        gold = next((s for s in sents if s[0] <= gold_at < s[1]), None) if gold_at >= 0 else None
        q = set(e["question"])
        best = max(sents, key=lambda s: len(q & set(ctx[s[0]:s[1]])))
        f1_overlap += f1_em(ctx[best[0]:best[1]], e["answers"])[0]
        if gold:
            inside += bool(p) and gold[0] <= p[0] < gold[1]
            picks_gold += best == gold
            f1_gold += f1_em(ctx[gold[0]:gold[1]], e["answers"])[0]
    n = max(len(examples), 1)
    return {"in_gold_sentence": inside / n, "overlap_picks_gold": picks_gold / n,
            "overlap_sentence_f1": 100 * f1_overlap / n, "gold_sentence_f1": 100 * f1_gold / n}


def main():
    import common
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=os.path.join(ROOT, "Models", "qa"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--decoding", default="logits", choices=["logits", "pipeline"],
                    help="logits: best start+end logit sum over all windows (training-time monitor); pipeline: "
                         "transformers' QuestionAnsweringPipeline, the decoding bertd reproduces")
    ap.add_argument("--sentences", action="store_true",
                    help="also report where the answers land by sentence, against whole-sentence baselines")
    a = ap.parse_args()
    _, held = common.cmrc_split()
    cls = TransformersQA if a.decoding == "logits" else PipelineQA
    res = evaluate(cls(a.model, threads=a.threads), held)
    print(f"CMRC 2018 held-out (half of dev_part1, {res['questions']} questions), {a.decoding} decoding: "
          f"EM {res['em']:.1f} F1 {res['f1']:.1f} ({res['questions_per_s']:.0f} q/s)")
    if a.sentences:
        r = sentence_report(held, res["predictions"])
        print(f"answer inside the gold answer's sentence: {100 * r['in_gold_sentence']:.1f}% of questions; "
              f"baselines returning a whole sentence: most characters shared with the question (the gold one for "
              f"{100 * r['overlap_picks_gold']:.1f}%) F1 {r['overlap_sentence_f1']:.1f}, the gold sentence F1 "
              f"{r['gold_sentence_f1']:.1f}")


if __name__ == "__main__":
    main()
