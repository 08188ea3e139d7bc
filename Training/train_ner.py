"""Fine-tune LTP tiny's encoder for CLUENER2020 NER -> Models/ner/ (ElectraForTokenClassification).

Characters are tokens (bert-base-chinese's tokenizer splits CJK into single characters; non-CJK runs become
words/word pieces, and an entity is mapped to the tokens covering its first and last character). Tags: BIOES
(or BIO) over the 10 CLUENER types; decoding (Benchmarks/quality/ner_eval.py) is a Viterbi over the allowed
tag transitions followed by strict span extraction.

Split: Training/common.py cluener_split (line ids shuffled by random.Random(20201); first 10% = dev, which is
used only for evaluation).

Weight averaging (--ema D [D ...]): an exponential moving average of all weights, updated after every
optimizer step (decay min(D, (1 + n) / (10 + n)) at update n, as in TensorFlow's ExponentialMovingAverage),
is kept next to the raw weights (the second term governs for the first ~9000 updates whatever D is: over a
16-epoch run, 4848 updates, the EMA is an average of roughly the last 10% of the updates, weighted towards the
most recent); both are evaluated on dev at every evaluation, and the first EMA (not the
raw weights) is what gets exported / saved. The EMA consumes no random numbers, so the raw-weight trajectory
is the same as without it.
Adversarial training (--fgm EPS, the fast gradient method of Miyato et al. 2017): after each backward pass the
word embeddings move by EPS along their gradient's direction (normalised over the whole table), a second
forward/backward pass adds its gradient, and the embeddings move back; the step then uses both gradients.
Checkpoint averaging (--avg-from E [E ...]): the uniform average of the weights at the end of epochs E..last
(for each E given), evaluated likewise; the first one is exported (it takes precedence over --ema).

    # the shipped Models/ner (see Training/README.md: the stopping epoch and --fgm were chosen on the dev split)
    OMP_WAIT_POLICY=PASSIVE nice -n 19 python Training/train_ner.py --scheme BIOES --epochs 16 --stop-after 8 \
        --lr 4e-4 --head-lr 1e-3 --seed 1 --ema 0.999 --eval-every 4 --threads 1 --fgm 2.0
"""
import argparse
import math
import os
import random
import sys
import time

import torch
from transformers import ElectraForTokenClassification, get_linear_schedule_with_warmup

import common

sys.path.insert(0, os.path.join(common.REPO, "Benchmarks", "quality"))
import ner_eval  # noqa: E402

TYPES = ["address", "book", "company", "game", "government", "movie", "name", "organization", "position",
         "scene"]


def encode(rows, tok, labels, scheme, max_len):
    lid = {l: i for i, l in enumerate(labels)}
    enc = tok([r["text"] for r in rows], return_offsets_mapping=True, truncation=True, max_length=max_len)
    out, dropped = [], 0
    for r, ids, offs in zip(rows, enc["input_ids"], enc["offset_mapping"]):
        c2t = common.char_to_token_map(offs, len(r["text"]))
        y = [lid["O"] if b > a else -100 for a, b in offs]
        for s, e, typ in r["entities"]:
            toks = [c2t[c] for c in range(s, e) if c2t[c] >= 0]
            if not toks:
                dropped += 1
                continue
            ts, te = toks[0], toks[-1]
            if scheme == "BIOES" and ts == te:
                y[ts] = lid["S-" + typ]
                continue
            y[ts] = lid["B-" + typ]
            for t in range(ts + 1, te + 1):
                y[t] = lid[("E-" if scheme == "BIOES" and t == te else "I-") + typ]
        out.append((ids, y))
    return out, dropped


