"""A server killed (SIGKILL) in the middle of a background batch, and started again: the job is
``interrupted``, resuming it completes it, and the database holds no duplicate version, screening
or item. The server is a real uvicorn process with a screener built from a slow
:class:`~clearance.detectors.fake.FakeDetector` (``slow_service.py``), so the batch takes a known
time and no model is loaded."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from api_world import SECRET, png_bytes, seed
from clearance.storage import make_engine, session_scope, upgrade
from clearance.storage.models import AssetVersion
from clearance.storage.review_models import ReviewItem
from clearance.storage.screening_models import Screening
from server_process import ServerProcess

FILES = 8
DELAY = 0.4  # seconds of "model work" per image


def _job(client: httpx.Client, url: str) -> dict[str, Any]:
    r = client.get(url)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _wait(client: httpx.Client, url: str, until: Any, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = _job(client, url)
        if until(job):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job never got there: {_job(client, url)}")


def test_a_killed_servers_batch_is_interrupted_and_resumes_without_duplicates(
        database_url: str, tmp_path: Path) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        tokens = seed(engine)
        auth = {"Authorization": f"Bearer {tokens['alice']}"}
        files = [("files", (f"still-{i}.png", png_bytes(64 + i, 48), "image/png"))
                 for i in range(FILES)]
        first = ServerProcess(tmp_path, database_url, secret=SECRET, delay=DELAY).start()
        try:
            with httpx.Client(base_url=first.url, headers=auth, timeout=30) as client:
                r = client.post("/api/batches", files=files, data={
                    "title_id": "t1", "kind": "still", "locale": "und", "channel": "web"})
                assert r.status_code == 202, r.text
                url = r.json()["url"]
                _wait(client, url, lambda j: j["done"] >= 2)
        finally:
            first.kill()
        with ServerProcess(tmp_path, database_url, secret=SECRET, delay=DELAY) as second, \
                httpx.Client(base_url=second.url, headers=auth, timeout=30) as client:
            stopped = _job(client, url)
            assert stopped["state"] == "interrupted", stopped
            assert 2 <= stopped["done"] < FILES
            resumed = client.post(f"{url}/resume")
            assert resumed.status_code == 200, resumed.text
            done = _wait(client, url, lambda j: j["state"] == "done")
        assert (done["done"], done["total"], done["errors"]) == (FILES, FILES, [])
        assert len(set(done["items"])) == FILES
        with session_scope(engine) as s:
            versions = s.scalars(select(AssetVersion.number)).all()
            assert sorted(versions) == list(range(1, FILES + 1))
            assert s.scalar(select(func.count(ReviewItem.id))) == FILES
            per_version = s.execute(select(Screening.version_id, func.count(Screening.id))
                                    .group_by(Screening.version_id)).all()
            assert len(per_version) == FILES and {n for _, n in per_version} == {1}
            rounds = s.execute(select(ReviewItem.version_id, ReviewItem.round)).all()
            assert len(set(rounds)) == FILES and {r for _, r in rounds} == {1}
    finally:
        engine.dispose()
