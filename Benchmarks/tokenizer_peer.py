#!/usr/bin/env python3
# Hugging Face tokenizers (Rust) on the corpus TokenizerBenchmark wrote: one line at a time, one thread.
# Pinned versions: Python 3.11, tokenizers==0.22.2, transformers==4.57.6.
# Usage: TOKENIZERS_PARALLELISM=false python3 Benchmarks/tokenizer_peer.py DATA_DIR CORPUS
# Prints one line per vocabulary: "RESULT name MB/s tokens/s".
import json
import os
import pathlib
import sys
import tempfile
import time

os.environ["TOKENIZERS_PARALLELISM"] = "false"
from transformers import BertTokenizerFast  # noqa: E402

data, corpus = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
lines = corpus.read_text(encoding="utf-8").split("\n")[:-1]
size = sum(len(line.encode("utf-8")) for line in lines)
for name, file, vocab_size in [("bert-base-chinese", "bert-base-chinese-vocab.txt", 21128),
                               ("bert-base-uncased", "bert-base-uncased-vocab.txt", 30522)]:
    directory = pathlib.Path(tempfile.mkdtemp())
    (directory / "vocab.txt").write_bytes((data / "vocab" / file).read_bytes())
    (directory / "tokenizer_config.json").write_text(json.dumps({"do_lower_case": True}))
    tokenizer = BertTokenizerFast.from_pretrained(str(directory)).backend_tokenizer
    assert tokenizer.get_vocab_size() == vocab_size
    best, tokens = float("inf"), 0
    for _ in range(3):
        start = time.perf_counter()
        count = 0
        for line in lines:
            count += len(tokenizer.encode(line).ids)
        best = min(best, time.perf_counter() - start)
        tokens = count
    print(f"RESULT {name} {size / 1e6 / best:.2f} MB/s {tokens / best:.0f} tokens/s ({tokens} tokens, best of 3: {best:.3f} s)")