def batches(data, bs, rng):
    for b in common.shuffled_length_buckets([len(d[0]) for d in data], bs, rng):
        L = max(len(data[i][0]) for i in b)
        ids = torch.zeros(len(b), L, dtype=torch.long)
        att = torch.zeros(len(b), L, dtype=torch.long)
        y = torch.full((len(b), L), -100, dtype=torch.long)
        for j, i in enumerate(b):
            n = len(data[i][0])
            ids[j, :n] = torch.tensor(data[i][0])
            att[j, :n] = 1
            y[j, :n] = torch.tensor(data[i][1])
        yield ids, att, y


class WeightShadow:
    """A second copy (`shadow`) of a model's floating-point state (parameters and float buffers)."""

    def __init__(self, model):
        self.keys = [k for k, v in model.state_dict().items() if v.dtype.is_floating_point]
        self.shadow = None

    @torch.no_grad()
    def copy_to(self, model):
        sd = model.state_dict()
        for k, v in zip(self.keys, self.shadow):
            sd[k].copy_(v)


class EMA(WeightShadow):
    """Exponential moving average of a model's floating-point state (parameters and float buffers)."""

    def __init__(self, model, decay):
        super().__init__(model)
        self.decay, self.n = decay, 0
        sd = model.state_dict()
        self.shadow = [sd[k].detach().clone() for k in self.keys]

    @torch.no_grad()
    def update(self, model):
        self.n += 1
        d = min(self.decay, (1 + self.n) / (10 + self.n))
        sd = model.state_dict()
        cur = [sd[k].detach() for k in self.keys]
        torch._foreach_mul_(self.shadow, d)
        torch._foreach_add_(self.shadow, cur, alpha=1 - d)


class EpochAverage(WeightShadow):
    """Uniform average of the weights at the end of epochs `start`, start+1, ... (checkpoint averaging)."""

    def __init__(self, model, start):
        super().__init__(model)
        self.start, self.n = start, 0

    @torch.no_grad()
    def add(self, model, epoch):
        if epoch < self.start:
            return
        sd = model.state_dict()
        cur = [sd[k].detach() for k in self.keys]
        self.n += 1
        if self.shadow is None:
            self.shadow = [t.clone() for t in cur]
        else:  # running mean: s += (x - s) / n
            diff = torch._foreach_sub(cur, self.shadow)
            torch._foreach_add_(self.shadow, diff, alpha=1.0 / self.n)


class Swapped:
    """`with Swapped(model, ema):` the model holds the EMA weights inside the block, its own weights after."""

    def __init__(self, model, ema):
        self.model, self.ema = model, ema

    def __enter__(self):
        if self.ema is not None:
            sd = self.model.state_dict()
            self.backup = {k: sd[k].detach().clone() for k in self.ema.keys}
            self.ema.copy_to(self.model)
        return self.model

    def __exit__(self, *exc):
        if self.ema is not None:
            with torch.no_grad():
                sd = self.model.state_dict()
                for k, v in self.backup.items():
                    sd[k].copy_(v)
        return False


def adversarial_pass(model, eps, loss_fn):
    """FGM: adds the gradient of the loss with the word embeddings moved by eps along their current gradient."""
    table = model.electra.embeddings.word_embeddings.weight
    norm = table.grad.norm() if table.grad is not None else None
    if norm is None or not torch.isfinite(norm) or norm == 0:
        return
    delta = eps * table.grad / norm
    with torch.no_grad():
        table.add_(delta)
    loss_fn().backward()
    with torch.no_grad():
        table.sub_(delta)


def dev_report(model, tok, labels, dev, emas):
    """One line: dev P/R/F1 for the raw weights and each EMA, strict-argmax and Viterbi decoding."""
    model.eval()
    parts = []
    avgs = [(f"avg{e.start}-", e) for e in emas if isinstance(e, EpochAverage) and e.n]
    emas = [(f"ema{e.decay:g}", e) for e in emas if isinstance(e, EMA)]
    for name, ema in [("raw", None)] + avgs + emas:
        with Swapped(model, ema):
            for dec in ("strict", "viterbi"):
                pred = InMemory(model, tok, labels)
                pred.viterbi_decode = dec == "viterbi"
                r = ner_eval.evaluate(pred, dev)
                parts.append(f"{name}/{dec} P {r['precision']:.4f} R {r['recall']:.4f} F1 {r['f1']:.4f}")
    model.train()
    return " | ".join(parts)


