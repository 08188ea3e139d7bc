#!/usr/bin/env python3
# Tiny random BERT / ELECTRA checkpoints for every head, with the outputs transformers computes for them.
#
# Pinned versions (the expected outputs were produced with exactly these):
#   torch==2.13.0+cpu  transformers==4.57.6  safetensors (any; only the file format matters)
#   pip install 'torch==2.13.0+cpu' 'transformers==4.57.6' safetensors
#
# Run from the package root:  nice -n 10 python3 scripts/make_model_fixtures.py
# Writes Tests/Fixtures/models/<name>/ with config.json, model.safetensors or pytorch_model.bin,
# vocab.txt (a link to the shared bert-base-chinese vocabulary, 21128 words), expected.json (inputs as
# token ids + an index of the outputs) and expected.f32 (the outputs, raw little-endian fp32).
#
# Sizes are kept small on purpose: the real 21128-word vocabulary makes the word embeddings the bulk of
# each checkpoint, so BERT fixtures use hidden 8 and ELECTRA fixtures embedding 8 (hidden 16, so the
# embeddings_project path is exercised). Weights are re-drawn with a large spread (and non-trivial
# LayerNorm gains/biases) so that every parameter visibly changes the outputs.
import copy
import json
import os
import shutil
import sys

import numpy as np
import torch
import transformers
from transformers import BertConfig, BertTokenizerFast, ElectraConfig

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "models")
VOCAB = "/work/shared/data/vocab/bert-base-chinese-vocab.txt"
MAX_POS = 64

# (fixture name, architecture, family, config overrides)
FIXTURES = [
    ("bert-model", "BertModel", "bert", {}),
    ("bert-mlm", "BertForMaskedLM", "bert", {}),
    ("bert-pretraining", "BertForPreTraining", "bert", {"layer_norm_eps": 1e-5}),
    ("bert-nsp", "BertForNextSentencePrediction", "bert", {"hidden_act": "gelu_fast"}),
    ("bert-token", "BertForTokenClassification", "bert",
     {"hidden_act": "gelu_new", "id2label": {0: "O", 1: "B-PER", 2: "I-PER", 3: "B-LOC", 4: "I-LOC"}}),
    ("bert-qa", "BertForQuestionAnswering", "bert", {"hidden_act": "relu"}),
    ("bert-seq", "BertForSequenceClassification", "bert",
     {"hidden_act": "silu", "id2label": {0: "negative", 1: "neutral", 2: "positive"}}),
    ("electra-model", "ElectraModel", "electra", {}),
    ("electra-mlm", "ElectraForMaskedLM", "electra", {}),
    ("electra-pretraining", "ElectraForPreTraining", "electra", {"hidden_act": "gelu_new"}),
    ("electra-token", "ElectraForTokenClassification", "electra",
     {"id2label": {0: "O", 1: "B-ORG", 2: "I-ORG"}}),
    ("electra-qa", "ElectraForQuestionAnswering", "electra", {"hidden_act": "gelu_pytorch_tanh"}),
    ("electra-seq", "ElectraForSequenceClassification", "electra",
     {"id2label": {0: "sports", 1: "politics", 2: "tech", 3: "arts"},
      "problem_type": "multi_label_classification"}),
    # its own decoder weight (tie_word_embeddings false), as train_csc.py --untie-head stores it
    ("electra-mlm-untied", "ElectraForMaskedLM", "electra", {"tie_word_embeddings": False}),
]

# (variant name, base fixture, torch dtype of the stored weights, safetensors?)
VARIANTS = [
    ("bert-token-f16", "bert-token", torch.float16, True),
    ("bert-token-bf16", "bert-token", torch.bfloat16, True),
    ("bert-token-bin", "bert-token", torch.float32, False),
    ("bert-token-bin-f16", "bert-token", torch.float16, False),
    ("electra-pretraining-f16", "electra-pretraining", torch.float16, True),
    ("electra-pretraining-bf16", "electra-pretraining", torch.bfloat16, True),
    ("electra-pretraining-bin", "electra-pretraining", torch.float32, False),
    ("electra-pretraining-bin-f16", "electra-pretraining", torch.float16, False),
]

