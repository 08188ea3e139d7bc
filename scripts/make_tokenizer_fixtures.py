#!/usr/bin/env python3
# Generates the tokenizer parity fixtures from Hugging Face `BertTokenizerFast`.
#
# Pinned versions: Python 3.11, tokenizers==0.22.2, transformers==4.57.6.
# Inputs: ../shared/data (vocabularies, CLUENER, SIGHAN, CMRC 2018). Deterministic (fixed seed).
# Outputs (Tests/Fixtures/tokenizer/):
#   corpus.jsonl       one JSON string per line: the parity corpus (JSON escaping keeps newlines unambiguous)
#   expected-zh.jsonl  per corpus line, bert-base-chinese: {"ids": [...], "offsets": [s0, e0, s1, e1, ...],
#   expected-en.jsonl  "words": [...]} with special tokens, offsets in code points as Python reports them
#   cases.jsonl        pairs, truncation, padding and overflowing windows, both vocabularies
#
# Usage: nice -n 10 python3 scripts/make_tokenizer_fixtures.py   (from the repository root)
import json
import pathlib
import random
import tempfile

import tokenizers
import transformers
from transformers import BertTokenizerFast

assert tokenizers.__version__ == "0.22.2", tokenizers.__version__
assert transformers.__version__ == "4.57.6", transformers.__version__

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
if not DATA.exists():
    DATA = pathlib.Path("/work/shared/data")
OUT = ROOT / "Tests" / "Fixtures" / "tokenizer"
VOCABS = {"zh": ("bert-base-chinese-vocab.txt", 21128), "en": ("bert-base-uncased-vocab.txt", 30522)}
rng = random.Random(20240603)


def load_tokenizer(name):
    file, size = VOCABS[name]
    directory = pathlib.Path(tempfile.mkdtemp())
    (directory / "vocab.txt").write_bytes((DATA / "vocab" / file).read_bytes())
    (directory / "tokenizer_config.json").write_text(json.dumps({"do_lower_case": True}))
    tokenizer = BertTokenizerFast.from_pretrained(str(directory))
    assert len(tokenizer) == size and tokenizer.backend_tokenizer.get_vocab_size() == size, len(tokenizer)
    return tokenizer


# MARK: - Corpus

def real_chinese():
    lines = []
    with open(DATA / "ner" / "cluener_train.json", encoding="utf-8") as f:
        ner = [json.loads(line)["text"] for line in f]
    lines += rng.sample(ner, 600)
    csc = []
    for name in ["sighan_train14.json", "sighan_test13.json", "sighan_train15.json"]:
        csc += [row["original_text"] for row in json.loads((DATA / "csc" / name).read_text(encoding="utf-8"))]
    lines += rng.sample(csc, 300)
    questions, sentences = [], []
    for name in ["cmrc2018_trial.json", "cmrc2018_dev_part1.json"]:
        for article in json.loads((DATA / "qa" / name).read_text(encoding="utf-8"))["data"]:
            for paragraph in article["paragraphs"]:
                sentences += [s + "。" for s in paragraph["context"].split("。") if s.strip()]
                questions += [qa["question"] for qa in paragraph["qas"]]
    lines += rng.sample(questions, 100) + rng.sample(sentences, 200)
    return lines


