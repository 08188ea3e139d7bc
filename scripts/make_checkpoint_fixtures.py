#!/usr/bin/env python3
# Generates Tests/Fixtures/checkpoint/: tiny random BERT and ELECTRA checkpoints in every format the
# Checkpoint module reads, malformed archives, and expected.json with a checksum of every tensor.
#
# Pinned versions (dev-time only; tests never run Python):
#   python 3.11, torch==2.13.0+cpu, transformers==4.57.6, safetensors (as installed with them)
# Run: nice -n 10 python3 scripts/make_checkpoint_fixtures.py
import io
import json
import os
import shutil
import struct
import zipfile

import torch
import transformers
from safetensors.torch import save_file
from transformers import (BertConfig, BertForMaskedLM, BertForTokenClassification, BertModel, ElectraConfig,
                          ElectraForMaskedLM, ElectraForPreTraining)

assert torch.__version__.startswith("2.13.0"), torch.__version__
assert transformers.__version__ == "4.57.6", transformers.__version__

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "checkpoint")
TINY = dict(vocab_size=64, hidden_size=8, num_hidden_layers=2, num_attention_heads=2, intermediate_size=16,
            max_position_embeddings=16, type_vocab_size=2)
expected = {}


def fnv1a64(tensor):
    """FNV-1a 64 over the little-endian fp32 bytes of the tensor widened to fp32 (row-major)."""
    data = tensor.detach().float().contiguous().numpy().astype("<f4").tobytes()
    h = 0xcbf29ce484222325
    for byte in data:
        h ^= byte
        h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def describe(state, dtype_name):
    """Checksums of every tensor, as the Swift side recomputes them after widening."""
    out = {}
    for name, tensor in state.items():
        flat = tensor.detach().float().contiguous().flatten().tolist()
        out[name] = {"shape": list(tensor.shape), "dtype": dtype_name if tensor.is_floating_point() else "I64",
                     "fnv": fnv1a64(tensor),
                     "first": flat[:4]}
    return out


def fresh(directory):
    path = os.path.join(OUT, directory)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def save_directory(directory, model, state, fmt, dtype_name, config_override=None):
    """config.json plus the weights, and expected checksums under the stored names."""
    path = fresh(directory)
    config = json.loads(model.config.to_json_string())  # what save_pretrained writes: non-defaults only
    if config_override:
        config.update(config_override)
    with open(os.path.join(path, "config.json"), "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)
    if fmt == "safetensors":
        save_file(state, os.path.join(path, "model.safetensors"), metadata={"format": "pt"})
    else:
        torch.save(state, os.path.join(path, "pytorch_model.bin"))
    expected[directory] = describe(state, dtype_name)


def untied(state):
    """State dict as save_pretrained writes safetensors: tied copies dropped, buffers kept."""
    return {k: v.clone().contiguous() for k, v in state.items()
            if k not in ("cls.predictions.decoder.weight", "cls.predictions.decoder.bias", "generator_lm_head.weight")}


def main():
    torch.manual_seed(20240501)
    os.makedirs(OUT, exist_ok=True)

    # BERT MLM in every format and dtype.
    mlm = BertForMaskedLM(BertConfig(**TINY)).eval()
    mlm.config.architectures = ["BertForMaskedLM"]
    state = mlm.state_dict()
    save_directory("bert-mlm-f32-safetensors", mlm, untied(state), "safetensors", "F32")
    save_directory("bert-mlm-f16-safetensors", mlm, {k: v.half() for k, v in untied(state).items()},
                   "safetensors", "F16")
    save_directory("bert-mlm-bf16-safetensors", mlm, {k: v.bfloat16() for k, v in untied(state).items()},
                   "safetensors", "BF16")
    # torch.save keeps tied tensors as views of one storage.
    save_directory("bert-mlm-f32-bin", mlm, state, "bin", "F32")
    save_directory("bert-mlm-f16-bin", mlm, {k: v.half() for k, v in state.items()}, "bin", "F16")

    # A BertModel saved alone: no `bert.` prefix.
    bare = BertModel(BertConfig(**TINY)).eval()
    bare.config.architectures = ["BertModel"]
    # Older transformers saved the position_ids buffer (int64); readers must skip it.
    bare_state = dict(bare.state_dict(), **{"embeddings.position_ids": torch.arange(16).unsqueeze(0)})
    save_directory("bert-model-noprefix", bare, bare_state, "safetensors", "F32")

    # Token classification saved the TensorFlow-era way: LayerNorm.gamma/beta, as a .bin.
    tagger = BertForTokenClassification(BertConfig(**TINY, num_labels=3)).eval()
    tagger.config.architectures = ["BertForTokenClassification"]
    tagger.config.id2label = {0: "O", 1: "B-PER", 2: "I-PER"}
    tagger.config.label2id = {"O": 0, "B-PER": 1, "I-PER": 2}
    renamed = {k.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta"): v
               for k, v in tagger.state_dict().items()}
    save_directory("bert-tagger-gamma-beta", tagger, renamed, "bin", "F32")

    # An encoder under a foreign prefix (as LTP stores it), plus a head.
    backbone = {("backbone." + k[len("bert."):] if k.startswith("bert.") else k): v
                for k, v in tagger.state_dict().items()}
    save_directory("bert-backbone-prefix", tagger, backbone, "safetensors", "F32")

    # ELECTRA generator (embedding_size != hidden_size, tied LM head) and discriminator.
    electra = dict(TINY, embedding_size=4)
    generator = ElectraForMaskedLM(ElectraConfig(**electra)).eval()
    generator.config.architectures = ["ElectraForMaskedLM"]
    save_directory("electra-generator-safetensors", generator, untied(generator.state_dict()), "safetensors", "F32")
    discriminator = ElectraForPreTraining(ElectraConfig(**electra)).eval()
    discriminator.config.architectures = ["ElectraForPreTraining"]
    save_directory("electra-discriminator-bf16-bin", discriminator,
                   {k: v.bfloat16() for k, v in discriminator.state_dict().items()}, "bin", "BF16")

    make_single_files(state)
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)


