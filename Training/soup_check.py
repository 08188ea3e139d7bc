"""Scores averages ("soups") of CSC training checkpoints on the development sets, without exporting them.

Each argument is one soup: checkpoints (the .pt files train_csc.py writes with --ckpt) joined by "+"; one file
alone scores that run. For each: the best one-round setting of csc_eval.sweep (threshold, per-sentence edit cap)
and, at that setting, the best second-round threshold of csc_eval.sweep_later; mean sentence correction F1 over
SIGHAN test13 + test14, as the export would choose. Scored in fp32 (the F16 export agrees to about 0.001).

    python3 Training/soup_check.py /tmp/runs/csc24.pt /tmp/runs/csc25.pt /tmp/runs/csc24.pt+/tmp/runs/csc25.pt
"""
import argparse
import os
import sys

import torch
from transformers import ElectraForMaskedLM

import common

sys.path.insert(0, os.path.join(common.REPO, "Benchmarks", "quality"))
import csc_eval  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("soups", nargs="+", help="checkpoints joined by '+' (one soup per argument)")
    ap.add_argument("--model", default=os.path.join(common.REPO, "Models", "csc"),
                    help="model folder giving the configuration, vocabulary and candidates.json")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    common.set_threads(a.threads)
    loaded = {}
    for soup in a.soups:
        states = [loaded.setdefault(p, torch.load(p, map_location="cpu", weights_only=True)["model"])
                  for p in soup.split("+")]
        state = common.average_states(states)
        # a run with --untie-head keeps its own decoder weight: load it into an untied model
        model = ElectraForMaskedLM.from_pretrained(a.model, dtype=torch.float32,
                                                   tie_word_embeddings=not common.has_own_decoder(state))
        model.load_state_dict(state)
        model.eval()
        predict = csc_eval.TransformersCSC(a.model, threads=a.threads, model=model)
        print(f"{soup}: {csc_eval.Decoding(csc_eval.evaluate_raw(predict), predict).summary()}", flush=True)


if __name__ == "__main__":
    main()
