"""The model work of a catalog-wide screening, as plain values that cross process and machine
boundaries.

A :class:`ScreenTask` names one asset version (its content by SHA-256, never its bytes) and the
detectors whose findings are already cached (``skip``); a :class:`TaskResult` carries the findings
of the detectors that ran, by detector name, with exact scores. Both travel as JSON strings, so
an engine (:mod:`clearance.screening.engines`: local processes or Ray Data) moves them as one
string column.

A :class:`TaskScreener` is what each worker builds once — a
:class:`~clearance.screening.screener.Screener` with its models (loaded lazily, once per worker),
the blob store the content is read from, and the hash bank's index — and then runs batch after
batch. It reads the database only through the bank index; it writes nothing: the driver stores
the findings, the screenings and the review items.
"""

from __future__ import annotations

import json
import os
import resource
import socket
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clearance.content.images import load_picture
from clearance.content.picture import DepictedPerson
from clearance.content.video import load_video_file
from clearance.detectors.base import Item, VersionRef
from clearance.detectors.models import ModelShelf
from clearance.detectors.team_words import TeamWords
from clearance.errors import ClearanceError, ConfigurationError
from clearance.findings import Finding
from clearance.screening.screener import Screener
from clearance.settings import Settings
from clearance.storage.blobs import BlobStore, LocalBlobStore

TEXT_PREFIX = "text/"
VIDEO_PREFIX = "video/"
_VIDEO_SUFFIXES = {"video/mp4": ".mp4", "video/quicktime": ".mov", "video/webm": ".webm",
                   "video/x-matroska": ".mkv", "video/x-msvideo": ".avi"}


