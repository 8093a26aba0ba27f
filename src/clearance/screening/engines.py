"""Engines that run the model work of a catalog-wide screening: processes on this machine, or
Ray.

An engine takes :class:`~clearance.screening.tasks.ScreenTask` values and yields a
:class:`~clearance.screening.tasks.TaskResult` for each, in any order, as they finish, so the
driver stores results while the workers go on. Every worker builds one
:class:`~clearance.screening.tasks.TaskScreener` (its models load once, on first use) and keeps it
for every batch; workers read content from the blob store and the hash bank from the database,
and write nothing.

* :class:`LocalEngine` (``--engine local``): a pool of ``workers`` processes (``spawn``, so no
  model or connection is inherited half-made), one onnxruntime/BLAS thread each by default.
* :class:`RayEngine` (``--engine ray``): Ray Data, the anchor for batch inference at scale — the
  tasks are a dataset of JSON strings mapped in batches (``map_batches``) by an actor pool of
  ``workers`` actors (``ActorPoolStrategy``), so each actor loads its models once, and streamed
  back to the driver (``iter_batches``). Without ``address`` a local Ray instance is started with
  ``workers`` CPUs (tests, one machine); with one (``ray://...`` or ``HOST:PORT`` of a cluster
  started with ``ray start --head``) the actors run on the cluster's nodes, which must see the
  same blob folder and database (``docs/scale.md``).
* :class:`InlineEngine`: the work in this process (no pool), for callers with their own
  parallelism and for tests.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Final, Literal, Protocol

from clearance.errors import ConfigurationError
from clearance.screening.tasks import ScreenTask, TaskResult, TaskScreener, as_strings
from clearance.settings import Settings

EngineName = Literal["local", "ray"]
ENGINES: Final[tuple[EngineName, ...]] = ("local", "ray")
#: Versions per batch handed to a worker: big enough for the copy classifier to embed many
#: sentences in one call, small enough that progress moves every second or two.
DEFAULT_BATCH: Final = 32
#: Environment variables that bound a worker's BLAS/OpenMP threads.
_THREAD_VARS: Final = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


class Engine(Protocol):
    """Runs tasks; a context manager that starts and stops its workers."""

    name: str
    workers: int

    def __enter__(self) -> Engine: ...

    def __exit__(self, *exc: object) -> None: ...

    def run(self, tasks: Sequence[ScreenTask]) -> Iterator[TaskResult]: ...


def _chunks(tasks: Sequence[ScreenTask], size: int) -> list[list[str]]:
    return [[t.to_json() for t in tasks[i:i + size]] for i in range(0, len(tasks), size)]


class InlineEngine:
    """The model work in the calling process."""

    name = "inline"
    workers = 1

    def __init__(self, screener: TaskScreener, *, batch_size: int = DEFAULT_BATCH) -> None:
        self.screener = screener
        self.batch_size = batch_size

    def __enter__(self) -> InlineEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def run(self, tasks: Sequence[ScreenTask]) -> Iterator[TaskResult]:
        for i in range(0, len(tasks), self.batch_size):
            yield from self.screener.run(tasks[i:i + self.batch_size])


# -- local processes -------------------------------------------------------------------------

#: The worker process's screener, built by the pool's initializer: a process-wide value by
#: necessity (``multiprocessing.Pool`` hands work to a function, not to an object), and only
#: ever set inside a worker process.
_WORKER: TaskScreener | None = None


def _init_worker(settings: Settings, expected: Mapping[str, str], threads: int) -> None:
    global _WORKER
    _WORKER = TaskScreener(settings, expected, threads=threads)


def _run_chunk(chunk: list[str]) -> list[str]:
    if _WORKER is None:  # pragma: no cover - the initializer always ran
        raise RuntimeError("worker not initialised")
    return _WORKER.run_json(chunk)


@contextmanager
def _thread_env(threads: int) -> Iterator[None]:
    """Spawned workers inherit the environment as it is when they start: bound their BLAS and
    OpenMP threads (numpy reads these once, at import)."""
    saved = {k: os.environ.get(k) for k in _THREAD_VARS}
    os.environ.update({k: str(threads) for k in _THREAD_VARS})
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class LocalEngine:
    """A pool of worker processes on this machine."""

    name = "local"

    def __init__(self, settings: Settings, expected: Mapping[str, str], *, workers: int,
                 threads: int = 1, batch_size: int = DEFAULT_BATCH) -> None:
        if workers < 1:
            raise ConfigurationError(f"--workers must be at least 1, not {workers}")
        self.settings = settings
        self.expected = dict(expected)
        self.workers = workers
        self.threads = threads
        self.batch_size = batch_size
        self._pool: Any = None

    def __enter__(self) -> LocalEngine:
        ctx = multiprocessing.get_context("spawn")
        with _thread_env(self.threads):
            self._pool = ctx.Pool(self.workers, initializer=_init_worker,
                                  initargs=(self.settings, self.expected, self.threads))
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            if exc and exc[0] is not None:
                self._pool.terminate()
            else:
                self._pool.close()
            self._pool.join()
            self._pool = None

    def run(self, tasks: Sequence[ScreenTask]) -> Iterator[TaskResult]:
        if self._pool is None:
            raise RuntimeError("use the engine in a with block")
        for chunk in self._pool.imap_unordered(_run_chunk, _chunks(tasks, self.batch_size)):
            for text in chunk:
                yield TaskResult.from_json(text)


# -- Ray -------------------------------------------------------------------------------------

class RayScreenActor:
    """The Ray Data actor: one :class:`TaskScreener` per actor, batch after batch."""

    def __init__(self, settings: Settings, expected: Mapping[str, str], threads: int) -> None:
        self.screener = TaskScreener(settings, expected, threads=threads)

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        import numpy as np

        out = self.screener.run_json(as_strings(batch["task"]))
        return {"result": np.array(out, dtype=object)}


@contextmanager
def _ray_quiet() -> Iterator[None]:
    """Ray Data 2.60 warns about its own deprecated defaults (``use_push_based_shuffle``) when
    its context is first made: not ours to act on, and an error under the tests'
    ``filterwarnings = error``. Only the calls into Ray are wrapped."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


