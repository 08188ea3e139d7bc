#!/usr/bin/env python3
# Expected outputs of transformers' pipelines on the tiny fixture checkpoints, for the Tasks parity tests.
#
# Pinned versions (the expected outputs were produced with exactly these):
#   torch==2.13.0+cpu  transformers==4.57.6  tokenizers==0.22.2
#   (4.57.x: the 5.x releases no longer ship the question-answering pipeline)
#
# Run from the package root:  nice -n 10 python3 scripts/make_task_fixtures.py
# Reads Tests/Fixtures/models/* (random weights: arbitrary but deterministic outputs, which is all parity
# needs) and writes Tests/Fixtures/tasks/*.json. Offsets are written both as the pipelines give them
# (characters) and as UTF-8 byte offsets (what bertd returns).
# Also writes Tests/Fixtures/tasks/ner-bio/ and ner-bioes/ (a token classifier with varied labels), and
# Tests/Fixtures/tasks/csc/: electra-mlm's weights with a small candidates.json, decoded the way
# /work/wt-train/Benchmarks/quality/csc_eval.py decodes (softmax over each position's candidate set).
import json
import os

import numpy as np
import torch
import transformers
from transformers import (AutoModelForMaskedLM, AutoModelForQuestionAnswering,
                          AutoModelForSequenceClassification, AutoModelForTokenClassification,
                          AutoModelForPreTraining, BertConfig, BertForNextSentencePrediction,
                          BertForTokenClassification, BertTokenizerFast, pipeline)

assert transformers.__version__ == "4.57.6", transformers.__version__
assert torch.__version__.startswith("2.13.0"), torch.__version__

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = os.path.join(ROOT, "Tests", "Fixtures", "models")
OUT = os.path.join(ROOT, "Tests", "Fixtures", "tasks")
torch.set_num_threads(1)


def byte_offset(text, char_offset):
    return len(text[:char_offset].encode("utf-8"))


def tokenizer_for(directory):
    return BertTokenizerFast(vocab_file=os.path.join(directory, "vocab.txt"))


def write(name, value):
    with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
        json.dump(value, f, ensure_ascii=False, indent=0, separators=(",", ":"))
        f.write("\n")


def link(target, name):
    if os.path.lexists(name):
        os.remove(name)
    os.symlink(target, name)


def make_ner():
    """A token classifier whose labels vary from token to token (the models/ fixtures' classifiers mostly
    predict O): hidden 4 to stay small, classifier weights drawn with a large spread. Saved twice: BIO
    labels (ner-bio) and, with the same weights, BIOES labels (ner-bioes, a link to the same tensors)."""
    config = BertConfig(vocab_size=21128, hidden_size=4, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=8, max_position_embeddings=64, hidden_dropout_prob=0.0,
                        attention_probs_dropout_prob=0.0, architectures=["BertForTokenClassification"])
    schemes = {"ner-bio": ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"],
               "ner-bioes": ["O", "B-PER", "I-PER", "E-PER", "S-PER"]}
    config.id2label = dict(enumerate(schemes["ner-bio"]))
    config.label2id = {v: k for k, v in config.id2label.items()}
    torch.manual_seed(1)
    model = BertForTokenClassification(config).eval()
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if name.endswith("LayerNorm.weight"):
                param.copy_(1.0 + torch.randn(param.shape, generator=generator))
            elif name == "classifier.bias":
                param.zero_()
            elif name == "classifier.weight":
                param.copy_(3.0 * torch.randn(param.shape, generator=generator))
            else:
                param.copy_(0.8 * torch.randn(param.shape, generator=generator))
    for name, labels in schemes.items():
        directory = os.path.join(OUT, name)
        os.makedirs(directory, exist_ok=True)
        config.id2label = dict(enumerate(labels))
        config.label2id = {v: k for k, v in config.id2label.items()}
        if name == "ner-bio":
            model.save_pretrained(directory)
        else:
            config.to_json_file(os.path.join(directory, "config.json"))
            link("../ner-bio/model.safetensors", os.path.join(directory, "model.safetensors"))
        link("../../models/vocab.txt", os.path.join(directory, "vocab.txt"))


# MARK: - Token classification

LABEL_TEXTS = [
    "今天天气很好，我们去北京的天安门广场散步。",
    "Apple 公司在2024年发布了新手机 unbelievable walking",
    "李明和王芳住在上海浦东新区，他们在 Google 工作。",
    "Hello world! 😀 naïve café résumé",
]


