"""Add a word list to the correction model: Models/csc/words.txt + "words" / "word_bonus" / "word_penalty" in
candidates.json.

A replacement that makes its character part of a listed word (2-4 characters) where the original was in none
gains word_bonus in score; one that leaves it in none where the original was in one loses word_penalty (bertd:
Sources/Tasks/CorrectionLexicon.swift; the evaluator: Benchmarks/quality/csc_eval.py adjusted_score). The words
are jieba 0.42.1's dictionary (PyPI sdist, MIT licence; `pip download --no-deps jieba==0.42.1`): words of 2-4
CJK characters of the model's vocabulary with a count of at least --min-count. Bonus and penalty, threshold, edit cap
and second round are chosen together on SIGHAN test13 + test14 (development sets: mean sentence correction F1),
like train_csc.py's export; no weights change.

    python3 Training/csc_lexicon.py [--model Models/csc] [--min-count 20] [--bonuses 0/0,0.2/0.2,0.3/0.1,...]
"""
import argparse
import json
import os
import sys
import tarfile

import common

sys.path.insert(0, os.path.join(common.REPO, "Benchmarks", "quality"))
import csc_eval  # noqa: E402

JIEBA_SDIST = os.environ.get("JIEBA_SDIST", "/tmp/wheels/jieba-0.42.1.tar.gz")


def jieba_words(vocab, min_count):
    """jieba's dictionary words of 2-4 CJK vocabulary characters counted at least min_count times, sorted."""
    with tarfile.open(JIEBA_SDIST) as tar:
        text = tar.extractfile("jieba-0.42.1/jieba/dict.txt").read().decode("utf-8")
    words = set()
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 2 and 2 <= len(parts[0]) <= 4 and int(parts[1]) >= min_count \
                and all(common.is_cjk(c) and c in vocab for c in parts[0]):
            words.add(parts[0])
    return sorted(words)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default=os.path.join(common.REPO, "Models", "csc"))
    ap.add_argument("--min-count", type=int, default=20)
    ap.add_argument("--bonuses", default="0/0,0.1/0.1,0.2/0.2,0.3/0.3,0.2/0.1,0.3/0.1,0.3/0.2,0.4/0.1",
                    help="bonus/penalty pairs to try")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    common.set_threads(a.threads)
    path = os.path.join(a.model, "candidates.json")
    cjson = csc_eval.load_candidates(path)
    predict = csc_eval.TransformersCSC(a.model, threads=a.threads, lexicon=(None, (0.0, 0.0)))
    words = jieba_words(predict.tok.get_vocab(), a.min_count)
    print(f"{len(words)} words of 2-4 characters (jieba count >= {a.min_count})", flush=True)

    def apply(predict, bonus):
        predict.words, predict.bonus = (set(words) if any(bonus) else None), bonus

    bonus, chosen = csc_eval.choose(
        predict, [tuple(float(x) for x in b.split("/")) for b in a.bonuses.split(",")], apply,
        lambda bonus: f"word_bonus / word_penalty {bonus[0]} / {bonus[1]}", sum)
    csc_eval.set_prior(
        cjson, ("words", "word_bonus", "word_penalty"),
        any(bonus) and dict(words="words.txt", word_bonus=bonus[0], word_penalty=bonus[1]), "Scores:",
        "Scores: a replacement that makes its character part of a word of 2-4 characters listed in `words` where the "
        "original was in none gains word_bonus, one that breaks every such word loses word_penalty (clamped to "
        "[0, 1]), before the threshold and the cap.")
    if any(bonus):
        with open(os.path.join(a.model, "words.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(words) + "\n")
    elif os.path.exists(os.path.join(a.model, "words.txt")):
        os.remove(os.path.join(a.model, "words.txt"))
    chosen.ship(path, cjson, f"word_bonus {bonus[0]}, word_penalty {bonus[1]}")


if __name__ == "__main__":
    main()
