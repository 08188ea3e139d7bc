"""Convert LTP tiny's word-segmentation head into Models/cws/ (ElectraForTokenClassification, labels B-W / I-W).

LTP's cws head (`task_heads.cws`, MLPTokenClassifier) holds exactly one tensor pair, `classifier.0.weight`
(2 x 256) and `classifier.0.bias` (2): a single Linear over the encoder's last hidden state, applied per token
(LTP drops [CLS]/[SEP] before the head; the head is position-wise, so running it on all positions and ignoring
[CLS]/[SEP] is the same). That is exactly ElectraForTokenClassification's `classifier` (dropout is inactive at
inference). No retraining.

    python Training/convert_cws.py
"""
import sys

import torch
from transformers import ElectraForTokenClassification

import common

SENTENCES = [
    "他来到了北京清华大学",
    "我爱北京天安门",
    "南京市长江大桥",
    "小明硕士毕业于中国科学院计算所，后在日本京都大学深造",
    "我们在Apple公司的iPhone 15发布会上看到了新功能。",
    "今天天气不错，我们去公园散步吧！",
]


def segment(model, tok, texts):
    enc = tok(texts, return_offsets_mapping=True, padding=True, return_tensors="pt")
    offsets = enc.pop("offset_mapping").tolist()
    with torch.no_grad():
        logits = model(**enc).logits
    pred = logits.argmax(-1).tolist()
    out = []
    for text, offs, p in zip(texts, offsets, pred):
        words, cur_start, cur_end = [], None, None
        for t, (a, b) in enumerate(offs):
            if b <= a:
                continue
            if p[t] == 0 or cur_start is None:  # B-W starts a word
                if cur_start is not None:
                    words.append(text[cur_start:cur_end])
                cur_start = a
            cur_end = b
        if cur_start is not None:
            words.append(text[cur_start:cur_end])
        out.append(words)
    return out


def main():
    common.set_threads(2)
    sd = common.ltp_state_dict()
    labels = common.ltp_vocab()["cws"]
    assert labels == ["B-W", "I-W"], labels
    head = {k: v for k, v in sd.items() if k.startswith("task_heads.cws.")}
    assert sorted(head) == ["task_heads.cws.classifier.0.bias", "task_heads.cws.classifier.0.weight"], sorted(head)
    cfg = common.ltp_config(architectures=["ElectraForTokenClassification"], num_labels=2,
                            id2label={0: "B-W", 1: "I-W"}, label2id={"B-W": 0, "I-W": 1})
    model = ElectraForTokenClassification(cfg).eval()
    state = common.backbone_state(sd)
    state["classifier.weight"] = head["task_heads.cws.classifier.0.weight"]
    state["classifier.bias"] = head["task_heads.cws.classifier.0.bias"]
    missing = common.load_backbone_into(model, state)
    assert not missing, missing
    tok = common.tokenizer()
    segs = segment(model, tok, SENTENCES)
    for s, w in zip(SENTENCES, segs):
        print(" / ".join(w))
    # the F16 export must segment the same way
    out = common.export(model, "cws", """Task: Chinese word segmentation (per-token labels B-W = begins a word, I-W = inside a word).
Converted unchanged (not retrained) from LTP tiny's cws head (task_heads.cws.classifier.0, Linear 256 -> 2) by
Training/convert_cws.py; LTP trained it on its own segmentation corpora (see the LTP project).
""")
    m2 = ElectraForTokenClassification.from_pretrained(out, dtype=torch.float32).eval()
    segs2 = segment(m2, tok, SENTENCES)
    agree = sum(a == b for a, b in zip(segs, segs2))
    print(f"F16 export: {agree}/{len(SENTENCES)} sentences segmented identically; size {common.dir_size(out)/1e6:.1f} MB")
    enc = tok(SENTENCES, padding=True, return_tensors="pt")
    with torch.no_grad():
        d = (model(**enc).logits - m2(**enc).logits).abs().max().item()
    print(f"max |logit diff| fp32 vs F16 export: {d:.4f}")
    if agree != len(SENTENCES):
        sys.exit(1)


if __name__ == "__main__":
    main()