LONG_TEXT = (
    "北京是中华人民共和国的首都，也是全国的政治中心、文化中心、国际交往中心和科技创新中心。"
    "这座城市有三千多年的建城史和八百多年的建都史，拥有众多名胜古迹。"
)
# (text, text pair or None); the first input is a bare [CLS] (length 1), built from ids below.
TEXTS = [
    (None, None),
    ("今天天气很好。", None),
    ("他叫什么名字？", "他叫李明，住在上海。"),
    ("Apple 公司在2024年发布了新手机", None),
    (LONG_TEXT, None),
]


def make_config(arch, family, overrides):
    common = dict(
        vocab_size=21128, num_hidden_layers=2, num_attention_heads=2, max_position_embeddings=MAX_POS,
        type_vocab_size=2, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, pad_token_id=0,
        architectures=[arch],
    )
    if family == "bert":
        config = BertConfig(hidden_size=8, intermediate_size=16, **common)
    else:
        config = ElectraConfig(embedding_size=8, hidden_size=16, intermediate_size=32, **common)
    for key, value in overrides.items():
        if key == "id2label":
            config.id2label = {int(k): v for k, v in value.items()}
            config.label2id = {v: int(k) for k, v in value.items()}
        else:
            setattr(config, key, value)
    return config


def randomize(model, seed):
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if name.endswith("LayerNorm.weight"):
                param.copy_(1.0 + 0.2 * torch.randn(param.shape, generator=generator))
            elif "embeddings" in name and name.endswith("_embeddings.weight"):
                param.copy_(0.5 * torch.randn(param.shape, generator=generator))
            else:
                fan_in = param.shape[-1] if param.dim() > 1 else 4
                param.copy_(torch.randn(param.shape, generator=generator) / np.sqrt(fan_in) * 1.2)


def encode_inputs(tokenizer):
    inputs = []
    for text, pair in TEXTS:
        if text is None:
            ids, types = [tokenizer.cls_token_id], [0]
        else:
            encoded = tokenizer(text, pair, truncation=True, max_length=MAX_POS)
            ids, types = encoded["input_ids"], encoded["token_type_ids"]
        inputs.append({"text": text, "textPair": pair, "ids": ids, "typeIds": types})
    assert len(inputs[-1]["ids"]) == MAX_POS, "the long text must fill the window"
    return inputs


