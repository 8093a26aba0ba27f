"""The hash bank on SQLite and PostgreSQL: banks and entries, rejected and withdrawn versions
banked by the domain events, near-copies (crops, re-encodes, letterboxes, mirrors, video frames)
blocked with ``match.withdrawn``, negative banks, withdraw everywhere with replacements, an index
rebuilt after a restart, and concurrent adds and matches."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine, select, text

from bank_world import FFMPEG, BankWorld, clip, noise_png, poster, thumbnail
from clearance.bank import banks, lineage
from clearance.bank.hashing import PerceptualHash, bank_hashes, pdq_dihedral
from clearance.bank.index import BankIndex
from clearance.content.images import load_picture
from clearance.errors import InputError, NotFound
from clearance.storage import LocalBlobStore, session_scope
from clearance.storage.bank_models import BankEntry
from clearance.storage.review_models import AuditEvent, WebhookDelivery


@pytest.fixture
def world(engine: Engine, blobs: LocalBlobStore, tmp_path: Path) -> BankWorld:
    return BankWorld(engine, blobs, tmp_path)


def _attrs(result: object) -> list[dict[str, object]]:
    return [dict(f.attributes) for f in result.findings  # type: ignore[attr-defined]
            if f.label == "match.withdrawn"]


def test_every_database_has_the_rejected_and_withdrawn_banks(engine: Engine) -> None:
    with session_scope(engine) as s:
        assert [(b.name, b.reason, b.distance, b.enabled) for b in banks.list_banks(s)] == [
            ("rejected", "rejected", 31, True), ("withdrawn", "withdrawn", 31, True)]
        with pytest.raises(NotFound, match=r"no bank named 'nope'.*rejected, withdrawn"):
            banks.get_bank(s, "nope")
        with pytest.raises(InputError, match="0 to 256"):
            banks.create_bank(s, "x", reason="takedown", by="t", distance=300)
        with pytest.raises(InputError, match="bank reason"):
            banks.create_bank(s, "x", reason="because", by="t")
        with pytest.raises(InputError, match="exists already"):
            banks.create_bank(s, "rejected", reason="rejected", by="t")


@pytest.mark.skipif(FFMPEG is None, reason="ffmpeg is needed to make the clip")
def test_acceptance_rejected_key_art_blocks_its_near_copies_and_is_withdrawn_everywhere(
        world: BankWorld) -> None:
    original = poster("withdrawn")
    v1 = world.version(original)  # s2032/key_art/en-US/web/v1
    index = world.index()
    screener = world.screener(index)
    # intake: screened (nothing banked yet), its hashes stored for later
    [first] = screener.screen_many([world.image_item(original, "v1.png", v1)])
    assert first.decision.outcome == "pass" and not _attrs(first)
    world.reject(v1)
    with session_scope(world.engine) as s:
        [entry] = banks.entries(s, bank="rejected")
        assert (entry.version_id, entry.source, entry.added_by) == (v1, "review", "user:alice")
        assert "minors in revealing outfits" in entry.reason
        assert s.scalar(select(AuditEvent).where(AuditEvent.type == "bank.add")) is not None

    thumb = thumbnail(original)  # 20% cropped, letterboxed to 16:9, 480 px, JPEG 70
    t_id = world.version(thumb, kind="thumbnail", locale="fr-FR", content_type="image/jpeg")
    movie = clip(original, world.tmp)  # 10 seconds
    c_id = world.version(movie.read_bytes(), kind="clip", locale="fr-FR", channel="social",
                         content_type="video/mp4")
    unrelated = world.version(noise_png(1), title="t9")
    results = screener.screen_many([world.image_item(thumb, "thumb.jpg", t_id),
                                    world.video_item(movie, c_id),
                                    world.image_item(noise_png(1), "other.png", unrelated)])
    for r in results[:2]:
        assert r.decision.outcome == "block", r.to_dict()
        [m] = _attrs(r)
        assert (m["bank"], m["version_id"], m["suppressed"]) == ("rejected", v1, False)
        assert m["banked"] == "s2032/key_art/en-US/web/v1"
        assert isinstance(m["distance"], int) and m["distance"] <= 31
        assert "withdrawn-near-copy" in r.decision.rule_names
    assert results[2].decision.outcome == "pass" and not _attrs(results[2])
    # the version itself never matches itself
    [own] = screener.screen_many([world.image_item(original, "v1.png", v1)])
    assert not _attrs(own)

    # the replacement art goes live on the same asset
    v2 = world.version(poster("replacement"))
    world.publish(v2)
    result = lineage.withdraw_everywhere(world.engine, world.blobs, "s2032/key_art/en-US/web/v1",
                                         by="user:sen", reason="inappropriate artwork")
    assert set(result.withdrawn) == {v1, t_id, c_id}
    assert result.lineage.replacement_id == v2
    related = {r.version_id: r for r in result.lineage.related}
    assert set(related) == {t_id, c_id}
    assert all(r.is_withdrawn and r.direction == "copy" for r in related.values())
    with session_scope(world.engine) as s:
        withdrawn = {e.version_id for e in banks.entries(s, bank="withdrawn")}
        assert withdrawn == {v1, t_id, c_id}
        assert {e.source for e in banks.entries(s, bank="withdrawn")} == {"withdraw_everywhere"}
        types = s.scalars(select(AuditEvent.type)).all()
        assert types.count("withdrawal") == 3 and types.count("withdraw.everywhere") == 1
    # again: nothing left to do, nothing half-done
    again = lineage.withdraw_everywhere(world.engine, world.blobs, str(v1), by="user:sen",
                                        reason="again")
    assert again.withdrawn == () and set(again.already_withdrawn) == {v1, t_id, c_id}


def test_withdrawal_banks_the_version_and_announces_it_to_the_channel(
        world: BankWorld) -> None:
    from clearance.catalog.publication import withdraw
    from clearance.review import webhooks
    from clearance.storage.models import AssetVersion

    with session_scope(world.engine) as s:
        webhooks.subscribe(s, "t", "https://example.org/hook", events=("withdrawal",))
    v = world.version(poster("withdrawn"))
    world.publish(v)
    with session_scope(world.engine) as s:
        # never screened with the bank: hashed from the blob store in the transaction
        banks.use_blobs(s, world.blobs)
        withdraw(s, s.get_one(AssetVersion, v), by="user:sen", reason="backlash")
    with session_scope(world.engine) as s:
        [entry] = banks.entries(s, bank="withdrawn")
        assert (entry.version_id, entry.added_by, entry.reason) == (v, "user:sen", "backlash")
        [delivery] = s.scalars(select(WebhookDelivery)).all()
        assert delivery.event_type == "withdrawal"
        assert '"channel":"web"' in delivery.payload and '"published_by":"user:sen"' in \
            delivery.payload


def test_mirrors_rotations_and_removal(world: BankWorld) -> None:
    art = load_picture(poster("withdrawn"), "art.png").pixels
    with session_scope(world.engine) as s:
        added = banks.add_content(s, banks.get_bank(s, "withdrawn"), sha256="a" * 64,
                                  media="image", label="art.png", hashes=pdq_dihedral(art),
                                  source="manual", reason="", by="cli:t")
        entry_id = added.entry.id
        assert banks.add_content(s, banks.get_bank(s, "withdrawn"), sha256="a" * 64,
                                 media="image", label="art.png", hashes=pdq_dihedral(art),
                                 source="manual", reason="", by="cli:t").is_new is False
    index = world.index()
    screener = world.screener(index)
    for pixels, transform in ((art[:, ::-1], "mirror"), (np.rot90(art), "rotate90"),
                              (np.rot90(art, 2), "rotate180")):
        data = _png(np.ascontiguousarray(pixels))
        [r] = screener.screen_many([world.image_item(data, transform)])
        [m] = _attrs(r)
        assert m["transform"] == transform and r.decision.outcome == "block"
    with session_scope(world.engine) as s:
        banks.remove_entry(s, entry_id, reason="banked by mistake", by="cli:t")
        assert s.get_one(BankEntry, entry_id).removed_by == "cli:t"
    [r] = screener.screen_many([world.image_item(_png(art), "again")])
    assert not _attrs(r) and r.decision.outcome == "pass"


def _png(pixels: np.ndarray) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "PNG")
    return out.getvalue()


def test_a_negative_bank_matching_closer_sends_the_match_to_review(world: BankWorld) -> None:
    original = load_picture(poster("withdrawn"), "p").pixels
    with session_scope(world.engine) as s:
        neg = banks.create_bank(s, "lookalikes", reason="negative", by="cli:t")
        banks.add_content(s, banks.get_bank(s, "rejected"), sha256="b" * 64, media="image",
                          label="bad.png", hashes=bank_hashes(original), source="manual",
                          reason="", by="cli:t")
        banks.add_content(s, neg, sha256="c" * 64, media="image", label="good.png",
                          hashes=bank_hashes(original), source="manual", reason="", by="cli:t")
    [r] = world.screener(world.index()).screen_many(
        [world.image_item(thumbnail(poster("withdrawn"), crop=0.1), "t.jpg")])
    [m] = _attrs(r)
    assert m["suppressed"] is True and r.decision.outcome == "review"


def test_flat_pictures_are_never_matched_on(world: BankWorld) -> None:
    flat = np.full((200, 200, 3), 128, dtype=np.uint8)
    hashes = pdq_dihedral(flat)
    assert all(h.quality <= 49 for h in hashes)
    with session_scope(world.engine) as s:
        banks.add_content(s, banks.get_bank(s, "rejected"), sha256="d" * 64, media="image",
                          label="grey.png", hashes=hashes, source="manual", reason="",
                          by="cli:t")
    [r] = world.screener(world.index()).screen_many([world.image_item(_png(flat), "g.png")])
    assert not _attrs(r)


def _random_hashes(rng: np.random.Generator, n: int) -> list[PerceptualHash]:
    return [PerceptualHash(rng.integers(0, 256, 32, dtype=np.uint8).tobytes().hex(), 100,
                           variant=k) for k in range(n)]


def _near(h: PerceptualHash, bits: int, rng: np.random.Generator) -> PerceptualHash:
    value = int(h.hex, 16)
    for b in rng.choice(256, bits, replace=False):
        value ^= 1 << int(b)
    return PerceptualHash(f"{value:064x}", 100)


def test_index_rebuilt_after_a_restart_gives_the_same_matches(world: BankWorld,
                                                               tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    banked = [_random_hashes(rng, 8) for _ in range(30)]
    with session_scope(world.engine) as s:
        ids = [banks.add_content(s, banks.get_bank(s, "rejected"), sha256=f"{n:064x}",
                                 media="image", label=f"f{n}", hashes=hashes, source="manual",
                                 reason="", by="cli:t").entry.id
               for n, hashes in enumerate(banked)]
        banks.remove_entry(s, ids[3], reason="x", by="cli:t")
    queries = [_near(h[0], int(rng.integers(0, 40)), rng) for h in banked]
    path = tmp_path / "idx" / "bank.npz"
    first = world.index(path)
    before = [[(m.entry_id, m.distance) for m in first.match([q])] for q in queries]
    first.save()
    assert path.is_file()
    # a restart: loaded from the file, then only what changed since
    with session_scope(world.engine) as s:
        banks.add_content(s, banks.get_bank(s, "withdrawn"), sha256="e" * 64, media="image",
                          label="late", hashes=banked[5], source="manual", reason="",
                          by="cli:t")
    second = world.index(path)
    after = [[(m.entry_id, m.distance) for m in second.match([q]) if m.bank == "rejected"]
             for q in queries]
    assert after == before
    assert any(m.bank == "withdrawn" for m in second.match([banked[5][0]]))
    assert not second.match([banked[3][0]])  # removed stays removed
    # a damaged file is ignored and the index rebuilt from the database
    path.write_bytes(b"not an index")
    third = world.index(path)
    assert [[(m.entry_id, m.distance) for m in third.match([q]) if m.bank == "rejected"]
            for q in queries] == before


def test_concurrent_adds_and_matches_and_adds_matchable_within_a_second(
        world: BankWorld) -> None:
    rng = np.random.default_rng(5)
    batches = [[_random_hashes(rng, 8) for _ in range(10)] for _ in range(2)]
    reader = BankIndex(world.engine, refresh_seconds=0.2)  # another process's index, say
    errors: list[BaseException] = []
    stop = threading.Event()

    def add(k: int) -> None:
        try:
            for n, hashes in enumerate(batches[k]):
                with session_scope(world.engine) as s:
                    banks.add_content(s, banks.get_bank(s, "rejected"),
                                      sha256=f"{k:032x}{n:032x}", media="image",
                                      label=f"{k}-{n}", hashes=hashes, source="manual",
                                      reason="", by=f"cli:{k}")
        except BaseException as exc:
            errors.append(exc)

    def match() -> None:
        try:
            while not stop.is_set():
                reader.match([batches[0][0][0], batches[1][-1][0]])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(k,)) for k in (0, 1)]
    matcher = threading.Thread(target=match)
    matcher.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    committed = time.monotonic()
    deadline = committed + 1.0
    found: set[int] = set()
    while time.monotonic() < deadline:
        found = {m.entry_id for h in batches for hs in h for m in reader.match([hs[0]])}
        if len(found) == 20:
            break
        time.sleep(0.05)
    stop.set()
    matcher.join()
    assert not errors, errors
    assert len(found) == 20
    with session_scope(world.engine) as s:
        revisions = sorted(e.revision for e in s.scalars(select(BankEntry)))
    assert len(set(revisions)) == 20  # every add its own revision, in commit order


def test_the_index_refreshes_inside_a_callers_write_transaction(world: BankWorld) -> None:
    """A re-screen plans its titles inside a write transaction and asks the bank's revision for
    each picture's cache key there; on SQLite the index's own read must not wait for that
    transaction's write lock (it did: 30 s of busy timeout, then "database is locked")."""
    rng = np.random.default_rng(9)
    with session_scope(world.engine) as s:
        banks.add_content(s, banks.get_bank(s, "rejected"), sha256="ab" * 32, media="image",
                          label="x", hashes=_random_hashes(rng, 2), source="manual",
                          reason="", by="cli:test")
    index = BankIndex(world.engine, refresh_seconds=0.0)
    with session_scope(world.engine) as s:
        s.execute(text("SELECT 1"))  # BEGIN IMMEDIATE on SQLite: the write lock is held from here
        started = time.monotonic()
        index.refresh(force=True)
        assert time.monotonic() - started < 5
    assert index.revision == 1 and len(index) == 2