EDGE_CASES = [
    "", " ", "\t\n\r", "Hello, world!", "HELLO World", "don't stop-believing...", "U.S.A. e.g. i.e.",
    "Hello [MASK] world", "x[MASK]y [mask] [ MASK ] [MASK][MASK]", "[CLS] a [SEP] b [SEP]", "[UNK][PAD]", "[MASK",
    "今天天气[MASK]好", "[unused1] [unused99]", "İstanbul İİ ı I", "café naïve résumé Ångström", "ﬁ ﬂ ½ Ⅻ ㎏ ™",
    "e\u0301e\u0301 a\u0300\u0301\u0302 o\u0323\u0302", "\u0301abc", "Ελληνικά ΣΊΣΥΦΟΣ", "Привет, МИР!",
    "ＡＢＣ１２３！？　全角，标点。", "ｈｔｔｐｓ：／／ｅｘａｍｐｌｅ．ｃｏｍ", "https://example.com/path?q=1&x=%20#frag",
    "user@example.com", "for (int i = 0; i < n; ++i) { x[i] = y[i] * 2; }", "def f(x): return x**2  # square",
    "😀 hi😀 👍🏽 👨‍👩‍👧 🇨🇳", "日本語のテキストです。カタカナ、ひらがな。", "한국어 텍스트입니다. 안녕하세요!",
    "a\u0000b\u0001c\u007fd\u0085e\u009ff", "zero\u200bwidth\u200cjoin\u200dx\ufeffy\u2060z", "nbsp\u00a0x\u3000y\u2003z\u202fw",
    "tab\there\nnewline\r\ncrlf\u2028ls\u2029ps", "\u000b\u000c\u001c\u001d\u001e\u001f", "replacement\ufffdchar",
    "a" * 100, "a" * 101, "b" * 250 + " end", "é" * 101, "e\u0301" * 60, "中" * 150, "x" + "\u0301" * 150,
    "supercalifragilisticexpialidocious antidisestablishmentarianism", "tokenization unaffable",
    "\U0002B81F\U0002B820\U0002B91F\U0002B920", "𠀀𪛟𪛠𪜀𫜴𫝀𫠝𫠠𬺰𮯠𰀀𱍊", "\u4dbf\u4dc0\u9fff\ua000\uf900\ufaff\ufb00",
    "\U0002f800\U0002fa1f\U0002fa20", "\u3400\u33ff", "Ω Å K ℃ ℉", "\u1d165\u1d16d \U0001D165\U0001D16D\U0001D165",
    "a\U0001D16D\U0001D165b", "\ue000\uf8ff private use", "\U000e0001 tag", "ʻokina ʼapostrophe",
    "1,234.56 3.14159 -42 +7 1e10 0x1F", "C++ C# .NET node.js", "“quotes” ‘single’ «guillemets» „low“",
    "em—dash en–dash ‐ hyphen … ellipsis", "¿Qué? ¡Sí!", "§ ¶ † ‡ • ‰ ′ ″", "\u0e01\u0e34\u0e19\u0e02\u0e49\u0e32\u0e27 ไทย",
    "हिन्दी देवनागरी", "العربية مرحبا", "עברית שלום", "ᄀᄁᄂ ᅡᅢ ᆨᆩ", "ｶﾀｶﾅ ﾊﾟ", "㊀㊁ ㈱ ①②③",
    "\u0130\u0307", "ǅ ǈ ǋ ǲ", "ß ẞ ſ", "ﬀ ﬃ ﬅ", "ΐ ΰ ῒ", "\u0345 \u0399\u0345", "Ⓐ ⓐ 🄰",
    "〇一二三 零壹贰", "①号 第２章", "100％ ￥200 $30 €40 £50", "你好，世界！Hello, World!", "中文English混合mixed文本",
    "CSOL生化狂潮", "iPhone15 Pro Max 256GB", "COVID-19疫情", "北京时间2024年6月3日",
    "   leading and trailing   ", "multiple     spaces", "\n\n\n", "a\u0300\u0300\u0300\u0300b",
    "\u00ad soft\u00adhyphen", "\u061c\u200e\u200f marks", "\u2066isolate\u2069", "\u180e mongolian",
    "\u0890\u0891\u08e2 new format", "\U000110cd \U00013430 \U0001343f", "\u2e43\u2e52\u2e5d new punct", "\u166d \U000111c9",
    "\u1c89\u1c8a \ua7cb \U00010d50", "\U00011938 dives", "\ua8ff \u0ece", "\u09fe \u0afa",
]

