"""``--engine ray``: Ray Data over an actor pool on a local Ray instance (two CPUs) decides exactly
what the driver's own process decides, with the same findings. CI runs it: under ``CI=true`` a
missing Ray or one that cannot start is a failure, not a skip."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from clearance.errors import ConfigurationError
from clearance.screening import Screener
from clearance.screening.engines import InlineEngine, RayEngine, ray_available
from clearance.screening.rescreen import Selection, rescreen
from clearance.screening.tasks import TaskScreener
from clearance.settings import Settings
from clearance.storage import LocalBlobStore, make_engine, session_scope, upgrade
from clearance.storage.screening_models import Screening
from rescreen_world import make_catalog


def _unavailable(why: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must run the Ray engine test: {why}")
    pytest.skip(why)


def _world(root: Path) -> tuple[Engine, Settings, LocalBlobStore, dict[str, int]]:
    url = f"sqlite:///{root / 'clearance.db'}"
    root.mkdir(parents=True)
    upgrade(url)
    engine = make_engine(url)
    blobs = LocalBlobStore(root / "blobs")
    settings = Settings(semantic="off", data_dir=root, database_url=url, blob_dir=root / "blobs")
    return engine, settings, blobs, make_catalog(engine, blobs)


def _stored(engine: Engine) -> dict[int, tuple[str, list[dict[str, object]]]]:
    with session_scope(engine) as s:
        return {r.version_id: (r.decision, r.findings) for r in s.scalars(select(Screening))}


def test_ray_with_two_workers_decides_what_the_driver_decides(tmp_path: Path) -> None:
    if not ray_available():
        _unavailable("Ray is not installed (pip install 'clearance[scale]')")
    a, settings_a, blobs_a, ids_a = _world(tmp_path / "inline")
    b, settings_b, _, ids_b = _world(tmp_path / "ray")
    try:
        screener = Screener.from_settings(settings_a)
        rescreen(a, screener, Selection(), engine=lambda: InlineEngine(
            TaskScreener(settings_a, screener=screener, blobs=blobs_a)))
        ray_engine = RayEngine(settings_b, screener.versions, workers=2, batch_size=2)
        try:
            summary = rescreen(b, screener, Selection(), engine=lambda: ray_engine)
        except ConfigurationError as exc:
            _unavailable(str(exc))
        assert summary.ran == summary.screened == len(ids_b)
        assert 1 <= len(summary.worker_rss_kb) <= 2  # the pool's actors did the work
        inline, on_ray = _stored(a), _stored(b)
        assert ids_a == ids_b
        assert {v: d for v, (d, _) in on_ray.items()} == {v: d for v, (d, _) in inline.items()}
        assert on_ray == inline  # the findings too, to the last digit
        assert "block" in {d for d, _ in on_ray.values()}
    finally:
        a.dispose()
        b.dispose()