def label_fixtures():
    result = []
    for name in ["tasks/ner-bio", "tasks/ner-bioes", "models/electra-token"]:
        directory = os.path.join(ROOT, "Tests", "Fixtures", name)
        tok = tokenizer_for(directory)
        model = AutoModelForTokenClassification.from_pretrained(directory).eval()
        pipe = pipeline("token-classification", model=model, tokenizer=tok, framework="pt", device="cpu")
        cases = []
        for text in LABEL_TEXTS:
            for strategy in ["none", "simple", "first", "average", "max"]:
                out = pipe(text, aggregation_strategy=strategy)
                entities = []
                for e in out:
                    entities.append({
                        "label": e["entity"] if strategy == "none" else e["entity_group"],
                        "score": float(e["score"]), "start": byte_offset(text, e["start"]),
                        "end": byte_offset(text, e["end"]), "word": e["word"],
                        **({"index": int(e["index"]) - 1} if strategy == "none" else {}),
                    })
                cases.append({"text": text, "aggregation": strategy, "entities": entities})
        result.append({"model": name, "cases": cases})
    write("label.json", result)


# MARK: - Question answering

QA_CASES = [
    # (question, context, pipeline options)
    ("谁住在上海？", "他叫李明，住在上海。他的朋友王芳住在北京，在一家 Google 公司工作。", {"top_k": 3}),
    ("What is unbelievable?", "The walking robot was unbelievable and the crowd cheered loudly.", {"top_k": 3}),
    ("首都是哪里？",
     "北京是中华人民共和国的首都，也是全国的政治中心、文化中心、国际交往中心和科技创新中心。"
     "这座城市有三千多年的建城史和八百多年的建都史，拥有众多名胜古迹。上海是中国最大的经济中心城市。",
     {"top_k": 3, "max_seq_len": 48, "doc_stride": 16}),
    ("首都是哪里？",
     "北京是中华人民共和国的首都，也是全国的政治中心、文化中心、国际交往中心和科技创新中心。"
     "这座城市有三千多年的建城史和八百多年的建都史，拥有众多名胜古迹。",
     {"top_k": 2, "max_seq_len": 40, "doc_stride": 10, "handle_impossible_answer": True}),
    ("天气怎么样？", "今天天气很好。", {"top_k": 1, "handle_impossible_answer": True}),
    ("天气怎么样？", "今天天气很好，我们去公园散步吧。", {"top_k": 1, "max_answer_len": 3}),
]