BLOCKS = [
    (0x20, 0x7E), (0xA0, 0xFF), (0x100, 0x24F), (0x250, 0x2FF), (0x300, 0x36F), (0x370, 0x3FF), (0x400, 0x4FF),
    (0x590, 0x6FF), (0x900, 0x97F), (0xE00, 0xE7F), (0x1100, 0x11FF), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF),
    (0x1E00, 0x1FFF), (0x2000, 0x206F), (0x2070, 0x214F), (0x2150, 0x218F), (0x2190, 0x23FF), (0x2460, 0x24FF),
    (0x2E00, 0x2E7F), (0x3000, 0x303F), (0x3040, 0x30FF), (0x3100, 0x31FF), (0x3200, 0x33FF), (0x3400, 0x4DBF),
    (0x4DB0, 0x4E10), (0x4E00, 0x9FFF), (0x9FF0, 0xA010), (0xAC00, 0xD7A3), (0xE000, 0xE0FF), (0xF900, 0xFAFF),
    (0xFAF0, 0xFB10), (0xFB00, 0xFB4F), (0xFE00, 0xFE6F), (0xFF00, 0xFFEF), (0xFFF0, 0xFFFF), (0x10000, 0x1007F),
    (0x10D00, 0x10D8F), (0x11000, 0x1107F), (0x111C0, 0x111DF), (0x11900, 0x1195F), (0x1D160, 0x1D1AF),
    (0x1F300, 0x1F6FF), (0x1F900, 0x1F9FF), (0x20000, 0x2A6DF), (0x2A6D0, 0x2A710), (0x2A700, 0x2B73F),
    (0x2B730, 0x2B750), (0x2B740, 0x2B81F), (0x2B810, 0x2B930), (0x2B920, 0x2CEAF), (0x2CEA0, 0x2CEC0),
    (0x2CEB0, 0x2EBEF), (0x2F800, 0x2FA1F), (0x2FA10, 0x2FA30), (0x30000, 0x3134F), (0x31350, 0x323AF),
    (0xE0000, 0xE007F), (0xF0000, 0xF00FF), (0x0, 0x1F), (0x7F, 0x9F),
]


def random_string():
    parts = []
    for _ in range(rng.randint(3, 25)):
        roll = rng.random()
        if roll < 0.15:
            parts.append(" ")
        elif roll < 0.3:
            parts.append(rng.choice("abcXYZ019.,!-'"))
        else:
            low, high = rng.choice(BLOCKS)
            parts.append(chr(rng.randint(low, high)))
    return "".join(parts)


def vocabulary_lines(words, count):
    lines = []
    for _ in range(count):
        pieces = []
        for _ in range(rng.randint(1, 8)):
            token = rng.choice(words)
            if token.startswith("##") and pieces:
                pieces[-1] += token[2:]
            else:
                pieces.append(token.lstrip("#") or token)
        lines.append(" ".join(p.upper() if rng.random() < 0.2 else p for p in pieces))
    return lines


def english_lines(words, count):
    plain = [w for w in words if w.isalpha() and w.isascii() and len(w) > 1]
    lines = []
    for _ in range(count):
        sentence = " ".join(rng.choice(plain) for _ in range(rng.randint(4, 16)))
        sentence = sentence[0].upper() + sentence[1:]
        if rng.random() < 0.5:
            sentence = sentence.replace(" ", ", ", 1)
        lines.append(sentence + rng.choice([".", "!", "?", "...", ""]))
    return lines


def corpus():
    zh_words = (DATA / "vocab" / VOCABS["zh"][0]).read_text(encoding="utf-8").split("\n")
    en_words = (DATA / "vocab" / VOCABS["en"][0]).read_text(encoding="utf-8").split("\n")
    lines = list(EDGE_CASES)
    lines += real_chinese()
    lines += english_lines(en_words, 250)
    lines += vocabulary_lines(en_words, 150) + vocabulary_lines(zh_words, 150)
    lines += [random_string() for _ in range(700)]
    # Mixed lines: Chinese prose with English, code and emoji spliced in.
    for _ in range(100):
        a, b = rng.sample(lines[len(EDGE_CASES):len(EDGE_CASES) + 1200], 2)
        cut = rng.randint(0, len(a))
        lines.append(a[:cut] + " " + b[: rng.randint(1, 40)] + rng.choice(["😀", "http://x.cn/a?b=1", "\t", "", "[MASK]"]))
    return lines


# MARK: - Expected outputs

def flat_offsets(offsets):
    return [x for pair in offsets for x in pair]


def encode_line(tokenizer, text):
    e = tokenizer(text, return_offsets_mapping=True)
    words = [-1 if w is None else w for w in e.word_ids()]
    return {"ids": e["input_ids"], "offsets": flat_offsets(e["offset_mapping"]), "words": words}


