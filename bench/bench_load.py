"""Load benchmark of the review service: a real uvicorn server on loopback, PostgreSQL behind it,
and 50 concurrent API clients working the queue.

    .venv/bin/python bench/bench_load.py [--clients 50] [--rate 200] [--seconds 20] [--workers 1]
                                         [--closed-seconds 10] [--out bench/results/load.json]

What it does, in one run:

1. creates a schema of its own on the PostgreSQL server at ``$CLEARANCE_TEST_POSTGRES_URL``
   (default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``; connections pick it with
   ``options=-csearch_path=...``, as the tests do), migrates it, and seeds one submitting team,
   one token-only user per client (a fifth of them senior reviewers; no passwords, argon2 would
   cost 0.1 s each) and enough queued review items: text assets spread over titles of eight
   assets each, with findings built by hand (a fifth carry a ``minor.*`` finding, so the
   two-person rule applies; some are screening blocks). No screening model is loaded.
2. starts the service in a subprocess (so the load generator does not share its GIL) on a free
   loopback port with ``--workers N`` uvicorn processes, launched as ``clearance serve
   --workers N`` launches them (``clearance.service.server.run_workers``; with one, a single
   process, as the CLI runs it: ``CLEARANCE_DB_WORK=auto`` then keeps the database work in
   threads, where a worker spawned by ``run_workers`` would have taken the loop).
3. measures, in the same run: a **single client** (closed loop, one request at a time) on every
   endpoint; ``/healthz`` (one ``SELECT 1``, no auth, no ORM) at the target rate with all
   clients; the **mixed workload at the target rate** (open loop: a pacer issues tickets at
   ``--rate`` per second and each ticket lets a free client send its next request, so latency
   is measured at that rate, not at the server's maximum; latency counts from the moment the
   request is sent, and the time a ticket waited for a free client is reported separately as
   ``sched. lag``); and the same workload **closed loop** (every client sends its next request as
   soon as the previous answers) for the maximum throughput.
4. stops the server and checks the database: every decision answered 2xx is exactly one
   ``Review`` row (none lost, none doubled), every final decision exactly one final review,
   every decided item exactly one final review and no open item any, the audit events match,
   the audit chain verifies; no 5xx anywhere; no item held by two reviewers at once (a
   claim by someone else between a claim and its release or review, in audit-log order).

Each client is one reviewer (or senior) and repeats: ``GET /api/items`` (the queue, 50 items),
``POST /api/queue/claim-next``, ``GET /api/items/{id}``, then ``POST .../decision`` (nine times in
ten) or ``POST .../release``. Decisions: a block is rejected; the second review of a two-person
item concurs with the first (one in twenty disagrees, which starts a new round); otherwise
approve / reject / request changes (with a comment) at 60/30/10. A ``404`` from claim-next (no
item this reviewer may take) is counted as ``empty``, not as an error.

Goal printed beside the figures: p95 < 100 ms over all requests at 200 requests/s.
The machine running this has few cores: the server, PostgreSQL and this load generator share
them, so CPU use per phase (whole machine, server processes, load generator) is reported.
Results: ``bench/results/load.json`` (with the machine, load average and git commit).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import faulthandler
import json
import math
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from _common import RESULTS, SPEED_FAST_MS, machine_info, machine_speed
from clearance.findings import Finding, TextSpan
from clearance.policy.engine import THIS_ASSET, Decision, FiredRule, Sourced
from clearance.review import access, audit, queue
from clearance.screening import ScreenResult
from clearance.service.server import DEFAULT_WORKERS, serve_options
from clearance.storage import LocalBlobStore, make_engine, session_scope, upgrade
from clearance.storage.models import Asset, AssetVersion, Title
from clearance.storage.review_models import AuditEvent, Review, ReviewItem

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
GOAL_P95_MS = 100.0
GOAL_RATE = 200.0
FINAL_STATES = ("approved", "rejected", "changes_requested")
ENDPOINTS = ("healthz", "queue list", "item", "claim-next", "decision", "release")
KINDS = ("synopsis", "tagline")
LOCALES = ("en", "fr", "de", "es")


# -- database ------------------------------------------------------------------------------

def make_schema(admin_url: str) -> tuple[str, str]:
    schema = f"bench_load_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, poolclass=NullPool)
    try:
        with admin.begin() as c:
            c.execute(text(f'CREATE SCHEMA "{schema}"'))
    finally:
        admin.dispose()
    url = make_url(admin_url).update_query_dict({"options": f"-csearch_path={schema}"})
    return schema, url.render_as_string(hide_password=False)


def drop_schema(admin_url: str, schema: str) -> None:
    admin = create_engine(admin_url, poolclass=NullPool)
    try:
        with admin.begin() as c:
            c.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        admin.dispose()


@dataclass
class Seeded:
    tokens: list[tuple[str, str, bool]]  # (username, secret, senior)
    titles: int = 0
    items: int = 0


def seed_users(engine: Engine, clients: int, seniors: int) -> Seeded:
    """One submitter (team ``studio``) and one token-only reviewer per client."""
    out = Seeded(tokens=[])
    with session_scope(engine) as s:
        access.ensure_team(s, "studio", "Studio")
        access.create_user(s, access.SYSTEM, "submitter", role="submitter", team_id="studio")
        access.issue_token(s, access.SYSTEM, "submitter", "bench")
        for n in range(clients):
            senior = n < seniors
            name = f"{'senior' if senior else 'reviewer'}{n:03d}"
            access.create_user(s, access.SYSTEM, name,
                               role="senior_reviewer" if senior else "reviewer")
            _, secret = access.issue_token(s, access.SYSTEM, name, "bench")
            out.tokens.append((name, secret, senior))
    return out


def screen_result(rng: random.Random) -> ScreenResult:
    """A screening result built by hand (no model runs): a fifth mention a minor (the
    two-person rule applies), some are blocks."""
    roll = rng.random()
    if roll < 0.2:
        label, decision = "minor.mentioned", "block" if rng.random() < 0.3 else "review"
    elif roll < 0.35:
        label, decision = "suggestive.text", "block"
    else:
        label, decision = "suggestive.text", "review"
    rule = f"{label.replace('.', '_')}_{decision}"
    finding = Finding(label, round(rng.uniform(0.45, 0.99), 4), TextSpan(0, 4, "copy", 0),
                      "bench", "1")
    fired = FiredRule(rule, f"bench rule for {label}", decision, (Sourced(THIS_ASSET, finding),))
    return ScreenResult("bench", "text", Decision(decision, "default@bench", (fired,)),
                        (finding,))


def seed_items(engine: Engine, blobs: LocalBlobStore, seeded: Seeded, n: int,
               rng: random.Random) -> None:
    """``n`` more queued items, on new titles of eight text assets each."""
    per_title = len(KINDS) * len(LOCALES)
    made = 0
    while made < n:
        with session_scope(engine) as s:
            user = access.get_user(s, "submitter")
            actor = access.actor_for(user, "cli")
            for _ in range(min(200, n - made) // per_title + 1):
                seeded.titles += 1
                title = Title(id=f"bt{seeded.titles:05d}", type="movie", rating="TV-14",
                              original_title=f"Bench title {seeded.titles}")
                s.add(title)
                for kind in KINDS:
                    for locale in LOCALES:
                        body = (f"{kind} {locale} of bench title {seeded.titles}: "
                                f"{uuid.uuid4().hex}").encode()
                        version = AssetVersion(number=1, content_sha256=blobs.put(body),
                                               content_type="text/plain; charset=utf-8",
                                               size_bytes=len(body), created_by="user:submitter",
                                               depicted=[])
                        title.assets.append(Asset(kind=kind, locale=locale, channel="web",
                                                  versions=[version]))
                s.flush()
                for asset in title.assets:
                    queue.submit_result(s, actor, asset.versions[0], screen_result(rng),
                                        team_id="studio", requested_by="cli")
                made += per_title
    seeded.items += made


def queued_count(engine: Engine) -> int:
    with session_scope(engine) as s:
        return int(s.scalar(select(func.count(ReviewItem.id))
                            .where(ReviewItem.state == "queued")) or 0)


def verify_db(engine: Engine, totals: Counter[str]) -> dict[str, Any]:
    """Decisions answered 2xx against the rows and audit events they must have made."""
    with session_scope(engine) as s:
        reviews = int(s.scalar(select(func.count(Review.id))) or 0)
        finals = int(s.scalar(select(func.count(Review.id)).where(Review.final)) or 0)
        per_item = dict(s.execute(
            select(ReviewItem.id, func.count(Review.id))
            .join(Review, (Review.item_id == ReviewItem.id) & Review.final, isouter=True)
            .group_by(ReviewItem.id)).all())
        states = dict(s.execute(select(ReviewItem.id, ReviewItem.state)).all())
        decided = [i for i, st in states.items() if st in FINAL_STATES]
        bad_decided = [i for i in decided if per_item.get(i, 0) != 1]
        bad_open = [i for i, st in states.items() if st not in FINAL_STATES
                    and per_item.get(i, 0) != 0]
        events = Counter(dict(s.execute(select(AuditEvent.type, func.count(AuditEvent.seq))
                                        .group_by(AuditEvent.type)).all()))
        chain = audit.verify(s)
        # Two holders at once: a claim of an item whose previous claim (by someone else) was
        # not followed by a release or a review, in audit order (the log is serial).
        holder: dict[str, str] = {}
        doubled_claims = []
        for subj, kind, actor in s.execute(
                select(AuditEvent.subject, AuditEvent.type, AuditEvent.actor)
                .where(AuditEvent.type.in_(("claim", "release", "review")))
                .order_by(AuditEvent.seq)):
            if kind == "claim":
                if holder.get(subj) not in (None, actor):
                    doubled_claims.append(subj)
                holder[subj] = actor
            else:
                holder.pop(subj, None)
        by_state = Counter(states.values())
    ok_decisions = totals["decision_ok"]
    ok_final = totals["decision_final"]
    checks = {
        "decision_2xx_eq_reviews": ok_decisions == reviews,
        "final_2xx_eq_final_reviews": ok_final == finals,
        "decided_items_one_final_review": not bad_decided,
        "open_items_no_final_review": not bad_open,
        "decided_items_eq_final_reviews": len(decided) == finals,
        "review_events_eq_reviews": events["review"] == reviews,
        "decision_events_eq_final_reviews": events["decision"] == finals,
        "audit_chain_intact": chain.ok,
        "no_5xx": totals["5xx"] == 0,
        "no_transport_errors": totals["transport"] == 0,
        "no_double_claims": not doubled_claims,
    }
    return {
        "ok": all(checks.values()), "checks": checks,
        "decision_2xx": ok_decisions, "final_decision_2xx": ok_final,
        "reviews": reviews, "final_reviews": finals,
        "lost_decisions": max(0, ok_decisions - reviews),
        "doubled_decisions": max(0, reviews - ok_decisions),
        "decided_items": len(decided), "items_by_state": dict(by_state),
        "bad_decided_items": bad_decided[:20], "bad_open_items": bad_open[:20],
        "audit_events": chain.checked, "audit_problem": chain.problem,
        "events_by_type": dict(events), "claims_2xx": totals["claim_ok"],
        "double_claims": len(doubled_claims), "double_claimed_items": doubled_claims[:20],
    }


# -- server --------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


SERVER_APP_NAME = "bench_load_server"


class ThreadTokens:
    """ASGI wrapper that sets AnyIO's worker-thread limit (FastAPI runs sync routes and
    dependencies there; the default is 40) once the server's event loop runs."""

    def __init__(self, app: Any, tokens: int) -> None:
        self.app, self.tokens, self.done = app, tokens, False

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if not self.done:
            import anyio.to_thread

            anyio.to_thread.current_default_thread_limiter().total_tokens = self.tokens
            self.done = True
        await self.app(scope, receive, send)


