"""Claims and decisions keep their latency while images are being uploaded and screened.

A real server (uvicorn in a process of its own) screens with a fake detector that takes
:data:`DELAY` seconds per image (``slow_service.py``). A reviewer claims and decides items one
after the other, first with the server idle, then while one client uploads images one at a time,
another sends batches of three (screened at once, in the request) and a background batch runs.
An upload is stored, screened and routed in three phases and only the first and last touch the
database (``clearance.service.intake``), so a claim or a decision never waits for a screening:
every one of them must answer in less than one screening's time, and their median must stay
within a small factor (4) of the idle median. (Before, an upload held its transaction, a database
slot and on SQLite the database's write lock while it was screened, and a batch of up to four
held the audit chain's lock while it screened files 2 to 4, so a claim waited for screenings.)

Run with ``-s`` to see the figures.
"""

from __future__ import annotations

import statistics
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine

from api_world import SECRET, constructed_result, png_bytes, seed
from clearance.catalog.write import add_asset_version, upsert_asset
from clearance.review import access, queue
from clearance.storage import LocalBlobStore, make_engine, session_scope, upgrade
from clearance.storage.models import Title
from server_process import ServerProcess

DELAY = 1.0  # seconds of "model work" per image
ROUNDS = 12  # claim + decide pairs measured in each phase


def _seed_queue(engine: Engine, blobs: LocalBlobStore, n: int) -> None:
    """``n`` queued copy items (a suggestive finding, no minor: one review decides each)."""
    result = constructed_result({
        "decision": "review", "policy": "test@1",
        "findings": [{"label": "suggestive.text", "score": 0.7,
                      "evidence": {"kind": "fact", "name": "n", "value": "v"},
                      "detector": "constructed", "detector_version": "test"}]})
    with session_scope(engine) as s:
        submitter = access.actor_for(access.get_user(s, "alice"), "cli")
        title = s.get(Title, "t2")
        assert title is not None
        asset, _ = upsert_asset(s, title, kind="synopsis", locale="en", channel="web")
        for i in range(n):
            version, _ = add_asset_version(s, blobs, asset, f"queued copy {i}".encode(),
                                           content_type="text/plain; charset=utf-8",
                                           created_by="seed")
            s.flush()
            queue.submit_result(s, submitter, version, result, team_id="studio")


def _review(client: httpx.Client, rounds: int) -> list[float]:
    """Claim the next item and approve it, ``rounds`` times; each request's latency."""
    out = []
    for _ in range(rounds):
        start = time.perf_counter()
        claimed = client.post("/api/queue/claim-next")
        out.append(time.perf_counter() - start)
        assert claimed.status_code == 200, claimed.text
        start = time.perf_counter()
        decided = client.post(f"/api/items/{claimed.json()['id']}/decision",
                              json={"outcome": "approve"})
        out.append(time.perf_counter() - start)
        assert decided.status_code == 200, decided.text
    return out


class _Uploader(threading.Thread):
    """Uploads distinct images one after the other until stopped (``files`` at a time: one as a
    single upload, more as a batch screened at once); records when each was sent and
    answered."""

    def __init__(self, url: str, token: str, n: int, files: int) -> None:
        super().__init__(daemon=True)
        self.client = httpx.Client(base_url=url, timeout=60,
                                   headers={"Authorization": f"Bearer {token}"})
        self.n = n
        self.files = files
        self.stop = threading.Event()
        self.spans: list[tuple[float, float]] = []
        self.failures: list[str] = []

    def run(self) -> None:
        i = 0
        form = {"kind": "still", "locale": "und", "channel": f"web{self.n}"}
        while not self.stop.is_set():
            images = [(f"u{self.n}-{i}-{k}.png", png_bytes(80 + 400 * self.n + i, 60 + k),
                       "image/png") for k in range(self.files)]
            sent = time.perf_counter()
            if self.files == 1:
                r = self.client.post("/api/titles/t1/assets", files={"file": images[0]},
                                     data=form)
            else:
                r = self.client.post("/api/batches", files=[("files", f) for f in images],
                                     data={"title_id": "t1", **form})
            if r.status_code != 201:
                self.failures.append(r.text)
            self.spans.append((sent, time.perf_counter()))
            i += 1
        self.client.close()


def test_claims_and_decisions_do_not_wait_for_screenings(database_url: str,
                                                         tmp_path: Path) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        tokens = seed(engine)
        _seed_queue(engine, LocalBlobStore(tmp_path / "data" / "blobs"), 3 * ROUNDS)
        with ServerProcess(tmp_path, database_url, secret=SECRET, delay=DELAY) as server, \
                httpx.Client(base_url=server.url, timeout=60,
                             headers={"Authorization": f"Bearer {tokens['rita']}"}) as rita:
            _review(rita, 2)  # warm up: connections, first queries
            idle = _review(rita, ROUNDS)
            uploaders = [_Uploader(server.url, tokens["alice"], n, files)
                         for n, files in enumerate((1, 3))]
            for u in uploaders:
                u.start()
            batch = httpx.post(f"{server.url}/api/batches", timeout=60, headers={
                "Authorization": f"Bearer {tokens['alice']}"}, data={
                "title_id": "t1", "kind": "thumbnail", "locale": "und", "channel": "web"},
                files=[("files", (f"b{i}.png", png_bytes(70, 50 + i), "image/png"))
                       for i in range(6)])
            assert batch.status_code == 202, batch.text
            time.sleep(DELAY / 2)  # the first screenings are under way
            window = time.perf_counter()
            loaded = _review(rita, ROUNDS)
            window = (window, time.perf_counter())
            for u in uploaders:
                u.stop.set()
            for u in uploaders:
                u.join(60)
        _report(idle, loaded, uploaders, window)
        for u in uploaders:
            assert not u.failures, u.failures
        uploads_in_window = sum(1 for u in uploaders for sent, done in u.spans
                                if sent < window[1] and done > window[0])
        assert uploads_in_window >= 2, "the uploads did not overlap the measurement"
        assert max(loaded) < DELAY, "a claim or decision waited for a screening"
        # The server shares two cores with the uploads' image work, PostgreSQL and the test's
        # clients, so "a small factor": a request waiting for screenings would take seconds.
        assert statistics.median(loaded) <= 4 * statistics.median(idle) + 0.05
    finally:
        engine.dispose()


def _report(idle: list[float], loaded: list[float], uploaders: list[_Uploader],
            window: tuple[float, float]) -> None:
    def ms(values: list[float]) -> dict[str, Any]:
        ordered = sorted(values)
        return {"median": round(1000 * statistics.median(ordered), 1),
                "p90": round(1000 * ordered[int(0.9 * (len(ordered) - 1))], 1),
                "max": round(1000 * ordered[-1], 1)}

    uploads = [done - sent for u in uploaders for sent, done in u.spans]
    print(f"\nclaim/decide latency ms, idle: {ms(idle)}; during uploads: {ms(loaded)}; "
          f"{len(uploads)} uploads took {ms(uploads)} (screening {DELAY * 1000:.0f} ms each, "
          f"one at a time); measured over {window[1] - window[0]:.2f} s")