def make_single_files(state):
    """Files that test one reader feature each, and malformed archives."""
    files = os.path.join(OUT, "files")
    shutil.rmtree(files, ignore_errors=True)
    os.makedirs(files)

    # Strided views: a transpose, a slice with a storage offset, and a column (non-contiguous) of F16.
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6) / 8
    views = {"transposed": base.t(), "rows": base[1:3], "column": base[:, 2], "half_transposed": base.half().t(),
             "empty": torch.zeros(0, 3), "scalar": torch.tensor(2.5)}
    torch.save(views, os.path.join(files, "strided.bin"))
    expected["files/strided.bin"] = describe(views, "mixed")

    # The MLM .bin rewritten with ZIP64 records everywhere, and with data no longer 64-byte aligned.
    rewrite(os.path.join(OUT, "bert-mlm-f32-bin", "pytorch_model.bin"), os.path.join(files, "zip64.bin"),
            zip64=True)
    # The same archive with compressed entries, which torch never writes: refused.
    rewrite(os.path.join(OUT, "bert-mlm-f32-bin", "pytorch_model.bin"), os.path.join(files, "deflated.bin"),
            compression=zipfile.ZIP_DEFLATED)

    # Pickles that must be refused: a disallowed global, an unknown opcode, a non-dict state.
    write_archive(os.path.join(files, "evil-global.bin"), b"\x80\x02cos\nsystem\nX\x04\x00\x00\x00echo\x85R.")
    write_archive(os.path.join(files, "bad-opcode.bin"), b"\x80\x02G\x40\x09\x21\xfb\x54\x44\x2d\x18.")
    write_archive(os.path.join(files, "not-a-dict.bin"), b"\x80\x02]q\x00K\x01a.")

    # Safetensors with odd tensors: I64 (listed but not served), a misaligned F32, an empty tensor.
    odd_header = {"__metadata__": {"format": "pt"},
                  "ids": {"dtype": "I64", "shape": [2], "data_offsets": [0, 16]},
                  "pad": {"dtype": "U8", "shape": [1], "data_offsets": [16, 17]},
                  "misaligned": {"dtype": "F32", "shape": [2, 2], "data_offsets": [17, 33]},
                  "empty": {"dtype": "F32", "shape": [0, 4], "data_offsets": [33, 33]}}
    header = json.dumps(odd_header).encode()
    header += b" " * (-len(header) % 8)
    data = struct.pack("<qq", 7, -1) + b"\x00" + struct.pack("<4f", 1.5, -2.0, 0.25, 3.0)
    with open(os.path.join(files, "odd.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header + data)


def rewrite(source, target, zip64=False, compression=zipfile.ZIP_STORED):
    saved = zipfile.ZIP64_LIMIT
    if zip64:
        zipfile.ZIP64_LIMIT = 1  # forces ZIP64 sizes, offsets and end records on a small file
    try:
        with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", compression=compression) as dst:
            for info in src.infolist():
                with src.open(info) as entry, dst.open(info.filename, "w", force_zip64=zip64) as out:
                    out.write(entry.read())
    finally:
        zipfile.ZIP64_LIMIT = saved


def write_archive(path, pickle_bytes):
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("archive/data.pkl", pickle_bytes)
        archive.writestr("archive/byteorder", "little")
        archive.writestr("archive/version", "3\n")


if __name__ == "__main__":
    main()
