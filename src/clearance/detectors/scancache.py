"""Scans of a piece of copy read by several detectors, computed once per copy.

The minor reading is read by four detectors (``minor-mention``, ``minor-sexualised``,
``evasion``, the semantic stage), the sexualising lexicon by three and the language of the copy by
all of them; each recomputing it cost about half the CPU of screening a catalog description
(``bench/bench_copy.py``, profiled 2026-12-07). A scan depends only on the text and on word lists
and models that do not change while a process runs, so its result is kept, keyed by the text, for
the last :data:`SIZE` texts of each kind — more than one screening batch (64 items), so every
detector of a batch finds the scans the first one made. Findings are frozen, so sharing them is
safe.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from threading import Lock
from typing import Final, Generic, TypeVar

T = TypeVar("T")
#: Texts kept per kind of scan.
SIZE: Final = 1024


class ScanCache(Generic[T]):
    """A small thread-safe least-recently-used map from a text to one kind of scan of it."""

    def __init__(self, size: int = SIZE) -> None:
        self._items: OrderedDict[str, T] = OrderedDict()
        self._lock = Lock()
        self.size = size

    def get(self, text: str, compute: Callable[[], T]) -> T:
        """The scan of ``text``, computed by ``compute`` the first time."""
        with self._lock:
            hit = self._items.get(text)
            if hit is not None:
                self._items.move_to_end(text)
                return hit
        value = compute()
        with self._lock:
            self._items[text] = value
            if len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