def ray_available() -> bool:
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        return False
    return True


class RayEngine:
    """Ray Data ``map_batches`` over an actor pool, on a local instance or a cluster."""

    name = "ray"

    def __init__(self, settings: Settings, expected: Mapping[str, str], *, workers: int,
                 address: str | None = None, threads: int = 1,
                 batch_size: int = DEFAULT_BATCH) -> None:
        if workers < 1:
            raise ConfigurationError(f"--workers must be at least 1, not {workers}")
        if not ray_available():
            raise ConfigurationError(
                "--engine ray needs Ray: pip install 'clearance[scale]' (ray[data])")
        self.settings = settings
        self.expected = dict(expected)
        self.workers = workers
        self.address = address
        self.threads = threads
        self.batch_size = batch_size
        self._started = False

    def __enter__(self) -> RayEngine:
        import ray
        import ray.data

        if not ray.is_initialized():
            kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                      "logging_level": logging.WARNING,
                                      "configure_logging": True}
            if self.address is None:
                kwargs["num_cpus"] = self.workers
            try:
                ray.init(address=self.address, **kwargs)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                where = self.address or "a local instance"
                raise ConfigurationError(f"Ray could not start on {where}: {exc}") from exc
            self._started = True
        with _ray_quiet():
            ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = False
        ctx.print_on_execution_start = False
        logging.getLogger("ray.data").setLevel(logging.ERROR)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._started:
            import ray

            ray.shutdown()
            self._started = False

    def run(self, tasks: Sequence[ScreenTask]) -> Iterator[TaskResult]:
        import ray.data

        if not tasks:
            return
        blocks = max(1, min(len(tasks) // self.batch_size, 50 * self.workers))
        with _ray_quiet():
            items = ray.data.from_items([{"task": t.to_json()} for t in tasks],
                                        override_num_blocks=blocks)
            ds = items.map_batches(
                RayScreenActor, batch_size=self.batch_size, batch_format="numpy",
                fn_constructor_kwargs={"settings": self.settings, "expected": self.expected,
                                       "threads": self.threads},
                compute=ray.data.ActorPoolStrategy(size=self.workers), num_cpus=1)
            batches = iter(ds.iter_batches(batch_size=None, batch_format="numpy"))
        while True:
            with _ray_quiet():
                batch = next(batches, None)
            if batch is None:
                return
            for text in as_strings(batch["result"]):
                yield TaskResult.from_json(text)


def make_engine(name: str, settings: Settings, expected: Mapping[str, str], *, workers: int,
                address: str | None = None, batch_size: int = DEFAULT_BATCH,
                threads: int = 1) -> LocalEngine | RayEngine:
    """The engine called ``name`` (``local`` or ``ray``)."""
    if name == "local":
        if address is not None:
            raise ConfigurationError("--address is for --engine ray")
        return LocalEngine(settings, expected, workers=workers, threads=threads,
                           batch_size=batch_size)
    if name == "ray":
        return RayEngine(settings, expected, workers=workers, address=address,
                         threads=threads, batch_size=batch_size)
    raise ConfigurationError(f"unknown engine {name!r}; one of {', '.join(ENGINES)}")
