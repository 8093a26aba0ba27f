"""A catalog for the hash-bank tests: the demo's drawn Cuties posters (benign drawings), derived
thumbnails and clips made in the test, reviewers, and helpers to reject, publish and screen."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import numpy as np
from PIL import Image
from sqlalchemy import Engine, select

from clearance.bank.index import BankIndex
from clearance.catalog.publication import publish
from clearance.content.images import load_picture
from clearance.content.video import load_video_file
from clearance.demo.art import draw_poster
from clearance.detectors.bank import WithdrawnMatchDetector
from clearance.detectors.base import Item, VersionRef
from clearance.detectors.resources import Resources
from clearance.findings import Fact, Finding
from clearance.policy.engine import Decision
from clearance.policy.loader import load_policy
from clearance.review import queue
from clearance.review.access import Actor
from clearance.screening import Screener, ScreenResult
from clearance.storage import LocalBlobStore, session_scope
from clearance.storage.models import Asset, AssetVersion, Title
from clearance.storage.review_models import User

FFMPEG = shutil.which("ffmpeg")


def poster(variant: str = "withdrawn") -> bytes:
    return draw_poster(variant)  # type: ignore[arg-type]


def thumbnail(data: bytes, *, crop: float = 0.2, quality: int = 70, width: int = 480) -> bytes:
    """``crop`` of the height cut off (half top, half bottom... all from the bottom here, like a
    thumbnail cut from the top of key art), letterboxed to 16:9 on black, scaled, JPEG."""
    img = Image.open(io.BytesIO(data)).convert("RGB")
    w, h = img.size
    img = img.crop((0, 0, w, int(h * (1 - crop))))
    ch = img.size[1]
    cw = int(ch * 16 / 9)
    canvas = Image.new("RGB", (cw, ch), "black")
    canvas.paste(img, ((cw - img.size[0]) // 2, 0))
    canvas = canvas.resize((width, int(width * 9 / 16)))
    out = io.BytesIO()
    canvas.save(out, "JPEG", quality=quality)
    return out.getvalue()


def clip(data: bytes, folder: Path, *, seconds: int = 10, name: str = "clip.mp4") -> Path:
    """A ``seconds``-long H.264 clip of the picture (slowly zooming, like a trailer's shot)."""
    assert FFMPEG is not None
    src = folder / f"{name}.png"
    src.write_bytes(data)
    out = folder / name
    subprocess.run([FFMPEG, "-y", "-loglevel", "error", "-loop", "1", "-i", str(src), "-t",
                    str(seconds), "-r", "5", "-vf", "scale=540:-2", "-c:v", "libx264",
                    "-pix_fmt", "yuv420p", str(out)], check=True)
    return out


def noise_png(seed: int, size: tuple[int, int] = (300, 400)) -> bytes:
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    # smooth it, so it hashes with a good quality like a picture would
    img = Image.fromarray(pixels).resize((size[0] // 20, size[1] // 20)).resize(size)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


class BankWorld:
    def __init__(self, engine: Engine, blobs: LocalBlobStore, tmp: Path) -> None:
        self.engine, self.blobs, self.tmp = engine, blobs, tmp
        with session_scope(engine) as s:
            s.add(Title(id="s2032", original_title="Mignonnes", type="movie", rating="TV-MA"))
            s.add(Title(id="t9", original_title="Other Film", type="movie", rating="PG"))
            users = [User(username=n, display_name=n, role=r) for n, r in
                     (("sub", "submitter"), ("alice", "reviewer"), ("sen", "senior_reviewer"))]
            s.add_all(users)
            s.flush()
            self.sub, self.alice, self.sen = (Actor(u.id, u.username, u.role, None, "session")
                                              for u in users)

    def version(self, data: bytes, *, title: str = "s2032", kind: str = "key_art",
                locale: str = "en-US", channel: str = "web",
                content_type: str = "image/png") -> int:
        sha = self.blobs.put(data)
        with session_scope(self.engine) as s:
            asset = s.scalar(select(Asset).where(Asset.title_id == title, Asset.kind == kind,
                                                 Asset.locale == locale,
                                                 Asset.channel == channel))
            if asset is None:
                asset = Asset(title_id=title, kind=kind, locale=locale, channel=channel)
                s.add(asset)
                s.flush()
            v = AssetVersion(asset_id=asset.id, content_sha256=sha, content_type=content_type,
                             size_bytes=len(data), created_by="sub")
            s.add(v)
            s.flush()
            return v.id

    def submit(self, version_id: int, decision: str) -> int:
        f = Finding("rating.mature", 1.0, Fact("rating", "TV-MA"), "rating", "1")
        res = ScreenResult("x", "image", Decision(decision, "default@1"), (f,))  # type: ignore[arg-type]
        with session_scope(self.engine) as s:
            v = s.get_one(AssetVersion, version_id)
            return queue.submit_result(s, self.sub, v, res, team_id=None)[0].id

    def reject(self, version_id: int, reason: str = "minors in revealing outfits") -> None:
        item_id = self.submit(version_id, "block")
        with session_scope(self.engine) as s:
            queue.claim(s, self.alice, item_id, lease_seconds=600)
        with session_scope(self.engine) as s:
            queue.decide(s, self.alice, item_id, "reject", reason=reason)

    def publish(self, version_id: int) -> None:
        self.submit(version_id, "pass")
        with session_scope(self.engine) as s:
            publish(s, s.get_one(AssetVersion, version_id), by="user:sen")

    def index(self, path: Path | None = None) -> BankIndex:
        return BankIndex(self.engine, path=path, refresh_seconds=0.0)

    def screener(self, index: BankIndex) -> Screener:
        resources = Resources(bank=index)
        return Screener([WithdrawnMatchDetector(resources)], load_policy(),
                        max_text_bytes=100_000, resources=resources)

    def ref(self, version_id: int) -> VersionRef:
        with session_scope(self.engine) as s:
            v = s.get_one(AssetVersion, version_id)
            return VersionRef(v.id, v.asset_id, 0, v.content_sha256, v.number)

    def image_item(self, data: bytes, name: str, version_id: int | None = None) -> Item:
        return Item("image", name=name, image=load_picture(data, name),
                    version=self.ref(version_id) if version_id else None)

    def video_item(self, path: Path, version_id: int | None = None) -> Item:
        return Item("video", name=path.name, video=load_video_file(path, max_bytes=10**9),
                    version=self.ref(version_id) if version_id else None)
