"""Posts from NATS JetStream: a durable consumer, and a replay that publishes a file.

**Stream.** ``CLEARANCE_MONITOR_STREAM`` (created when missing) holds the subjects
``<CLEARANCE_MONITOR_SUBJECT>.>``; a message is one JSON line in any post shape of
:mod:`clearance.monitor.posts`, published on ``<subject>.<platform>`` with the post's key as
``Nats-Msg-Id`` (JetStream drops a re-publish within its two-minute duplicate window).

**Consumer** (:func:`consume`): a *durable* pull consumer (``CLEARANCE_MONITOR_CONSUMER``) with
explicit acks. It fetches a batch, scores and links it, stores it in one transaction (posts,
links, aggregates and the checkpoint ``nats:<stream>/<consumer>`` = the last stream sequence), and
only then acknowledges the batch's messages. So:

* **at least once**: a message is acknowledged only after its post committed; if the consumer
  dies before, JetStream redelivers it (after ``ack_wait``) or the restarted consumer gets it;
* **dedup by post id**: a redelivered message whose post committed already is not stored or
  counted again (``ON CONFLICT DO NOTHING``; :mod:`clearance.monitor.store`), so the stored counts
  equal the posts published, whatever crashed when (tested by killing the consumer mid-stream);
* **resume**: the durable consumer's acknowledged floor is kept by the server: a restarted
  consumer continues after the last message it acknowledged (the batch a crashed consumer had
  fetched but not acknowledged comes back after ``ack_wait``, 10 s; ``--until-idle`` waits for
  it: idle means nothing pending *and* nothing awaiting an acknowledgement);
* a message that is not a usable post is reported (log) and terminated (``+TERM``: never
  redelivered); the server going away is survived: the client reconnects forever and the loop
  retries its fetch.

**Replay** (:func:`replay`): publishes a file's lines in the order of their posts' times, spaced by
the time between them divided by ``speed`` (``0``: as fast as possible), and waits for every
publish acknowledgement.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from clearance.errors import InputError, Problem
from clearance.monitor.ingest import Pipeline
from clearance.monitor.posts import Post, PostProblem, loads, posts_from_object
from clearance.settings import Settings

log = logging.getLogger(__name__)

#: How long JetStream waits for an ack before redelivering (seconds): a batch of 500 takes well
#: under a second, and a crashed consumer's batch comes back this soon.
ACK_WAIT_SECONDS: Final = 10.0
DUPLICATE_WINDOW_SECONDS: Final = 120.0


def _nats() -> Any:
    try:
        import nats
    except ImportError as exc:  # pragma: no cover - in the monitor extra
        from clearance.errors import DetectorUnavailable

        raise DetectorUnavailable("streaming needs nats-py: install the 'monitor' extra") from exc
    return nats


async def connect(url: str, *, max_reconnect_attempts: int = -1) -> Any:
    nats = _nats()
    try:
        return await nats.connect(url, max_reconnect_attempts=max_reconnect_attempts,
                                  reconnect_time_wait=0.5, connect_timeout=3,
                                  allow_reconnect=True)
    except Exception as exc:  # nats raises its own tree; name it once here
        raise InputError(f"cannot reach the NATS server at {url}: {type(exc).__name__}: "
                         f"{exc}") from exc


async def ensure_stream(js: Any, stream: str, subject: str) -> None:
    from nats.js.api import StreamConfig
    from nats.js.errors import NotFoundError

    try:
        await js.stream_info(stream)
    except NotFoundError:
        await js.add_stream(StreamConfig(name=stream, subjects=[f"{subject}.>"],
                                         duplicate_window=DUPLICATE_WINDOW_SECONDS))


# -- replay --------------------------------------------------------------------------------

@dataclass(slots=True)
class ReplayReport:
    published: int = 0
    posts: int = 0
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, object]:
        return {"published": self.published, "posts": self.posts,
                "bad_lines": len(self.problems), "seconds": round(self.seconds, 3)}


def plan_replay(path: Path) -> tuple[list[tuple[dt.datetime, str, str, bytes]], list[Problem]]:
    """The lines of ``path`` as ``(time, platform, key, bytes)`` in time order (stable), and the
    lines that are not posts. A CSV row is sent as a JSON object of its columns."""
    from clearance.monitor.ingest import read_posts

    name = str(path)
    problems: list[Problem] = []
    items: list[tuple[dt.datetime, str, str, bytes]] = []
    if path.suffix.lower() == ".csv":
        for _line, item in read_posts(path):
            if isinstance(item, Problem):
                problems.append(item)
                continue
            body = json.dumps({"id": item.id, "created_at": item.created_at.isoformat(),
                               "text": item.text, "author": item.author, "lang": item.lang,
                               "reach": item.reach, "url": item.url, "platform": item.platform,
                               "csv": True}).encode()
            items.append((item.created_at, item.platform, item.key, body))
        return items, problems
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InputError(f"cannot read {name}: {exc.strerror or exc}") from None
    with handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                posts = list(posts_from_object(loads(raw)))
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                problems.append(Problem(f"malformed JSON ({exc})", name, number))
                continue
            except PostProblem as exc:
                problems.append(Problem(str(exc), name, number))
                continue
            first = min(posts, key=lambda p: p.created_at)
            items.append((first.created_at, first.platform, first.key, raw.strip()))
    items.sort(key=lambda item: item[0])
    return items, problems


async def replay(settings: Settings, path: Path, *, speed: float,
                 on_progress: Callable[[int, int], None] | None = None) -> ReplayReport:
    """Publish ``path`` to the stream (see the module docstring)."""
    items, problems = plan_replay(path)
    report = ReplayReport(problems=problems)
    nc = await connect(settings.monitor_nats_url, max_reconnect_attempts=10)
    started = time.monotonic()
    try:
        js = nc.jetstream()
        await ensure_stream(js, settings.monitor_stream, settings.monitor_subject)
        origin = items[0][0] if items else None
        for i, (at, platform, key, body) in enumerate(items):
            if speed > 0 and origin is not None:
                due = (at - origin).total_seconds() / speed
                wait = due - (time.monotonic() - started)
                if wait > 0:
                    await js.publish_async_completed()
                    await asyncio.sleep(wait)
            await js.publish_async(f"{settings.monitor_subject}.{platform}", body,
                                   headers={"Nats-Msg-Id": key[:500]},
                                   stream=settings.monitor_stream)
            report.published += 1
            if on_progress is not None and i % 1000 == 0:
                on_progress(i, len(items))
        await js.publish_async_completed()
    finally:
        await nc.drain()
    report.posts = report.published
    report.seconds = time.monotonic() - started
    return report


# -- consume -------------------------------------------------------------------------------

@dataclass(slots=True)
class ConsumeReport:
    messages: int = 0
    stored: int = 0
    duplicates: int = 0
    bad: int = 0
    last_seq: int = 0
    batches: int = 0
    #: The newest post time seen: the stream's "now".
    latest: dt.datetime | None = None

    def as_dict(self) -> dict[str, object]:
        return {"messages": self.messages, "stored": self.stored,
                "duplicates": self.duplicates, "bad_messages": self.bad,
                "last_sequence": self.last_seq}


def _posts_of(data: bytes) -> list[Post]:
    obj = loads(data)
    if isinstance(obj, dict) and obj.get("csv") is True:
        from clearance.monitor.posts import post_from_csv

        return [post_from_csv({k: "" if v is None else str(v) for k, v in obj.items()})]
    return list(posts_from_object(obj))


async def consume(settings: Settings, pipeline: Pipeline, *, batch: int = 500,
                  until_idle: float | None = None, max_messages: int | None = None,
                  stop: asyncio.Event | None = None,
                  after_batch: Callable[[ConsumeReport], Awaitable[None] | None] | None = None,
                  ) -> ConsumeReport:
    """Consume posts until ``stop`` is set, ``until_idle`` seconds pass without a message, or
    ``max_messages`` were handled (see the module docstring)."""
    from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

    report = ConsumeReport()
    source = f"nats:{settings.monitor_stream}/{settings.monitor_consumer}"
    nc = await connect(settings.monitor_nats_url)
    try:
        js = nc.jetstream()
        await ensure_stream(js, settings.monitor_stream, settings.monitor_subject)
        sub = await js.pull_subscribe(
            f"{settings.monitor_subject}.>", durable=settings.monitor_consumer,
            stream=settings.monitor_stream,
            config=ConsumerConfig(ack_policy=AckPolicy.EXPLICIT, ack_wait=ACK_WAIT_SECONDS,
                                  deliver_policy=DeliverPolicy.ALL, max_ack_pending=20_000))
        puller = _Puller(nc, settings.monitor_stream, settings.monitor_consumer)
        await puller.start()
        idle_since = time.monotonic()
        while not (stop is not None and stop.is_set()):
            if max_messages is not None and report.messages >= max_messages:
                break
            want = batch if max_messages is None else min(batch, max_messages - report.messages)
            try:
                msgs = await puller.fetch(want, timeout=1.0)
            except Exception as exc:  # the server went away: the client reconnects
                log.warning("fetch failed (%s: %s); retrying", type(exc).__name__, exc)
                await asyncio.sleep(0.5)
                continue
            if not msgs:
                if (until_idle is not None and time.monotonic() - idle_since >= until_idle
                        and await _drained(sub)):
                    break
                continue
            idle_since = time.monotonic()
            await _handle(msgs, pipeline, source, report)
            if after_batch is not None:
                result = after_batch(report)
                if result is not None:
                    await result
    finally:
        # the acks are sent: flush them and close (draining a pull subscription waits out its
        # own 30 s timeout)
        with contextlib.suppress(Exception):
            await nc.flush(timeout=5)
        with contextlib.suppress(Exception):
            await nc.close()
    return report


class _Puller:
    """Batches from the durable pull consumer over one plain subscription to an inbox of our
    own: nats-py's ``fetch`` waits for each message with a task of its own (about a third of
    the consumer's own CPU, measured with py-spy), where a subscription's callback only
    appends. The protocol is JetStream's pull request: ``CONSUMER.MSG.NEXT`` with ``batch``
    (and ``no_wait``, or ``expires`` to linger), answered by up to ``batch`` messages, then a
    status (404: no more now; 408: expired) when fewer were there. Each request has its own
    reply subject, so a late status of an earlier request ends nothing; a message a lingering
    request delivers later is kept for the next batch (it is delivered, not yet acknowledged:
    at least once holds either way)."""

    def __init__(self, nc: Any, stream: str, consumer: str) -> None:
        self.nc = nc
        self.subject = f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{consumer}"
        self.prefix = nc.new_inbox()
        self.count = 0
        self.current = ""
        self.msgs: list[Any] = []
        self.want = 0
        self.done = asyncio.Event()

    async def start(self) -> None:
        await self.nc.subscribe(f"{self.prefix}.*", cb=self._on_msg)

    async def _on_msg(self, msg: Any) -> None:
        status = msg.headers.get("Status") if msg.headers else None
        if status is None:
            self.msgs.append(msg)
            if len(self.msgs) >= self.want:
                self.done.set()
        elif status != "100" and msg.subject == self.current:
            self.done.set()      # this request is answered (or expired)

    async def _request(self, batch: int, wait: float, body: dict[str, Any]) -> None:
        self.count += 1
        self.current = f"{self.prefix}.{self.count}"
        self.done.clear()
        await self.nc.publish(self.subject, json.dumps({"batch": batch, **body}).encode(),
                              reply=self.current)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.done.wait(), wait)

    async def fetch(self, batch: int, *, timeout: float) -> list[Any]:
        """Up to ``batch`` messages: those there now, else the first to come within
        ``timeout`` seconds (then an empty list)."""
        self.want = batch
        if len(self.msgs) < batch:
            await self._request(batch - len(self.msgs), timeout, {"no_wait": True})
        if not self.msgs:
            self.want = 1      # linger: return as soon as one arrives
            await self._request(batch, timeout,
                                {"expires": max(int((timeout - 0.05) * 1e9), 1_000_000)})
        msgs, self.msgs = self.msgs[:batch], self.msgs[batch:]
        return msgs


def _stream_seq(msg: Any) -> int:
    """The message's stream sequence, read from its reply subject as nats-py reads it (without
    building the whole metadata object)."""
    from nats.aio.msg import Msg

    tokens = Msg.Metadata._get_metadata_fields(msg.reply)
    return int(tokens[5] if len(tokens) == 9 else tokens[Msg.Ack.StreamSeq])


async def _drained(sub: Any) -> bool:
    """Nothing left for this consumer: none undelivered, none delivered and unacknowledged (a
    crashed consumer's unacknowledged batch is redelivered after ``ack_wait``; "idle" must not
    stop before it is)."""
    try:
        info = await sub.consumer_info()
    except Exception:  # the server is away: not drained as far as we know
        return False
    return bool(info.num_pending == 0 and info.num_ack_pending == 0)


async def _handle(msgs: list[Any], pipeline: Pipeline, source: str,
                  report: ConsumeReport) -> None:
    posts: list[Post] = []
    seqs: list[int | None] = []
    good, bad = [], []
    numbered = [(_stream_seq(msg), msg) for msg in msgs]
    for seq, msg in numbered:
        try:
            found = _posts_of(msg.data)
        except (json.JSONDecodeError, UnicodeDecodeError, PostProblem) as exc:
            log.warning("stream message %s is not a post: %s", seq, exc)
            bad.append(msg)
            continue
        posts.extend(found)
        seqs.extend([seq] * len(found))
        good.append(msg)
    last = max((seq for seq, _ in numbered), default=report.last_seq)
    if posts:
        newest = max(p.created_at for p in posts)
        report.latest = newest if report.latest is None else max(report.latest, newest)
        done = await asyncio.to_thread(pipeline.process, posts, seqs=seqs,
                                       checkpoint=(source, last, ""))
        report.stored += done.stored
        report.duplicates += done.duplicates
    # acknowledged only now that the batch committed (at least once)
    for msg in good:
        await msg.ack()
    for msg in bad:
        await msg.term()
    report.messages += len(msgs)
    report.bad += len(bad)
    report.last_seq = max(report.last_seq, last)
    report.batches += 1


async def delete_messages(settings: Settings, seqs: list[int]) -> int:
    """Delete stream messages by sequence (a deletion request's stream copy); returns how many
    were there."""
    from nats.js.errors import NotFoundError

    nc = await connect(settings.monitor_nats_url, max_reconnect_attempts=2)
    deleted = 0
    try:
        js = nc.jetstream()
        for seq in seqs:
            try:
                await js.delete_msg(settings.monitor_stream, seq)
                deleted += 1
            except NotFoundError:
                continue
    finally:
        await nc.drain()
    return deleted
