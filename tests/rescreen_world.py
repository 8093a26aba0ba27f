"""A small catalog for the re-screen tests: five titles with a synopsis each (one the Cuties
copy, blocked) and a tagline for one."""

from __future__ import annotations

from sqlalchemy import Engine

from clearance.catalog.write import add_asset_version, upsert_asset
from clearance.storage import LocalBlobStore, session_scope
from clearance.storage.models import Title

BLOCK = ("Amy, 11, becomes fascinated with a twerking dance crew. Hoping to join them, she "
         "starts to explore her femininity, defying her family's traditions.")
BENIGN = ("A retired detective returns to her home town to solve one last case.",
          "Two chefs compete to open a restaurant in Lyon.",
          "A documentary about the migration of whales along the Pacific coast.")


def make_catalog(engine: Engine, blobs: LocalBlobStore) -> dict[str, int]:
    """Five titles with one synopsis each (one of them blocked) and a tagline for one."""
    texts = {"t1": BLOCK, "t2": BENIGN[0], "t3": BENIGN[1], "t4": BENIGN[2],
             "t5": "Sexy teens at a pool party."}
    ids: dict[str, int] = {}
    titles: dict[str, Title] = {}
    with session_scope(engine) as s:
        for tid, text in texts.items():
            title = Title(id=tid, original_title=tid.upper(), type="movie", rating="TV-MA")
            s.add(title)
            s.flush()
            asset, _ = upsert_asset(s, title, kind="synopsis", locale="en", channel="web")
            v, _ = add_asset_version(s, blobs, asset, text.encode(), content_type="text/plain",
                                     created_by="test")
            s.flush()
            ids[tid] = v.id
            titles[tid] = title
        tag, _ = upsert_asset(s, titles["t2"], kind="tagline", locale="en", channel="web")
        v, _ = add_asset_version(s, blobs, tag, b"Nobody leaves.", content_type="text/plain",
                                 created_by="test")
        s.flush()
        ids["t2-tagline"] = v.id
    return ids