def case(tokenizer, vocab, text, pair=None, strategy=None, max_length=None, stride=0, padding=None,
         multiple=None, special=True):
    kwargs = dict(return_offsets_mapping=True, return_special_tokens_mask=True, add_special_tokens=special,
                  return_token_type_ids=True, return_attention_mask=True)
    if strategy:
        kwargs.update(truncation=strategy, max_length=max_length, stride=stride, return_overflowing_tokens=True)
    if padding:
        # transformers pads to the truncation length: one max_length serves both.
        assert max_length is None or max_length == padding
        kwargs.update(padding="max_length", max_length=padding)
    if multiple:
        kwargs.update(pad_to_multiple_of=multiple, padding=kwargs.get("padding", "longest"))
    record = {"vocab": vocab, "text": text, "pair": pair, "strategy": strategy, "maxLength": max_length,
              "stride": stride, "padding": padding, "multiple": multiple, "special": special}
    try:
        e = tokenizer(text, pair, **kwargs)
    except BaseException as error:  # the reference refuses (a Rust panic is a BaseException): bertd must throw
        record["error"] = type(error).__name__
        return record
    rows = []
    for index, encoding in enumerate(e.encodings):
        rows.append({
            "ids": encoding.ids, "typeIds": encoding.type_ids,
            "attention": encoding.attention_mask, "special": encoding.special_tokens_mask,
            "offsets": flat_offsets(encoding.offsets),
            "sequences": [-1 if s is None else s for s in encoding.sequence_ids],
            "words": [-1 if w is None else w for w in encoding.word_ids],
        })
        # The fast tokenizer's Python view must agree with the Rust encodings it wraps.
        assert e["input_ids"][index] == encoding.ids if strategy else e["input_ids"] == encoding.ids
    if rows:
        rows[0]["tokens"] = e.encodings[0].tokens
    record["rows"] = rows
    return record


def cases(tokenizers_by_name, lines):
    records = []
    qa = json.loads((DATA / "qa" / "cmrc2018_trial.json").read_text(encoding="utf-8"))["data"]
    samples = []
    for article in qa[:40]:
        for paragraph in article["paragraphs"]:
            samples.append((paragraph["qas"][0]["question"], paragraph["context"][:260]))
    english = [l for l in lines if l.isascii() and len(l) > 40][:20]
    for vocab, tokenizer in tokenizers_by_name.items():
        for i, (question, context) in enumerate(samples[:20]):
            max_length, stride = [(64, 16), (128, 32), (48, 8), (96, 0)][i % 4]
            records.append(case(tokenizer, vocab, question, context, "only_second", max_length, stride,
                                padding=max_length if i % 2 else None))
        for i, (question, context) in enumerate(samples[20:32]):
            records.append(case(tokenizer, vocab, context, question, "only_first", 40 + i, 10))
        for i, (question, context) in enumerate(samples[:12]):
            strategy_text = context[: 30 + 17 * i]
            records.append(case(tokenizer, vocab, strategy_text, question + context[:i * 9], "longest_first", 20 + 5 * i))
        for i, (question, context) in enumerate(samples[:10]):
            records.append(case(tokenizer, vocab, context, None, "longest_first", 32 + 8 * i, 4 * i))
            records.append(case(tokenizer, vocab, context, None, "only_first", 16 + i, 4 + i // 2))
        for i, text in enumerate(english[:10]):
            records.append(case(tokenizer, vocab, text, english[-1 - i], None, padding=None, multiple=8))
            records.append(case(tokenizer, vocab, text, None, "longest_first", 12, 3, padding=12))
            records.append(case(tokenizer, vocab, text, english[i + 1], None, special=False))
            records.append(case(tokenizer, vocab, text, None, "longest_first", 10, 2, special=False))
        # The reference refuses these: the kept sequence leaves no room, or only_second without a pair.
        records.append(case(tokenizer, vocab, samples[0][1], samples[0][0], "only_second", 20, 2))
        records.append(case(tokenizer, vocab, samples[0][1], None, "only_second", 20, 2))
        records.append(case(tokenizer, vocab, samples[1][1], None, "only_first", 16, 14))
        records.append(case(tokenizer, vocab, "[MASK] 你好 [SEP] hi", "😀 [CLS] x", "longest_first", 8, 1))
    return records


def main():
    tokenizers_by_name = {name: load_tokenizer(name) for name in VOCABS}
    lines = corpus()
    assert len(lines) >= 2000, len(lines)
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / "corpus.jsonl", "w", encoding="utf-8") as f:
        for line in lines:
            f.write(json.dumps(line, ensure_ascii=False) + "\n")
    for name, tokenizer in tokenizers_by_name.items():
        with open(OUT / f"expected-{name}.jsonl", "w", encoding="utf-8") as f:
            for line in lines:
                f.write(json.dumps(encode_line(tokenizer, line), separators=(",", ":")) + "\n")
    with open(OUT / "cases.jsonl", "w", encoding="utf-8") as f:
        for record in cases(tokenizers_by_name, lines):
            f.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
    print(len(lines), "corpus lines")


main()
