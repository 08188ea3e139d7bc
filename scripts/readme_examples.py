#!/usr/bin/env python3
"""Regenerates the request/response examples in README.md from the real daemon and the shipped models.

  python3 scripts/readme_examples.py [--bertd .build/release/bertd]

Runs bertd on stdio with Models/ (newline-delimited JSON), sends one request per method, and rewrites the
part of README.md between <!-- examples:begin --> and <!-- examples:end -->. Methods whose model is not
shipped are left out. Long arrays in responses are shortened for reading (marked with "…").
"""
import argparse
import json
import os
import pathlib
import subprocess

ROOT = pathlib.Path(__file__).resolve().parent.parent
TEXT = "张三昨天在北京大学参加了一个人工智能会议，他说今天的天汽很好。"
EXAMPLES = [
    ("csc", "annotate/correct", {"text": "我们今天去公圆玩，天汽很好。"}),
    ("ner", "annotate/label", {"text": TEXT}),
    ("qa", "annotate/answer", {"question": "张三昨天在哪里参加会议？", "context": TEXT}),
    ("cws", "annotate/segment", {"text": "他来到了北京清华大学。"}),
    ("csc", "annotate/fillMask", {"text": "北京是中国的首[MASK]。", "topK": 3}),
    ("cws", "annotate/tokenize", {"text": "北京😀 OK"}),
    ("cws", "annotate/embed", {"text": "北京", "pooling": "cls"}),
]
# No shipped model classifies or predicts next sentences: these show the shapes on random-weight fixtures.
FIXTURE_EXAMPLES = [
    ("seq=Tests/Fixtures/models/bert-seq", "annotate/classify", {"text": "这部电影很好看", "topK": 2}),
    ("nsp=Tests/Fixtures/models/bert-nsp", "annotate/nextSentence", {"text": "今天天气很好", "textPair": "我们去公园吧"}),
]


def shorten(value, depth=0):
    if isinstance(value, list):
        items = [shorten(v, depth + 1) for v in value]
        limit = 4 if all(isinstance(v, (int, float)) for v in value) else 6
        return items[:limit] + ["…"] if len(items) > limit else items
    if isinstance(value, dict):
        return {k: shorten(v, depth + 1) for k, v in value.items()}
    if isinstance(value, float):
        return round(value, 4)
    return value


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bertd", default=str(ROOT / ".build" / "release" / "bertd"))
    a = ap.parse_args()
    shipped = {name for name in os.listdir(ROOT / "Models") if (ROOT / "Models" / name / "config.json").exists()}
    chosen = [(m, p) for model, m, p in EXAMPLES if model in shipped]
    requests = [{"jsonrpc": "2.0", "id": i + 1, "method": m, "params": p} for i, (m, p) in enumerate(chosen)]
    payload = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in requests).encode()
    out = subprocess.run([a.bertd, "--stdio", "--log-level", "error"], input=payload, capture_output=True,
                         check=True, env=dict(os.environ, BERTD_MODELS=str(ROOT / "Models"))).stdout
    answers = {r["id"]: r for r in map(json.loads, out.decode().splitlines())}
    parts = []
    for request in requests:
        answer = answers[request["id"]]
        parts.append(f"`{request['method']}`\n\n```json\n{json.dumps(request, ensure_ascii=False)}\n"
                     f"{json.dumps(shorten(answer), ensure_ascii=False)}\n```\n")
    for spec, method, params in FIXTURE_EXAMPLES:
        request = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
        out = subprocess.run([a.bertd, "--stdio", "--log-level", "error", "--model", spec],
                             input=(json.dumps(request, ensure_ascii=False) + "\n").encode(), capture_output=True,
                             check=True, cwd=ROOT).stdout
        answer = json.loads(out.decode().splitlines()[0])
        parts.append(f"`{method}` (on the random-weight test fixture `{spec.split('=')[1]}`: the shape, not the "
                     f"numbers)\n\n```json\n{json.dumps(request, ensure_ascii=False)}\n"
                     f"{json.dumps(shorten(answer), ensure_ascii=False)}\n```\n")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    begin, end = "<!-- examples:begin -->", "<!-- examples:end -->"
    head, rest = readme.split(begin)
    _, tail = rest.split(end)
    (ROOT / "README.md").write_text(head + begin + "\n" + "\n".join(parts) + end + tail, encoding="utf-8")


if __name__ == "__main__":
    main()