@dataclass(frozen=True, slots=True)
class ScreenTask:
    """One asset version to run detectors on."""

    version_id: int
    asset_id: int
    title_id: str
    number: int
    name: str
    sha256: str
    content_type: str
    rating: str | None = None
    depicted: tuple[DepictedPerson, ...] = ()
    #: Detectors whose findings are cached: not run.
    skip: tuple[str, ...] = ()
    #: The word list of the asset's team, for copy (the team-lexicon detector's input).
    team_words: TeamWords | None = None

    @property
    def version_ref(self) -> VersionRef:
        return VersionRef(self.version_id, self.asset_id, self.title_id, self.sha256,
                          self.number)

    def to_json(self) -> str:
        return json.dumps({
            "version_id": self.version_id, "asset_id": self.asset_id,
            "title_id": self.title_id, "number": self.number, "name": self.name,
            "sha256": self.sha256, "content_type": self.content_type, "rating": self.rating,
            "depicted": [[p.name, p.age, p.person_id] for p in self.depicted],
            "skip": list(self.skip),
            "team_words": self.team_words.to_json() if self.team_words else None},
            ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> ScreenTask:
        d = json.loads(text)
        return cls(int(d["version_id"]), int(d["asset_id"]), str(d["title_id"]),
                   int(d["number"]), str(d["name"]), str(d["sha256"]), str(d["content_type"]),
                   d["rating"], tuple(DepictedPerson(str(n), a, p) for n, a, p in d["depicted"]),
                   tuple(d["skip"]),
                   TeamWords.from_json(d["team_words"]) if d.get("team_words") else None)


@dataclass(frozen=True, slots=True)
class TaskResult:
    """The findings of the detectors that ran on one version (by detector name), or why it
    could not be screened; ``worker`` and ``max_rss_kb`` say where it ran and that worker's
    peak memory so far."""

    version_id: int
    findings: Mapping[str, tuple[Finding, ...]] = field(default_factory=dict)
    error: str | None = None
    worker: str = ""
    max_rss_kb: int = 0

    def to_json(self) -> str:
        return json.dumps({
            "version_id": self.version_id,
            "findings": {name: [f.to_dict(precise=True) for f in fs]
                         for name, fs in self.findings.items()},
            "error": self.error, "worker": self.worker, "max_rss_kb": self.max_rss_kb,
        }, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> TaskResult:
        d = json.loads(text)
        return cls(int(d["version_id"]),
                   {name: tuple(Finding.from_dict(f) for f in fs)
                    for name, fs in d["findings"].items()},
                   d["error"], str(d["worker"]), int(d["max_rss_kb"]))


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def max_rss_kb() -> int:
    """This process's peak resident memory (kB on Linux)."""
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


class TaskScreener:
    """A worker's screener: built once, then :meth:`run` batch after batch."""

    def __init__(self, settings: Settings, expected: Mapping[str, str] | None = None, *,
                 threads: int | None = 1, blobs: BlobStore | None = None,
                 screener: Screener | None = None) -> None:
        """``expected``: the driver's detector versions; a worker whose detectors differ (another
        release installed on a node) refuses to start rather than cache findings under the wrong
        keys. ``threads``: onnxruntime threads per model (one worker per core by default)."""
        if screener is None:
            bank = None
            from clearance.bank.hashing import availability

            if availability():
                from clearance.bank.index import BankIndex

                bank = BankIndex.from_settings(settings)
            screener = Screener.from_settings(settings, models=ModelShelf(threads=threads),
                                              bank=bank)
        self.screener = screener
        if expected is not None and dict(expected) != screener.versions:
            raise ConfigurationError(
                f"this worker ({worker_name()}) runs other detector versions than the driver: "
                f"{screener.versions} instead of {dict(expected)}; install the same release on "
                "every node")
        self.blobs = blobs if blobs is not None else LocalBlobStore(settings.resolved_blob_dir)

    @contextmanager
    def _item(self, task: ScreenTask) -> Iterator[Item]:
        data = self.blobs.get(task.sha256)
        s = self.screener
        if task.content_type.startswith(TEXT_PREFIX):
            yield s.text_item(data.decode("utf-8", errors="replace"), name=task.name,
                              rating=task.rating, title_id=task.title_id,
                              version=task.version_ref, team_words=task.team_words)
            return
        if not task.content_type.startswith(VIDEO_PREFIX):
            picture = load_picture(data, task.name)
            yield s.image_item(picture, name=task.name, rating=task.rating,
                               title_id=task.title_id, depicted=task.depicted,
                               version=task.version_ref)
            return
        fd, tmp = tempfile.mkstemp(prefix="clearance-video-",
                                   suffix=_VIDEO_SUFFIXES.get(task.content_type, ".bin"))
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            video = load_video_file(tmp, max_bytes=max(len(data), 1), name=task.name)
            yield s.video_item(video, name=task.name, rating=task.rating,
                               title_id=task.title_id, version=task.version_ref)
        finally:
            Path(tmp).unlink(missing_ok=True)

    def run(self, tasks: Sequence[ScreenTask]) -> list[TaskResult]:
        """The findings of every detector not skipped, for each task (a version whose content
        cannot be read or screened gets its error instead; the others are screened)."""
        who = worker_name()
        out: dict[int, TaskResult] = {}
        with ExitStack() as stack:
            ready: list[tuple[ScreenTask, Item]] = []
            for t in tasks:
                try:
                    ready.append((t, stack.enter_context(self._item(t))))
                except ClearanceError as exc:
                    out[t.version_id] = TaskResult(t.version_id, error=exc.rendered(),
                                                   worker=who)
            if ready:
                try:
                    found = self.screener.findings_by_detector(
                        [item for _, item in ready],
                        [{name: () for name in t.skip} for t, _ in ready])
                except ClearanceError:
                    if len(ready) == 1:
                        raise
                    found = None  # one item spoilt the batch: find which, one by one
                if found is None:
                    for t, _ in ready:
                        out.update((r.version_id, r) for r in self._one(t))
                else:
                    rss = max_rss_kb()
                    for (t, _), by in zip(ready, found, strict=True):
                        out[t.version_id] = TaskResult(
                            t.version_id, {n: fs for n, fs in by.items() if n not in t.skip},
                            worker=who, max_rss_kb=rss)
        return [out[t.version_id] for t in tasks]

    def _one(self, task: ScreenTask) -> list[TaskResult]:
        try:
            return self.run([task])
        except ClearanceError as exc:
            return [TaskResult(task.version_id, error=exc.rendered(), worker=worker_name())]

    def run_json(self, tasks: Sequence[str]) -> list[str]:
        return [r.to_json() for r in self.run([ScreenTask.from_json(t) for t in tasks])]


def as_strings(values: Any) -> list[str]:
    """A column of JSON strings (a list, or a numpy array of objects) as a list."""
    return [str(v) for v in values]
