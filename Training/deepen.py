"""Deepens an exported Electra model folder by one encoder layer: a copy of layer --copy inserted right after it.

The copy starts the deeper model close to the shallower one's function (progressive stacking), so a short
training stage (`train_csc.py --init-from OUT`, which takes the depth from OUT's config.json) adapts it instead of
learning a layer from scratch. The weights are written in fp32 (training reads them so anyway); every other file
of the folder (vocabulary, candidates.json, priors, NOTICE) is copied unchanged.

    python3 Training/deepen.py --model Models/csc --copy 2 --out /tmp/csc_deep
"""
import argparse
import os
import re
import shutil

import torch
from transformers import AutoConfig, ElectraForMaskedLM

LAYER = re.compile(r"^(electra\.encoder\.layer\.)(\d+)(\..*)$")


def deepened_state(state, copy):
    """The state dict with layer `copy` duplicated into position copy + 1 and the later layers renumbered."""
    out = {}
    for key, value in state.items():
        m = LAYER.match(key)
        if not m:
            out[key] = value
            continue
        k = int(m.group(2))
        out[f"{m.group(1)}{k + 1 if k > copy else k}{m.group(3)}"] = value
        if k == copy:
            out[f"{m.group(1)}{k + 1}{m.group(3)}"] = value.clone()
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", required=True, help="exported model folder (config.json, model.safetensors, ...)")
    ap.add_argument("--copy", type=int, required=True, help="index of the layer to duplicate (0-based)")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    config = AutoConfig.from_pretrained(a.model)
    if not 0 <= a.copy < config.num_hidden_layers:
        raise SystemExit(f"--copy {a.copy}: the model has layers 0..{config.num_hidden_layers - 1}")
    model = ElectraForMaskedLM.from_pretrained(a.model, dtype=torch.float32)
    config.num_hidden_layers += 1
    deeper = ElectraForMaskedLM(config)
    missing, unexpected = deeper.load_state_dict(deepened_state(model.state_dict(), a.copy), strict=False)
    bad = [k for k in missing + unexpected if not k.endswith("position_ids") and k != "generator_lm_head.weight"]
    if bad:
        raise SystemExit(f"mismatched keys: {bad}")
    os.makedirs(a.out, exist_ok=True)
    for name in os.listdir(a.model):
        if name not in ("config.json", "model.safetensors", "pytorch_model.bin"):
            shutil.copy(os.path.join(a.model, name), os.path.join(a.out, name))
    deeper.save_pretrained(a.out)
    print(f"{a.out}: {config.num_hidden_layers} layers (layer {a.copy} twice)")


if __name__ == "__main__":
    main()