def server_app() -> Any:
    """The app as the benchmark serves it (uvicorn factory, called in each worker): the
    service's own ``create_app()``; SIGUSR1 dumps every thread's stack to the server log."""
    from clearance.service.app import create_app

    faulthandler.register(signal.SIGUSR1, all_threads=True)
    app = create_app()
    tokens = int(os.environ.get("BENCH_LOAD_THREADS") or 0)
    return ThreadTokens(app, tokens) if tokens else app


def start_server(url: str, data_dir: Path, port: int, workers: int, threads: int, *,
                 log_level: str = "info", access_log: bool = True
                 ) -> subprocess.Popen[bytes]:
    server_url = make_url(url).update_query_dict({"application_name": SERVER_APP_NAME})
    env = dict(os.environ, CLEARANCE_DATABASE_URL=server_url.render_as_string(False),
               CLEARANCE_ENVIRONMENT="development", CLEARANCE_DATA_DIR=str(data_dir),
               CLEARANCE_SECRET_KEY=uuid.uuid4().hex, CLEARANCE_SEMANTIC="off",
               BENCH_LOAD_THREADS=str(threads),
               PYTHONPATH=os.pathsep.join(filter(None, [str(Path(__file__).parent),
                                                        os.environ.get("PYTHONPATH")])))
    log = (data_dir / "server.log").open("wb")
    # clearance.service.server.run_workers with serve_options(), as `clearance serve --workers
    # N` runs (uvloop, httptools, a request line per request into the log): plain `uvicorn
    # --workers N` leaves Nagle on its sockets (~40 ms per keep-alive response)
    options = f"**serve_options({log_level!r}, access_log={access_log!r})"
    launch = ("from clearance.service.server import run_workers, serve_options; "
              f"run_workers('bench_load:server_app', host='127.0.0.1', port={port}, "
              f"workers={workers}, {options})")
    if workers == 1:  # one process, as `clearance serve --workers 1` runs (no supervisor)
        launch = ("import uvicorn; from clearance.service.server import serve_options; "
                  "uvicorn.run('bench_load:server_app', factory=True, host='127.0.0.1', "
                  f"port={port}, {options})")
    cmd = [sys.executable, "-c", launch]
    return subprocess.Popen(cmd, env=env, cwd=data_dir, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def wait_ready(base: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"the server exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stacks = ""
    spy = Path(sys.executable).with_name("py-spy")
    if spy.exists():  # where it is stuck
        for pid in process_tree(proc.pid):
            stacks += subprocess.run([str(spy), "dump", "--pid", str(pid)], capture_output=True,
                                     text=True, timeout=30).stdout
    sys.exit(f"the server did not answer /healthz in {timeout:.0f} s:\n{log.read_text()[-3000:]}"
             f"\n{stacks}")


def stop_server(proc: subprocess.Popen[bytes], *, hard: bool = False) -> None:
    """Stop the server; ``hard`` kills its whole process group at once (a stalled server may
    hold the audit log's advisory lock, which is database-wide: it must not linger)."""
    if proc.poll() is not None:
        return
    if hard:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def server_sessions(admin_url: str) -> list[dict[str, Any]]:
    """The server's database sessions (what a stall is waiting on)."""
    admin = create_engine(admin_url, poolclass=NullPool)
    try:
        with admin.connect() as c:
            rows = c.execute(text(
                "SELECT pid, state, wait_event_type, wait_event, "
                "extract(epoch FROM now() - xact_start) AS xact_s, left(query, 120) AS query "
                "FROM pg_stat_activity WHERE application_name = :app ORDER BY xact_start"),
                {"app": SERVER_APP_NAME}).mappings().all()
    finally:
        admin.dispose()
    return [dict(r) for r in rows]


def process_tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in Path(f"/proc/{p}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except OSError:
            continue
    return out


def cpu_seconds(pids: list[int], *, system_only: bool = False) -> float:
    """User + system CPU seconds of ``pids`` (``system_only``: the kernel's share)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[12]) if system_only else int(fields[11]) + int(fields[12])) / tick
    return total


class ProcCpu:
    """CPU seconds (user + system, and system alone) of a changing set of processes over a
    phase, polled twice a second: the server's worker processes (uvicorn's supervisor replaces
    a worker that stops answering its pings; the replacement is counted, and so is each
    replacement, in ``started``) or its PostgreSQL backends. A process that starts and ends
    between two polls is missed; one that ends loses its last half second."""

    def __init__(self, pids: Callable[[], list[int]]) -> None:
        self.pids = pids
        self.first: dict[int, tuple[float, float]] = {}
        self.last: dict[int, tuple[float, float]] = {}
        self.stop = asyncio.Event()

    def _poll(self, initial: bool) -> None:
        for pid in self.pids():
            used = (cpu_seconds([pid]), cpu_seconds([pid], system_only=True))
            if initial:
                self.first[pid] = used
            else:
                self.first.setdefault(pid, (0.0, 0.0))
            self.last[pid] = used

    async def run(self) -> None:
        await asyncio.to_thread(self._poll, True)
        while not self.stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), 0.5)
            await asyncio.to_thread(self._poll, False)

    async def finish(self, task: asyncio.Future[None]) -> None:
        self.stop.set()
        await task

    def seconds(self, *, system_only: bool = False) -> float:
        i = 1 if system_only else 0
        return sum(self.last[p][i] - self.first[p][i] for p in self.last)

    @property
    def started(self) -> int:
        """Processes that appeared during the phase."""
        return sum(1 for p in self.last if self.first[p] == (0.0, 0.0))


def pg_backends(admin_url: str) -> Callable[[], list[int]]:
    """The pids of the server's PostgreSQL backends (``application_name`` is
    :data:`SERVER_APP_NAME`)."""
    def pids() -> list[int]:
        admin = create_engine(admin_url, poolclass=NullPool)
        try:
            with admin.connect() as c:
                return [int(p) for p in c.scalars(text(
                    "SELECT pid FROM pg_stat_activity WHERE application_name = :app"),
                    {"app": SERVER_APP_NAME})]
        finally:
            admin.dispose()
    return pids


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return float(sum(values) - idle), float(sum(values))


# -- profile -------------------------------------------------------------------------------

def start_profile(pid: int, out: Path, seconds: float) -> subprocess.Popen[bytes]:
    """py-spy sampling the server (its worker processes too) for ``seconds``: stacks of
    threads holding the GIL (Python's CPU time, not its waits), per function."""
    spy = Path(sys.executable).with_name("py-spy")
    if not spy.exists():
        sys.exit("--profile needs py-spy in the virtual environment: .venv/bin/pip install "
                 "py-spy")
    out.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [str(spy), "record", "--pid", str(pid), "--subprocesses", "--gil", "--nolineno",
         "--nonblocking", "--rate", "200", "--duration", str(max(1, int(seconds))),
         "--format", "raw", "--output", str(out)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _frame(frame: str) -> str:
    """``name (path/to/module.py)`` -> ``name (module.py)`` with the package kept."""
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    parts = where.replace("\\", "/").split("/")
    for anchor in ("site-packages", "src", "lib"):
        if anchor in parts:
            parts = parts[len(parts) - parts[::-1].index(anchor):]
            break
    return f"{name} ({'/'.join(parts[-3:])})"


def _package(frame: str) -> str:
    where = frame.partition(" (")[2]
    head = where.split("/")[0].rstrip(")")
    return head.removesuffix(".py") or "?"


def finish_profile(spy: subprocess.Popen[bytes], out: Path, requests: int,
                   top: int = 25) -> dict[str, Any]:
    """Wait for py-spy and summarise its collapsed stacks: the functions with the most samples
    on the stack (inclusive) and at its top (self), and self samples per package."""
    try:
        spy.wait(timeout=60)
    except subprocess.TimeoutExpired:
        spy.kill()
    total = 0
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    if not out.exists():
        return {"error": "py-spy wrote nothing (ptrace not allowed?)"}
    for line in out.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [_frame(f) for f in stack.split(";") if " (" in f]
        if not frames:
            continue
        total += n
        for f in set(frames):
            inclusive[f] += n
        own[frames[-1]] += n
        packages[_package(frames[-1])] += n

    def rows(counter: Counter[str]) -> list[dict[str, Any]]:
        return [{"function": f, "samples": n, "pct": round(100 * n / max(1, total), 1)}
                for f, n in counter.most_common(top)]
    return {"file": str(out), "samples": total, "requests": requests,
            "samples_per_request": round(total / max(1, requests), 2), "rate_hz": 200,
            "inclusive": rows(inclusive), "self": rows(own), "self_by_package": rows(packages)}


def print_profile(prof: dict[str, Any], top: int = 15) -> None:
    if "error" in prof:
        print(f"  profile: {prof['error']}")
        return
    print(f"\nprofile of the server (py-spy, GIL-holding samples at {prof['rate_hz']} Hz, "
          f"{prof['samples']} samples, {prof['samples_per_request']} per request; "
          f"{prof['file']})")
    for key, title in (("inclusive", "on the stack"), ("self", "at the top"),
                       ("self_by_package", "at the top, by package")):
        print(f"  {title}:")
        for row in prof[key][:top]:
            print(f"    {row['pct']:5.1f}%  {row['function']}")


# -- HTTP clients --------------------------------------------------------------------------

class TransportError(Exception):
    """No answer: the connection failed, closed or timed out."""


class Answer:
    """A response: status and body (what the clients look at)."""

    __slots__ = ("body", "status_code")

    def __init__(self, status_code: int, body: bytes) -> None:
        self.status_code, self.body = status_code, body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.body)


class HttpxLane:
    """Requests through a shared ``httpx.AsyncClient`` (``--client httpx``)."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def request(self, method: str, path: str, headers: dict[str, str],
                      params: dict[str, Any] | None = None, json: Any = None) -> Answer:
        try:
            r = await self.client.request(method, path, headers=headers, params=params,
                                          json=json)
        except httpx.HTTPError as exc:
            raise TransportError(type(exc).__name__) from exc
        return Answer(r.status_code, r.content)

    async def close(self) -> None:
        pass


class LeanLane:
    """One keep-alive HTTP/1.1 connection written by hand (``--client lean``, the default): the
    load generator shares the machine's two cores with the server, and httpx spent about as much
    CPU per request as the server it measured. Answers must carry ``Content-Length`` (every
    answer of the service does); anything else is a transport error."""

    def __init__(self, host: str, port: int, timeout: float = 30.0) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, headers: dict[str, str],
                      params: dict[str, Any] | None = None, json: Any = None) -> Answer:
        for attempt in (1, 2):
            reused = self.writer is not None
            try:
                return await asyncio.wait_for(
                    self._request(method, path, headers, params, json), self.timeout)
            except (ConnectionError, asyncio.IncompleteReadError) as exc:
                await self.close()
                stale = reused and (not isinstance(exc, asyncio.IncompleteReadError)
                                    or not exc.partial)
                if attempt == 1 and stale:
                    # the server closed an idle keep-alive connection before reading this
                    # request (nothing was answered): once more, on a new connection
                    continue
                raise TransportError(type(exc).__name__) from exc
            except (OSError, asyncio.LimitOverrunError, TimeoutError, ValueError) as exc:
                await self.close()
                raise TransportError(type(exc).__name__) from exc
        raise AssertionError("unreachable")

    async def _request(self, method: str, path: str, headers: dict[str, str],
                       params: dict[str, Any] | None, body_json: Any) -> Answer:
        if self.writer is None or self.reader is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            sock = self.writer.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if params:
            path += "?" + urlencode(params)
        body = b"" if body_json is None else json.dumps(body_json).encode()
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        if body_json is not None:
            head.append("Content-Type: application/json")
        if body or method in ("POST", "PUT", "PATCH"):
            head.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length, close = None, False
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "connection" and value.strip().lower() == "close":
                close = True
            elif name == "transfer-encoding":
                raise ValueError(f"transfer-encoding {value.strip()} is not read here")
        if length is None:
            raise ValueError("an answer without Content-Length")
        data = await self.reader.readexactly(length) if length else b""
        if close:
            await self.close()
        return Answer(status, data)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError, ConnectionError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


Lane = HttpxLane | LeanLane


# -- clients -------------------------------------------------------------------------------

@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    errors: Counter[str] = field(default_factory=Counter)
    lags: list[float] = field(default_factory=list)
    answered: int = 0
    in_flight: int = 0
    unsent: int = 0
    stalled: bool = False


@dataclass
class Shared:
    totals: Counter[str] = field(default_factory=Counter)


EXPECTED = {"claim-next": {404}}  # no item this reviewer may take: "empty", not an error


class Reviewer:
    """One client: a reviewer's token and where it is in its claim/read/decide cycle."""

    def __init__(self, name: str, secret: str, client: Lane, shared: Shared,
                 rng: random.Random) -> None:
        self.name = name
        self.headers = {"Authorization": f"Bearer {secret}"}
        self.client = client
        self.shared = shared
        self.rng = rng
        self.stage = 0
        self.item: dict[str, Any] | None = None

    async def call(self, stats: Stats, endpoint: str, method: str, path: str,
                   **kw: Any) -> Answer | None:
        t0 = time.perf_counter()
        stats.in_flight += 1
        try:
            r = await self.client.request(method, path, self.headers, **kw)
        except TransportError as exc:
            stats.errors[f"{endpoint}: {exc}"] += 1
            stats.statuses[endpoint][0] += 1
            self.shared.totals["transport"] += 1
            return None
        finally:
            stats.in_flight -= 1
            stats.answered += 1
        stats.latencies[endpoint].append((time.perf_counter() - t0) * 1000)
        stats.statuses[endpoint][r.status_code] += 1
        if r.status_code >= 500:
            self.shared.totals["5xx"] += 1
        if r.status_code >= 400 and r.status_code not in EXPECTED.get(endpoint, ()):
            stats.errors[f"{endpoint}: {r.status_code} {r.text[:120]}"] += 1
        return r

    def _drop(self) -> None:
        self.item = None
        self.stage = 0

    def _outcome(self, item: dict[str, Any]) -> tuple[str, str]:
        reviews = item.get("reviews") or []
        if item["needs_two"] and item["awaiting_senior"] and reviews:
            first = reviews[-1]["outcome"]
            if (self.rng.random() < 0.05 and first in ("approve", "reject")
                    and item["screening_decision"] != "block"):
                return ("reject" if first == "approve" else "approve"), ""
            return first, "concur" if first == "request_changes" else ""
        if item["screening_decision"] == "block":
            return "reject", ""
        roll = self.rng.random()
        if roll < 0.6:
            return "approve", ""
        return ("reject", "") if roll < 0.9 else ("request_changes", "please reword")

    async def step(self, stats: Stats) -> None:
        """Send this client's next request."""
        if self.stage == 0:
            await self.call(stats, "queue list", "GET", "/api/items", params={"limit": 50})
            self.stage = 1
        elif self.stage == 1:
            r = await self.call(stats, "claim-next", "POST", "/api/queue/claim-next")
            if r is None or r.status_code != 200:
                self.stage = 0
                return
            self.item = r.json()
            self.shared.totals["claim_ok"] += 1
            self.stage = 2
        elif self.stage == 2:
            assert self.item is not None
            r = await self.call(stats, "item", "GET", f"/api/items/{self.item['id']}")
            if r is not None and r.status_code == 200:
                self.item = r.json()
            self.stage = 3
        else:
            assert self.item is not None
            item_id = self.item["id"]
            if self.rng.random() < 0.1:
                await self.call(stats, "release", "POST", f"/api/items/{item_id}/release")
            else:
                outcome, comment = self._outcome(self.item)
                r = await self.call(stats, "decision", "POST", f"/api/items/{item_id}/decision",
                                    json={"outcome": outcome, "comment": comment})
                if r is not None and r.status_code == 200:
                    self.shared.totals["decision_ok"] += 1
                    if r.json()["state"] in FINAL_STATES:
                        self.shared.totals["decision_final"] += 1
            self._drop()


class Health:
    def __init__(self, client: Lane, shared: Shared) -> None:
        self.r = Reviewer("health", "", client, shared, random.Random(0))
        self.r.headers = {}

    async def step(self, stats: Stats) -> None:
        await self.r.call(stats, "healthz", "GET", "/healthz")


Step = Callable[[Stats], Awaitable[None]]


async def run_phase(steps: list[Step], seconds: float, rate: float | None,
                    stall_s: float) -> tuple[Stats, float]:
    """Run the clients for ``seconds``: paced at ``rate`` requests/s in total (open loop), or
    each as fast as it gets answers (closed loop, ``rate`` None). Returns stats and wall time.
    When requests are waiting and none has been answered for ``stall_s`` seconds the phase is
    abandoned with ``stats.stalled`` set."""
    stats = Stats()
    loop = asyncio.get_running_loop()
    start = loop.time()
    end = start + seconds
    tickets: asyncio.Queue[float | None] = asyncio.Queue()

    async def closed(step: Step) -> None:
        while loop.time() < end:
            await step(stats)

    async def pacer() -> None:
        assert rate is not None
        for i in range(int(rate * seconds)):
            due = start + i / rate
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            tickets.put_nowait(due)
        for _ in steps:
            tickets.put_nowait(None)

    async def paced(step: Step) -> None:
        # A ticket still waiting when the time is up is never sent (counted as ``unsent``):
        # the phase is bounded in time even when the server falls behind the rate.
        while (due := await tickets.get()) is not None and loop.time() < end:
            stats.lags.append((loop.time() - due) * 1000)
            await step(stats)

    async def watchdog() -> None:
        seen, since = -1, loop.time()
        while True:
            await asyncio.sleep(0.5)
            if stats.answered != seen or stats.in_flight == 0:
                seen, since = stats.answered, loop.time()
            elif loop.time() - since > stall_s:
                return

    if rate is None:
        work = asyncio.gather(*(closed(s) for s in steps))
    else:
        work = asyncio.gather(pacer(), *(paced(s) for s in steps))
    watch = asyncio.ensure_future(watchdog())
    both: set[asyncio.Future[Any]] = {work, watch}
    done, _ = await asyncio.wait(both, return_when=asyncio.FIRST_COMPLETED)
    if watch in done:
        stats.stalled = True
        work.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await work
    else:
        watch.cancel()
        await work
    if rate is not None:
        stats.unsent = int(rate * seconds) - len(stats.lags)
    return stats, loop.time() - start


# -- figures -------------------------------------------------------------------------------

def pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def summary(lat: list[float], statuses: Counter[int], errors: int, wall: float
            ) -> dict[str, Any]:
    def r(v: float | None) -> float | None:
        return None if v is None else round(v, 2)
    return {"n": sum(statuses.values()), "rps": round(sum(statuses.values()) / wall, 1),
            "p50_ms": r(pct(lat, 50)), "p95_ms": r(pct(lat, 95)), "p99_ms": r(pct(lat, 99)),
            "max_ms": r(max(lat) if lat else None),
            "mean_ms": r(sum(lat) / len(lat) if lat else None), "errors": errors,
            "status": {str(k): v for k, v in sorted(statuses.items())}}


def phase_report(name: str, stats: Stats, wall: float, *, clients: int, rate: float | None,
                 cpu: dict[str, Any]) -> dict[str, Any]:
    endpoints = {}
    all_lat: list[float] = []
    all_status: Counter[int] = Counter()
    for ep in ENDPOINTS:
        if ep not in stats.statuses:
            continue
        errs = sum(v for k, v in stats.errors.items() if k.startswith(f"{ep}:"))
        endpoints[ep] = summary(stats.latencies[ep], stats.statuses[ep], errs, wall)
        all_lat += stats.latencies[ep]
        all_status.update(stats.statuses[ep])
    return {"phase": name, "mode": "open" if rate else "closed", "clients": clients,
            "target_rps": rate, "wall_s": round(wall, 2), "endpoints": endpoints,
            "overall": summary(all_lat, all_status, sum(stats.errors.values()), wall),
            "sched_lag_ms": {"p50": pct(stats.lags, 50), "p95": pct(stats.lags, 95),
                             "p99": pct(stats.lags, 99)} if stats.lags else None,
            "empty_claims": stats.statuses["claim-next"][404] if "claim-next" in
            stats.statuses else 0, "unsent": stats.unsent,
            "errors": dict(stats.errors.most_common(15)), "cpu": cpu}


def fmt(v: float | None, spec: str = ".1f") -> str:
    return "-" if v is None else format(v, spec)


def print_phase(rep: dict[str, Any], base: dict[str, Any] | None = None,
                health: dict[str, Any] | None = None) -> None:
    title = (f"{rep['phase']}: {rep['clients']} client(s), "
             + (f"open loop at {rep['target_rps']:.0f} req/s" if rep["target_rps"]
                else "closed loop") + f", {rep['wall_s']:.1f} s")
    print(f"\n{title}")
    head = (f"  {'endpoint':<11} {'n':>6} {'req/s':>7} {'p50':>7} {'p95':>7} {'p99':>7} "
            f"{'max':>7} {'err':>4}")
    if base:
        head += f" {'p50 x1':>7} {'p95 x1':>7}"
    if health:
        head += f" {'p95/hz':>7}"
    print(head + "   (ms; x1 = ratio to one client; /hz = to /healthz at the same rate)")
    rows = [*rep["endpoints"].items(), ("ALL", rep["overall"])]
    for ep, s in rows:
        line = (f"  {ep:<11} {s['n']:>6} {s['rps']:>7.1f} {fmt(s['p50_ms']):>7} "
                f"{fmt(s['p95_ms']):>7} {fmt(s['p99_ms']):>7} {fmt(s['max_ms']):>7} "
                f"{s['errors']:>4}")
        b = (base or {}).get(ep)
        if base:
            line += (f" {fmt(ratio(s['p50_ms'], b and b['p50_ms'])):>7}"
                     f" {fmt(ratio(s['p95_ms'], b and b['p95_ms'])):>7}")
        if health:
            line += f" {fmt(ratio(s['p95_ms'], health['p95_ms'])):>7}"
        print(line)
    extra = []
    if rep["sched_lag_ms"]:
        lag = rep["sched_lag_ms"]
        extra.append(f"sched. lag p50/p95/p99 {fmt(lag['p50'])}/{fmt(lag['p95'])}/"
                     f"{fmt(lag['p99'])} ms")
    if rep["unsent"]:
        extra.append(f"{rep['unsent']} paced requests never sent (clients busy until the end)")
    if rep["empty_claims"]:
        extra.append(f"empty claim-next {rep['empty_claims']}")
    cpu = rep["cpu"]
    if cpu.get("server_processes_started"):
        extra.append(f"{cpu['server_processes_started']} server process(es) started during the "
                     "phase (a worker replaced by uvicorn's supervisor?)")
    extra.append(f"CPU: machine {cpu['machine_pct']:.0f}% of {cpu['cores']} cores, server "
                 f"{cpu['server_cores']:.2f} cores, PostgreSQL {cpu['pg_cores']:.2f}, load "
                 f"generator {cpu['loadgen_cores']:.2f}")
    print("  " + "; ".join(extra))
    print(f"  CPU ms per request: server {cpu['server_ms_per_req']:.2f} "
          f"({100 * cpu['server_system_share']:.0f}% in the kernel), PostgreSQL "
          f"{cpu['pg_ms_per_req']:.2f}, load generator {cpu['loadgen_ms_per_req']:.2f}; "
          f"load average {cpu['load_average'][0]} -> {cpu['load_average'][1]}; machine speed "
          f"before it {cpu['speed_ms']} ms (fast spell ~{SPEED_FAST_MS} ms)")
    for err, n in list(rep["errors"].items())[:8]:
        print(f"  error x{n}: {err}")


def ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else round(a / b, 2)


# -- main ----------------------------------------------------------------------------------

class Stalled(Exception):
    """The server stopped answering during a phase."""


async def run_all(args: argparse.Namespace, base: str, seeded: Seeded,
                  server_pids: Callable[[], list[int]],
                  top_up: Callable[[int], None], on_stall: Callable[[str, Stats], None],
                  shared: Shared, phases: dict[str, dict[str, Any]], admin_url: str) -> None:
    limits = httpx.Limits(max_connections=args.clients + 10,
                          max_keepalive_connections=args.clients + 10)
    url = httpx.URL(base)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30.0) as client:
        def lane() -> Lane:
            if args.client == "httpx":
                return HttpxLane(client)
            return LeanLane(url.host, url.port or 80)

        rng = random.Random(args.seed)
        reviewers = [Reviewer(n, s, lane(), shared, random.Random(rng.random()))
                     for n, s, _ in seeded.tokens]
        health = [Health(lane(), shared) for _ in reviewers]

        async def phase(name: str, steps: list[Step], seconds: float, rate: float | None,
                        profile: Path | None = None) -> dict[str, Any]:
            speed = machine_speed()  # the server idle between phases: this spell's speed
            pg, srv = ProcCpu(pg_backends(admin_url)), ProcCpu(server_pids)
            pg_task, srv_task = asyncio.ensure_future(pg.run()), asyncio.ensure_future(srv.run())
            await asyncio.sleep(0.1)
            spy = start_profile(server_pids()[0], profile, seconds) if profile else None
            m0, t0 = machine_busy(), time.process_time()
            load0 = os.getloadavg()[0]
            stats, wall = await run_phase(steps, seconds, rate, args.stall_seconds)
            m1, t1 = machine_busy(), time.process_time()
            await pg.finish(pg_task)
            await srv.finish(srv_task)
            c1_c0 = srv.seconds()
            cores = os.cpu_count() or 1
            n = max(1, sum(sum(c.values()) for c in stats.statuses.values()))
            cpu: dict[str, Any] = {"cores": cores,
                   "machine_pct": 100 * (m1[0] - m0[0]) / max(1.0, m1[1] - m0[1]),
                   "server_cores": c1_c0 / wall, "loadgen_cores": (t1 - t0) / wall,
                   "pg_cores": pg.seconds() / wall,
                   # CPU time per request: what the machine's load does not distort
                   "server_ms_per_req": 1000 * c1_c0 / n,
                   "server_system_share": srv.seconds(system_only=True) / max(1e-9, c1_c0),
                   "server_processes_started": srv.started,
                   "pg_ms_per_req": 1000 * pg.seconds() / n,
                   "loadgen_ms_per_req": 1000 * (t1 - t0) / n,
                   "load_average": [round(load0, 2), round(os.getloadavg()[0], 2)],
                   "speed_ms": speed}
            rep = phase_report(name, stats, wall, clients=len(steps), rate=rate, cpu=cpu)
            if spy is not None and profile is not None:
                rep["profile"] = finish_profile(spy, profile, n)
            phases[name] = rep
            if stats.stalled:
                rep["stalled"] = {"in_flight": stats.in_flight, "after_s": round(wall, 1)}
                print_phase(rep)
                on_stall(name, stats)
                raise Stalled(name)
            return rep

        # warm-up, not counted: every client and endpoint, so each server process has opened
        # the connections its requests hold at once and prepared their statements (psycopg
        # prepares a statement on its fifth run on a connection) -- steady state, not start-up
        if args.warmup_seconds > 0:
            await phase("warm-up", [r.step for r in reviewers], args.warmup_seconds, None)
        else:
            await phase("warm-up", [r.step for r in reviewers[:4]], 2.0, None)
        single = await phase("single client", [reviewers[-1].step], args.single_seconds, None)
        single_h = await phase("single client /healthz", [health[0].step], 2.0, None)
        single["endpoints"]["healthz"] = single_h["endpoints"]["healthz"]
        print_phase(single)
        hz = await phase("/healthz at rate", [h.step for h in health], args.baseline_seconds,
                         args.rate)
        print_phase(hz, single["endpoints"])
        top_up(int(args.rate * args.seconds / 4) + 50)
        main = await phase("mixed at rate", [r.step for r in reviewers], args.seconds, args.rate)
        print_phase(main, single["endpoints"], hz["overall"])
        if args.closed_seconds > 0:
            top_up(int(args.closed_seconds * 60) + 100)
            closed = await phase("mixed closed loop", [r.step for r in reviewers],
                                 args.closed_seconds, None, profile=args.profile)
            print_phase(closed, single["endpoints"])
            if "profile" in closed:
                print_profile(closed["profile"])
        for lane_ in {id(x.client): x.client for x in [*reviewers, *(h.r for h in health)]
                      }.values():
            await lane_.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--rate", type=float, default=GOAL_RATE, help="open-loop target, req/s")
    ap.add_argument("--seconds", type=float, default=20.0, help="the open-loop mixed phase")
    ap.add_argument("--closed-seconds", type=float, default=10.0)
    ap.add_argument("--warmup-seconds", type=float, default=3.0,
                    help="every client in a closed loop before the measured phases, so the "
                    "server's connection pools are full and their statements prepared "
                    "(0: four clients for two seconds, as before)")
    ap.add_argument("--baseline-seconds", type=float, default=5.0)
    ap.add_argument("--single-seconds", type=float, default=5.0)
    ap.add_argument("--workers", type=int, default=DEFAULT_WORKERS,
                    help="uvicorn worker processes (default: clearance serve's, "
                    f"{DEFAULT_WORKERS})")
    ap.add_argument("--no-access-log", dest="access_log", action="store_false",
                    help="the server logs no request lines (clearance serve --no-access-log)")
    ap.add_argument("--threads", type=int, default=0,
                    help="AnyIO worker threads per server process (0: the default, 40)")
    ap.add_argument("--stall-seconds", type=float, default=10.0,
                    help="abandon a phase when nothing is answered for this long")
    ap.add_argument("--seniors", type=int, default=None, help="default: a fifth of the clients")
    ap.add_argument("--seed", type=int, default=4)
    ap.add_argument("--client", choices=("lean", "httpx"), default="lean",
                    help="the load generator's HTTP client: one hand-written keep-alive "
                    "connection per client (default), or a shared httpx.AsyncClient")
    ap.add_argument("--profile", type=Path, nargs="?", const=RESULTS / "load-profile.txt",
                    default=None, help="sample the server with py-spy (GIL-holding stacks) "
                    "during the closed loop; collapsed stacks to this file (default "
                    "bench/results/load-profile.txt), top entries in the report")
    ap.add_argument("--keep-schema", action="store_true")
    ap.add_argument("--out", type=Path, default=RESULTS / "load.json")
    args = ap.parse_args()
    seniors = args.seniors if args.seniors is not None else max(1, args.clients // 5)
    admin_url = os.environ.get("CLEARANCE_TEST_POSTGRES_URL") or DEFAULT_PG
    info = machine_info()
    print(f"machine: {info['cpu_count']} CPUs, load average {info['load_average']}, "
          f"commit {(info['git_commit'] or '?')[:10]}{' (src dirty)' if info['src_dirty'] else ''}"
          f"; speed {info['speed_ms']} ms (fast spell ~{info['speed_fast_ms']} ms; higher is "
          "slower)")
    schema, url = make_schema(admin_url)
    proc = None
    try:
        with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
            data_dir = Path(tmp)
            upgrade(url)
            engine = make_engine(url)
            blobs = LocalBlobStore(data_dir / "blobs")
            rng = random.Random(args.seed)
            t0 = time.perf_counter()
            seeded = seed_users(engine, args.clients, seniors)
            seed_items(engine, blobs, seeded, 200 + int(args.warmup_seconds * 60), rng)
            print(f"seeded {args.clients} reviewers ({seniors} senior), {seeded.items} items in "
                  f"{time.perf_counter() - t0:.1f} s; schema {schema}")

            def top_up(want: int) -> None:
                missing = want - queued_count(engine)
                if missing > 0:
                    t = time.perf_counter()
                    seed_items(engine, blobs, seeded, missing, rng)
                    print(f"  (queued {missing} more items in {time.perf_counter() - t:.1f} s)")

            port = free_port()
            base = f"http://127.0.0.1:{port}"
            proc = start_server(url, data_dir, port, args.workers, args.threads,
                                access_log=args.access_log)
            log = data_dir / "server.log"
            wait_ready(base, proc, log)
            pids = process_tree(proc.pid)
            options = serve_options(access_log=args.access_log)
            server_desc = (f"uvicorn ({options['loop']}, {options['http']}), {args.workers} "
                           f"worker(s), request log {'on' if args.access_log else 'off'}, "
                           f"worker threads {args.threads or 'default (40)'}")
            print(f"server: {server_desc}, pid {proc.pid} ({len(pids)} processes), {base}")

            def on_stall(name: str, stats: Stats) -> None:
                sessions = server_sessions(admin_url)
                now_pids = process_tree(proc.pid)
                for pid in now_pids[1:] or now_pids:
                    with contextlib.suppress(OSError):
                        os.kill(pid, signal.SIGUSR1)
                time.sleep(1.0)
                assert proc is not None
                stop_server(proc, hard=True)
                stall.update(phase=name, in_flight=stats.in_flight, db_sessions=sessions,
                             stacks=log.read_text(errors="replace")[-20000:])
                print(f"\nSTALL in {name!r}: {stats.in_flight} requests waiting, none answered "
                      f"for {args.stall_seconds:.0f} s; server killed. Its database sessions:")
                waits = Counter((r["state"], r["wait_event_type"], r["wait_event"])
                                for r in sessions)
                for (state, wtype, wevent), n in waits.most_common():
                    print(f"  {n:>3} x {state} {wtype or ''} {wevent or ''}")
                print(f"  (thread stacks in the JSON's stall.stacks; {log})")

            stall: dict[str, Any] = {}
            shared = Shared()
            phases: dict[str, dict[str, Any]] = {}
            with contextlib.suppress(Stalled):
                asyncio.run(run_all(args, base, seeded, lambda: process_tree(proc.pid),
                                    top_up, on_stall, shared, phases,
                                    admin_url))
            stop_server(proc)
            log_tail = log.read_text(errors="replace")[-3000:]
            check = verify_db(engine, shared.totals)
            engine.dispose()
    finally:
        if proc is not None:
            stop_server(proc, hard=True)
        if not args.keep_schema:
            drop_schema(admin_url, schema)

    main_rep = phases.get("mixed at rate")
    main_o = main_rep["overall"] if main_rep else None
    achieved = main_o["rps"] if main_o else 0.0
    met = bool(main_o and not stall and main_o["p95_ms"] is not None
               and main_o["p95_ms"] < GOAL_P95_MS and achieved >= 0.95 * args.rate
               and main_o["errors"] == 0)
    print(f"\ngoal: p95 < {GOAL_P95_MS:.0f} ms at {GOAL_RATE:.0f} req/s (all requests): "
          + (f"p95 {fmt(main_o['p95_ms'])} ms at {achieved:.1f} req/s achieved "
             f"(target {args.rate:.0f})" if main_o and not stall else
             f"not measured (server stalled in {stall.get('phase')!r})")
          + f" -> {'MET' if met else 'MISSED'}")
    closed_rep = phases.get("mixed closed loop")
    if closed_rep:
        c = closed_rep["overall"]
        print(f"max throughput (closed loop, {args.clients} clients): {c['rps']:.1f} req/s, "
              f"p95 {fmt(c['p95_ms'])} ms")
    failed = [k for k, v in check["checks"].items() if not v]
    print(f"correctness: {check['decision_2xx']} decisions answered 2xx "
          f"({check['final_decision_2xx']} final) -> {check['reviews']} reviews "
          f"({check['final_reviews']} final); lost {check['lost_decisions']}, doubled "
          f"{check['doubled_decisions']}; {check['claims_2xx']} claims, "
          f"{check['double_claims']} handed out twice; audit chain "
          f"{'intact' if check['checks']['audit_chain_intact'] else 'BROKEN'} "
          f"({check['audit_events']} events); 5xx {shared.totals['5xx']} -> "
          + ("OK" if not failed else "FAILED: " + ", ".join(failed)))
    load_end = list(os.getloadavg())
    print(f"load average at end: {load_end}")
    out = {
        "benchmark": "load", "machine": info, "load_average_end": load_end,
        "config": {"clients": args.clients, "seniors": seniors, "rate": args.rate,
                   "seconds": args.seconds, "closed_seconds": args.closed_seconds,
                   "workers": args.workers, "threads": args.threads or None,
                   "seed": args.seed, "items_seeded": seeded.items,
                   "database": make_url(admin_url).render_as_string(hide_password=True),
                   "client": args.client, "access_log": args.access_log,
                   "server": f"{server_desc}, in a subprocess, loopback"},
        "goal": {"p95_ms": GOAL_P95_MS, "rate": GOAL_RATE, "met": met,
                 "achieved_rps": achieved, "p95_ms_measured": main_o["p95_ms"] if main_o
                 else None},
        "phases": phases, "correctness": check, "stall": stall or None,
        "server_log_tail": log_tail if "Traceback" in log_tail else "",
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2, default=str) + "\n")
    print(f"written {args.out}")
    if failed or stall:
        sys.exit(1)


def _terminate(_signum: int, _frame: Any) -> None:
    raise SystemExit(143)  # run the clean-up (server, schema) on SIGTERM too


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _terminate)
    main()