def qa_fixtures():
    result = []
    for name in ["bert-qa", "electra-qa"]:
        directory = os.path.join(MODELS, name)
        tok = tokenizer_for(directory)
        model = AutoModelForQuestionAnswering.from_pretrained(directory).eval()
        pipe = pipeline("question-answering", model=model, tokenizer=tok, framework="pt", device="cpu")
        cases = []
        for question, context, options in QA_CASES:
            options = {"max_seq_len": 64, **options}
            windows = len(tok(question, context, truncation="only_second", max_length=options["max_seq_len"],
                              stride=options.get("doc_stride", min(options["max_seq_len"] // 2, 128)),
                              return_overflowing_tokens=True)["input_ids"])
            out = pipe(question=question, context=context, **options)
            if isinstance(out, dict):
                out = [out]
            answers = [{"start": byte_offset(context, a["start"]), "end": byte_offset(context, a["end"]),
                        "text": a["answer"], "score": float(a["score"])} for a in out]
            cases.append({"question": question, "context": context, "options": options, "windows": windows,
                          "answers": answers})
        result.append({"model": name, "cases": cases})
    write("answer.json", result)


# MARK: - Fill-mask

MASK_CASES = [
    ("今天[MASK]气很好。", None),
    ("我们去[MASK]京的天安门[MASK]场。", None),
    ("今天天[MASK]很好。", ["气", "汽", "器", "unbelievable"]),
    ("The [MASK] was walking.", None),
]


def fill_mask_fixtures():
    result = []
    for name in ["bert-mlm", "electra-mlm"]:
        directory = os.path.join(MODELS, name)
        tok = tokenizer_for(directory)
        model = AutoModelForMaskedLM.from_pretrained(directory).eval()
        pipe = pipeline("fill-mask", model=model, tokenizer=tok, framework="pt", device="cpu")
        cases = []
        for text, targets in MASK_CASES:
            out = pipe(text, top_k=5, **({"targets": targets} if targets else {}))
            if isinstance(out[0], dict):
                out = [out]
            masks = [[{"token": int(p["token"]), "tokenString": p["token_str"], "score": float(p["score"])}
                      for p in row] for row in out]
            cases.append({"text": text, "targets": targets, "masks": masks})
        result.append({"model": name, "cases": cases})
    write("fill_mask.json", result)


# MARK: - Sequence classification and next sentence

CLASSIFY_CASES = [("今天天气很好。", None), ("他叫什么名字？", "他叫李明，住在上海。"), ("Apple 公司发布了新手机", None)]


def classify_fixtures():
    result = []
    for name in ["bert-seq", "electra-seq"]:
        directory = os.path.join(MODELS, name)
        tok = tokenizer_for(directory)
        model = AutoModelForSequenceClassification.from_pretrained(directory).eval()
        pipe = pipeline("text-classification", model=model, tokenizer=tok, framework="pt", device="cpu")
        cases = []
        for text, pair in CLASSIFY_CASES:
            inputs = {"text": text, "text_pair": pair} if pair else text
            out = pipe(inputs, top_k=None)
            cases.append({"text": text, "textPair": pair,
                          "scores": [{"label": s["label"], "score": float(s["score"])} for s in out]})
        result.append({"model": name, "cases": cases})
    nsp = []
    for name, cls in [("bert-nsp", BertForNextSentencePrediction), ("bert-pretraining", AutoModelForPreTraining)]:
        directory = os.path.join(MODELS, name)
        tok = tokenizer_for(directory)
        model = cls.from_pretrained(directory).eval()
        cases = []
        for text, pair in [("今天天气很好。", "我们去公园散步吧。"), ("他叫什么名字？", "Apple 公司发布了新手机")]:
            with torch.no_grad():
                out = model(**tok(text, pair, return_tensors="pt"))
            logits = out.logits if hasattr(out, "logits") else out.seq_relationship_logits
            cases.append({"text": text, "textPair": pair, "isNext": float(torch.softmax(logits[0], -1)[0])})
        nsp.append({"model": name, "cases": cases})
    write("classify.json", {"classify": result, "nextSentence": nsp})


# MARK: - Spelling correction (decoding of csc_eval.py)

CSC_CANDIDATES = {
    "天": "夫大", "气": "汽器弃", "很": "狠恨", "好": "号", "他": "她它", "在": "再", "的": "地得", "是": "事市",
    "京": "经", "场": "厂常", "今": "金", "们": "门", "去": "趣", "住": "注柱", "海": "每", "上": "尚",
}
CSC_TEXTS = ["今天天气很好，我们去北京的天安门广场。", "他住在上海，Apple 公司的 2024 年新手机很好。", "ABC 123 ， 。"]


def is_cjk(ch):
    o = ord(ch)
    return 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x2FA1F


def csc_fixtures():
    directory = os.path.join(OUT, "csc")
    os.makedirs(directory, exist_ok=True)
    for file in ["config.json", "model.safetensors", "vocab.txt"]:
        link(f"../../models/electra-mlm/{file}", os.path.join(directory, file))
    with open(os.path.join(directory, "candidates.json"), "w", encoding="utf-8") as f:
        json.dump({"format": "bertd-csc-candidates-1", "softmax": "candidates", "threshold": 0.5, "max_edits": 0,
                   "candidates": CSC_CANDIDATES}, f, ensure_ascii=False, indent=0)
    tok = tokenizer_for(directory)
    vocab = tok.get_vocab()
    inverse = {i: t for t, i in vocab.items()}
    model = AutoModelForMaskedLM.from_pretrained(directory).eval()

    def candidates_of(token_id):
        ids = [token_id]
        for ch in CSC_CANDIDATES.get(inverse[token_id], ""):
            j = vocab.get(ch)
            if j is not None and j not in ids:
                ids.append(j)
        return ids

    def proposals(text, mode, restricted):
        enc = tok(text, return_offsets_mapping=True)
        ids = enc["input_ids"]
        edits = []
        for t, (a, b) in enumerate(enc["offset_mapping"]):
            if b - a != 1 or not is_cjk(text[a]):
                continue
            run = list(ids)
            if mode == "mask":
                run[t] = tok.mask_token_id
            with torch.no_grad():
                logits = model(input_ids=torch.tensor([run])).logits[0, t]
            cand = candidates_of(ids[t]) if restricted else list(range(len(logits)))
            prob = torch.softmax(logits[cand], -1)
            j = int(prob.argmax())
            best = cand[j]
            rep = inverse[best]
            if best != ids[t] and len(rep) == 1 and is_cjk(rep) and rep != text[a]:
                edits.append({"start": byte_offset(text, a), "end": byte_offset(text, b), "original": text[a],
                              "replacement": rep, "score": float(prob[j]),
                              "originalScore": float(prob[cand.index(ids[t])])})
        return edits

    cases = []
    for text in CSC_TEXTS:
        for mode in ["direct", "mask"]:
            for restricted in [True, False]:
                cases.append({"text": text, "mode": mode, "candidates": restricted,
                              "edits": proposals(text, mode, restricted)})
    write("correct.json", cases)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    make_ner()
    label_fixtures()
    qa_fixtures()
    fill_mask_fixtures()
    classify_fixtures()
    csc_fixtures()
