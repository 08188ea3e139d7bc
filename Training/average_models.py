"""Average the weights of models fine-tuned from the same backbone with the same recipe ("model soup").

Runs of one recipe that differ only in seed land in the same basin of the shared pretrained start, so their
uniform average is a model as cheap to run as either, and usually better than each (the NER seeds: see
Training/README.md). Every input must have the same architecture, config and labels.

    python Training/average_models.py Models/ner /tmp/runs/ner_s2 --out ner_next

Inputs are model directories (config.json + model.safetensors or pytorch_model.bin, F16 or F32); the average is
taken in fp32 and exported like the training scripts' models (F16, vocab, NOTICE), with the first input's NOTICE
task text followed by a line naming the inputs.
"""
import argparse
import os

import torch
import transformers

import common


def load(path):
    config = transformers.AutoConfig.from_pretrained(path)
    cls = getattr(transformers, config.architectures[0])
    return cls.from_pretrained(path, dtype=torch.float32).eval()


def average(models):
    """The first model, its floating-point weights replaced by the uniform average of all models' weights."""
    states = [m.state_dict() for m in models]
    for name, first in states[0].items():
        for other in states[1:]:
            if other[name].shape != first.shape:
                raise SystemExit(f"{name}: shapes differ ({tuple(first.shape)} vs {tuple(other[name].shape)})")
    merged = {name: (sum(s[name].float() for s in states) / len(states)).to(t.dtype) if t.is_floating_point() else t
              for name, t in states[0].items()}
    models[0].load_state_dict(merged)
    return models[0]


def task_text(path):
    """The NOTICE text after the shared licence head (what the model is and how it was made)."""
    notice = os.path.join(path, "NOTICE")
    if not os.path.exists(notice):
        return ""
    with open(notice, encoding="utf-8") as f:
        text = f.read()
    return "Task:" + text.split("Task:", 1)[1] if "Task:" in text else ""


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="+", help="model directories (at least two)")
    ap.add_argument("--out", required=True, help="export to Models/<out>")
    ap.add_argument("--describe", default="", help="how the inputs were made, for the NOTICE")
    a = ap.parse_args()
    if len(a.models) < 2:
        raise SystemExit("give at least two model directories")
    models = [load(p) for p in a.models]
    labels = [m.config.id2label for m in models]
    if any(l != labels[0] for l in labels[1:]):
        raise SystemExit("the models' labels differ")
    merged = average(models)
    notice = task_text(a.models[0]) + (
        f"\nExported: the uniform average of the weights of {len(a.models)} runs (Training/average_models.py)"
        f"{': ' + a.describe if a.describe else ''}.\n")
    out = common.export(merged, a.out, notice)
    print(f"EXPORTED {out}: average of {', '.join(a.models)}")


if __name__ == "__main__":
    main()