def mlm_positions(length):
    # One position per input where the MLM head is compared (full [len, 21128] logits would be megabytes):
    # the last one at max length (the last position embedding), the middle one otherwise.
    if length == 1:
        return [0]
    return [length - 1] if length == MAX_POS else [length // 2]


def outputs_of(model, arch, ids, types, positions):
    """The head's outputs for a batch of one, as named numpy arrays (batch dimension dropped)."""
    input_ids = torch.tensor([ids])
    token_types = torch.tensor([types])
    mask = torch.ones_like(input_ids)
    out = model(input_ids=input_ids, token_type_ids=token_types, attention_mask=mask,
                output_hidden_states=True)
    result = {"hidden": out.hidden_states[-1][0] if arch not in ("BertModel", "ElectraModel")
              else out.last_hidden_state[0]}
    if arch == "BertModel":
        result["pooled"] = out.pooler_output[0]
    elif arch in ("BertForMaskedLM", "ElectraForMaskedLM"):
        result["mlm"] = out.logits[0, positions]
    elif arch == "BertForPreTraining":
        result["mlm"] = out.prediction_logits[0, positions]
        result["sequenceLogits"] = out.seq_relationship_logits[0]
    elif arch == "BertForNextSentencePrediction":
        result["sequenceLogits"] = out.logits[0]
    elif arch in ("BertForTokenClassification", "ElectraForTokenClassification"):
        result["tokenLogits"] = out.logits[0]
    elif arch in ("BertForQuestionAnswering", "ElectraForQuestionAnswering"):
        result["start"] = out.start_logits[0]
        result["end"] = out.end_logits[0]
    elif arch in ("BertForSequenceClassification", "ElectraForSequenceClassification"):
        result["sequenceLogits"] = out.logits[0]
    elif arch == "ElectraForPreTraining":
        result["tokenLogits"] = out.logits[0].unsqueeze(-1)  # [len, 1]: one replaced-token logit each
    elif arch != "ElectraModel":
        raise ValueError(arch)
    return {k: v.detach().float().numpy() for k, v in result.items()}


def check_batched(model, arch, inputs, unbatched):
    """Sanity check of the reference itself: padding must not change any sequence's outputs."""
    longest = max(len(i["ids"]) for i in inputs)
    ids = torch.zeros(len(inputs), longest, dtype=torch.long)
    types = torch.zeros_like(ids)
    mask = torch.zeros_like(ids)
    for row, item in enumerate(inputs):
        n = len(item["ids"])
        ids[row, :n] = torch.tensor(item["ids"])
        types[row, :n] = torch.tensor(item["typeIds"])
        mask[row, :n] = 1
    out = model(input_ids=ids, token_type_ids=types, attention_mask=mask, output_hidden_states=True)
    hidden = out.hidden_states[-1]
    for row, item in enumerate(inputs):
        n = len(item["ids"])
        diff = np.abs(hidden[row, :n].numpy() - unbatched[row]["hidden"]).max()
        assert diff < 1e-5, f"{arch}: batched reference differs by {diff}"


def write_expected(directory, name, arch, fmt, dtype, inputs, model):
    blob = []
    offset = 0
    records = []
    outs = []
    for item in inputs:
        positions = mlm_positions(len(item["ids"]))
        outputs = outputs_of(model, arch, item["ids"], item["typeIds"], positions)
        outs.append(outputs)
        index = {}
        for key, array in outputs.items():
            array = np.ascontiguousarray(array, dtype="<f4")
            index[key] = {"offset": offset, "shape": list(array.shape)}
            blob.append(array.reshape(-1))
            offset += array.size
        record = dict(item)
        record["positions"] = positions
        record["outputs"] = index
        records.append(record)
    check_batched(model, arch, inputs, outs)
    np.concatenate(blob).astype("<f4").tofile(os.path.join(directory, "expected.f32"))
    meta = {"fixture": name, "architecture": arch, "format": fmt, "dtype": dtype, "inputs": records}
    with open(os.path.join(directory, "expected.json"), "w") as f:
        json.dump(meta, f, ensure_ascii=False, indent=1)
        f.write("\n")


def fresh_directory(name):
    directory = os.path.join(OUT, name)
    if os.path.isdir(directory):
        shutil.rmtree(directory)
    os.makedirs(directory)
    os.symlink("../vocab.txt", os.path.join(directory, "vocab.txt"))
    return directory


def main():
    assert torch.__version__.startswith("2.13.0"), torch.__version__
    assert transformers.__version__ == "4.57.6", transformers.__version__
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    shutil.copyfile(VOCAB, os.path.join(OUT, "vocab.txt"))
    tokenizer = BertTokenizerFast(vocab_file=os.path.join(OUT, "vocab.txt"))
    inputs = encode_inputs(tokenizer)

    for seed, (name, arch, family, overrides) in enumerate(FIXTURES):
        config = make_config(arch, family, overrides)
        model = getattr(transformers, arch)(config).eval()
        randomize(model, 1000 + seed)
        directory = fresh_directory(name)
        model.save_pretrained(directory, safe_serialization=True)
        reloaded = getattr(transformers, arch).from_pretrained(directory, torch_dtype=torch.float32).eval()
        with torch.inference_mode():
            write_expected(directory, name, arch, "safetensors", "F32", inputs, reloaded)
        print(f"{name}: {arch}", file=sys.stderr)

        for variant, base, dtype, safetensors in VARIANTS:
            if base != name:
                continue
            vdir = fresh_directory(variant)
            copy.deepcopy(model).to(dtype).save_pretrained(vdir, safe_serialization=safetensors)
            reloaded = getattr(transformers, arch).from_pretrained(vdir, torch_dtype=torch.float32).eval()
            tag = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16"}[dtype]
            with torch.inference_mode():
                write_expected(vdir, variant, arch, "safetensors" if safetensors else "bin", tag, inputs,
                               reloaded)
            print(f"{variant}: {arch} {tag}", file=sys.stderr)


if __name__ == "__main__":
    main()
