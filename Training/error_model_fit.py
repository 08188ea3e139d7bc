"""How well each synthetic-error model of train_csc.py fits real errors: the mean log-likelihood, per error of
SIGHAN test13 + test14 (development sets), of (1) its position among the sentence's CJK characters and (2) the
wrong character written there given the right one. Statistics (confusion sets, pair counts, character
frequencies) come from the training data only, as in training.

    python3 Training/error_model_fit.py [--extra-clean FILES (as train_csc.py)]

The uniform model (stages 1-11) draws positions uniformly and the wrong character uniformly within a confusion
kind; the learner model (`--error-model learner`, LearnerErrors) draws both as the training pairs suggest.
Errors whose wrong character is not a candidate of the right one count in neither (no model can make them).
"""
import argparse
import math

import common
import train_csc


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--extra-clean", default="", help="as train_csc.py's (they set the character frequencies)")
    a = ap.parse_args()
    tok = common.tokenizer()
    vocab = tok.get_vocab()
    src, _ = train_csc.build_candidates(vocab)
    src_ids = {k: {vocab[x]: [vocab[y] for y in sorted(ys)] for x, ys in m.items()} for k, m in src.items()}
    real = [train_csc.encode_pair(tok, vocab, r["original_text"], r["correct_text"], 512)
            for name in ("train13", "train14", "train15") for r in common.read_sighan(name)
            if len(r["original_text"]) == len(r["correct_text"])]
    clean = [train_csc.encode_pair(tok, vocab, s, s, 512) for s in train_csc.clean_sentences(a.extra_clean)]
    learner = train_csc.LearnerErrors(src_ids, clean, [(e.ids, e.tgt) for e in real])

    sums = {"uniform": [0.0, 0.0], "learner": [0.0, 0.0]}
    count = 0
    for name in ("test13", "test14"):
        for r in common.read_sighan(name):
            wrong_text, right_text = r["original_text"], r["correct_text"]
            if len(wrong_text) != len(right_text):
                continue
            right = train_csc.encode_pair(tok, vocab, right_text, right_text, 512)
            wrong = train_csc.encode_pair(tok, vocab, wrong_text, right_text, 512)
            if len(right.ids) != len(wrong.ids):
                continue
            spots = [t for t in right.cjk if learner.table(right.ids[t]) is not None]
            weights = {t: learner.position_weight(right.ids[t]) for t in spots}
            for t in right.cjk:
                c, w = right.ids[t], wrong.ids[t]
                if c == w or t not in weights:
                    continue
                pu = train_csc.uniform_probability(src_ids, train_csc.UNIFORM_KINDS, c, w)
                pl = learner.probability(c, w)
                if pu == 0.0 or pl == 0.0:
                    continue
                count += 1
                sums["uniform"][0] += math.log(1.0 / len(right.cjk))
                sums["uniform"][1] += math.log(pu)
                sums["learner"][0] += math.log(weights[t] / sum(weights.values()))
                sums["learner"][1] += math.log(pl)
    print(f"{count} dev errors (wrong character among the right one's candidates); mean log-likelihood per error:")
    for model, (position, replacement) in sums.items():
        print(f"  {model:8s} position {position / count:.3f}  wrong character {replacement / count:.3f}")


if __name__ == "__main__":
    main()
