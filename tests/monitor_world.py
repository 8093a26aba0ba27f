"""A small catalog and post files for the monitor's tests: Cuties (handles, hashtag, cast, the
original synopsis as a copy version), Us and Home (common-word titles)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from clearance.catalog.importer import import_catalog
from clearance.storage import LocalBlobStore, session_scope

ORIGINAL_SYNOPSIS = ("Amy, 11, becomes fascinated with a twerking dance crew. Hoping to join "
                     "them, she starts to explore her femininity, defying her family's "
                     "traditions.")

CATALOG = f"""\
format: clearance-catalog/1
people:
  - {{ref: fathia, name: Fathia Youssouf, date_of_birth: 2007-12-18}}
titles:
  - id: s2032
    original_title: Cuties
    type: movie
    rating: TV-MA
    localised_titles: {{fr: Mignonnes}}
    hashtags: ["#CutiesNetflix"]
    handles: ["@CutiesFilm"]
    credits:
      - {{person: fathia, role: cast, character: Amy}}
    assets:
      - kind: synopsis
        locale: en
        versions:
          - text: "{ORIGINAL_SYNOPSIS}"
  - id: us
    original_title: Us
    type: movie
  - id: home
    original_title: Home
    type: movie
"""


def load_catalog(engine: Engine, blobs: LocalBlobStore, folder: Path) -> None:
    path = folder / "catalog.yaml"
    path.write_text(CATALOG, encoding="utf-8")
    with session_scope(engine) as session:
        report = import_catalog(session, blobs, path, created_by="test")
    assert not report.has_problems, [p.rendered() for p in report.problems]


def x_line(post_id: str, text: str, at: dt.datetime, *, followers: int = 10,
           lang: str | None = "en") -> str:
    tweet: dict[str, Any] = {"id": post_id, "text": text,
                             "created_at": at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                             "author_id": f"u{post_id}"}
    if lang:
        tweet["lang"] = lang
    return json.dumps({"data": tweet, "includes": {"users": [
        {"id": f"u{post_id}", "username": f"user{post_id}",
         "public_metrics": {"followers_count": followers}}]}})


BACKLASH = ["This is actually disgusting #CutiesNetflix",
            "11 year-olds twerking and Cuties is rated for mature audiences? @CutiesFilm",
            "Why are Netflix promoting the sexualisation of little girls? Cuties must go",
            "Sign the petition, boycott Netflix over Cuties film",
            "becomes fascinated with a twerking dance crew... who wrote this Cuties synopsis"]


def write_posts(path: Path, n: int, start: dt.datetime, *, every: float = 60.0,
                offset: int = 0) -> list[str]:
    """``n`` X-shaped posts about Cuties, one every ``every`` seconds; returns their ids."""
    ids = []
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            post_id = str(offset + i + 1)
            ids.append(post_id)
            fh.write(x_line(post_id, BACKLASH[i % len(BACKLASH)] + f" ({i})",
                            start + dt.timedelta(seconds=every * i), followers=i) + "\n")
    return ids