def main():
    ap = argparse.ArgumentParser(description="Fine-tune LTP tiny for CLUENER2020 NER and export Models/<out>/.")
    ap.add_argument("--scheme", default="BIOES", choices=["BIOES", "BIO"])
    ap.add_argument("--epochs", type=int, default=16)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--head-lr", type=float, default=1e-3)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--max-len", type=int, default=64)
    ap.add_argument("--warmup", type=float, default=0.06)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--eval-every", type=int, default=4, help="dev evaluation every N epochs (and at the end)")
    ap.add_argument("--ema", type=float, nargs="*", default=[],
                    help="EMA decay(s) of the weights, e.g. 0.999 (effective decay at update n: min(D, (1+n)/(10+n))); "
                         "all are evaluated, the FIRST is exported (default: none, the raw final weights are exported)")
    ap.add_argument("--avg-from", type=int, nargs="*", default=[],
                    help="checkpoint averaging: uniform average of the weights at the end of epochs E..last, for "
                         "each E given; all are evaluated, the FIRST is exported (before any --ema)")
    ap.add_argument("--stop-after", type=int, default=0,
                    help="stop after this many epochs of the --epochs schedule (the learning rate still follows the "
                         "schedule for --epochs: a truncated run, not a shorter one); 0 = train all --epochs")
    ap.add_argument("--fgm", type=float, default=0.0,
                    help="adversarial training: perturb the word embeddings by this norm along their gradient")
    ap.add_argument("--limit", type=int, default=0, help="train on the first N rows only (smoke test)")
    ap.add_argument("--init", default="",
                    help="start from this encoder instead of LTP's backbone: the `electra.*` tensors of a state "
                         "file (.pt, e.g. train_qa.py --save-state) or of a model directory's model.safetensors")
    ap.add_argument("--out", default="ner", help="Models/<out>; empty = do not export")
    ap.add_argument("--save-encoder", default="", help="also save the fp32 model here (for QA warm start)")
    a = ap.parse_args()
    common.set_threads(a.threads)
    common.seed_everything(a.seed)
    rng = random.Random(a.seed)

    rows = common.read_cluener()
    train, dev = common.cluener_split(rows)
    if a.limit:
        train = train[:a.limit]
    print(f"train {len(train)} dev {len(dev)} (split seed 20201)", flush=True)
    labels = ner_eval.tag_labels(TYPES, a.scheme)
    tok = common.tokenizer()
    data, dropped = encode(train, tok, labels, a.scheme, a.max_len)
    print(f"labels {len(labels)}; entities dropped (no token) {dropped}", flush=True)

    cfg = common.ltp_config(architectures=["ElectraForTokenClassification"], num_labels=len(labels),
                            id2label={i: l for i, l in enumerate(labels)},
                            label2id={l: i for i, l in enumerate(labels)})
    model = ElectraForTokenClassification(cfg)
    common.load_backbone_into(model, common.encoder_state(a.init) if a.init else None,
                              allowed_missing_prefixes=("classifier.",))
    head = [p for n, p in model.named_parameters() if n.startswith("classifier.")]
    nodecay = lambda n: n.endswith("bias") or "LayerNorm" in n
    enc_dec = [p for n, p in model.named_parameters() if not n.startswith("classifier.") and not nodecay(n)]
    enc_nod = [p for n, p in model.named_parameters() if not n.startswith("classifier.") and nodecay(n)]
    opt = torch.optim.AdamW([{"params": enc_dec, "lr": a.lr, "weight_decay": 0.01},
                             {"params": enc_nod, "lr": a.lr, "weight_decay": 0.0},
                             {"params": head, "lr": a.head_lr, "weight_decay": 0.0}])
    steps = a.epochs * math.ceil(len(data) / a.batch)
    sched = get_linear_schedule_with_warmup(opt, int(a.warmup * steps), steps)
    emas = [EMA(model, d) for d in a.ema]
    avgs = [EpochAverage(model, e) for e in a.avg_from]
    t0 = time.time()
    step = 0
    last = a.stop_after or a.epochs
    for ep in range(1, last + 1):
        model.train()
        tot, n = 0.0, 0
        for ids, att, y in batches(data, a.batch, rng):
            loss = model(input_ids=ids, attention_mask=att, labels=y).loss
            loss.backward()
            if a.fgm:
                adversarial_pass(model, a.fgm, lambda: model(input_ids=ids, attention_mask=att, labels=y).loss)
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step(); sched.step(); opt.zero_grad()
            for e in emas:
                e.update(model)
            tot += loss.item(); n += 1; step += 1
        for av in avgs:
            av.add(model, ep)
        msg = f"epoch {ep}/{a.epochs} loss {tot / n:.4f} [{time.time() - t0:.0f}s]"
        if ep % a.eval_every == 0 or ep == last:
            msg += " dev: " + dev_report(model, tok, labels, dev, avgs + emas)
        print(msg, flush=True)
    train_s = time.time() - t0
    model.eval()
    exported = "raw final weights"
    if avgs:
        avgs[0].copy_to(model)
        exported = f"the average of the weights at the end of epochs {avgs[0].start}-{last}"
    elif emas:
        emas[0].copy_to(model)
        exported = f"the EMA of the weights (decay {emas[0].decay:g})"
    print(f"exporting {exported}", flush=True)
    if a.save_encoder:
        model.save_pretrained(a.save_encoder)
    if a.out:
        out = common.export(model, a.out, f"""Task: named-entity recognition, CLUENER2020's 10 types, {a.scheme} tags (decode: per-token argmax,
then strict span extraction; Benchmarks/quality/ner_eval.py also has a Viterbi over allowed transitions).
Fine-tuned by Training/train_ner.py (--scheme {a.scheme} --epochs {a.epochs} --lr {a.lr} --head-lr {a.head_lr}
--batch {a.batch} --max-len {a.max_len} --seed {a.seed}{f" --init {a.init}" if a.init else ""}{f" --stop-after {a.stop_after}" if a.stop_after else ""}{"".join(f" --avg-from {e}" for e in a.avg_from[:1])}{"".join(f" --ema {e:g}" for e in a.ema[:1])}{f" --fgm {a.fgm:g}" if a.fgm else ""};
exported: {exported}) on 90% of CLUENER2020 train
(https://github.com/CLUEbenchmark/CLUENER2020, via hemingkx/CLUENER2020; CLUE benchmark, research use).
""")
        # evaluate the shipped F16 file exactly as users load it
        res = ner_eval.evaluate(ner_eval.TransformersNER(out, threads=a.threads), dev)
        print(f"EXPORTED {out}: dev (strict argmax decoding) P {res['precision']:.4f} R {res['recall']:.4f} F1 {res['f1']:.4f}; "
              f"train {train_s / 60:.1f} min; size {common.dir_size(out) / 1e6:.1f} MB", flush=True)
        for k, v in res["per_type"].items():
            print(f"  {k:14s} P {v['precision']:.3f} R {v['recall']:.3f} F1 {v['f1']:.3f}")


class InMemory(ner_eval.TransformersNER):
    def __init__(self, model, tok, labels):
        self.tok, self.model, self.labels = tok, model, labels
        self.max_len, self.batch, self.viterbi_decode = 128, 64, True
        self.start, self.trans, self.end = ner_eval.transition_mask(labels)
        self.scheme = ner_eval.scheme_of(labels)


if __name__ == "__main__":
    main()
