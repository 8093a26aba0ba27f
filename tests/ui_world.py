"""A small review world for the UI tests (TestClient and the browser): users of every role in
two teams, a title with cast, and two screened items submitted by the studio's submitter.

The image is drawn here with Pillow (a lighthouse on a sea, shapes only; never a person) and its
findings are constructed, not detected: a ``minor.apparent`` box (so the two-person rule
applies), a ``face`` box and a ``text.ocr`` box, so the page has overlays to draw without loading
any model.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw
from sqlalchemy import Engine
from sqlalchemy.orm import Session

import fresh_db
from clearance.findings import Finding
from clearance.policy.engine import Decision
from clearance.review import access, items
from clearance.screening import ScreenResult, records
from clearance.settings import Settings
from clearance.storage import LocalBlobStore, make_engine, session_scope
from clearance.storage.models import Asset, AssetVersion, Credit, Person, Title
from clearance.storage.screening_models import Screening

PASSWORD = "Lighthouse-42"
USERS = {  # username: (role, team)
    "sub": ("submitter", "studio"),
    "outsider": ("submitter", "rival"),
    "rev": ("reviewer", None),
    "senior": ("senior_reviewer", None),
    "admin": ("admin", None),
}
IMAGE_SIZE = (640, 400)
COPY = "One summer at the lighthouse changes everything for a girl of twelve."


def draw_image() -> bytes:
    """A PNG of a lighthouse on a sea under a sky: rectangles, a triangle, circles."""
    w, h = IMAGE_SIZE
    im = Image.new("RGB", IMAGE_SIZE, (120, 170, 225))
    d = ImageDraw.Draw(im)
    for y in range(h // 2):  # sky gradient
        c = 120 + y // 3
        d.line([(0, y), (w, y)], fill=(c, 170 + y // 6, 235))
    d.ellipse([500, 40, 570, 110], fill=(255, 214, 90))  # sun
    d.rectangle([0, 260, w, h], fill=(30, 90, 140))  # sea
    for x in range(0, w, 40):
        d.arc([x, 270, x + 40, 290], 200, 340, fill=(200, 225, 245), width=2)
    d.polygon([(250, 300), (300, 300), (290, 110), (260, 110)], fill=(235, 235, 235))
    for y in (150, 200, 250):
        d.rectangle([255, y, 295, y + 18], fill=(200, 40, 40))
    d.rectangle([252, 90, 298, 112], fill=(60, 60, 60))
    d.polygon([(248, 90), (302, 90), (275, 62)], fill=(200, 40, 40))
    d.rectangle([60, 330, 200, 360], fill=(250, 250, 250))  # a caption panel
    d.text((70, 338), "SUMMER", fill=(20, 20, 20))
    out = io.BytesIO()
    im.save(out, format="PNG")
    return out.getvalue()


def _finding(label: str, score: float, evidence: dict[str, Any],
             **attributes: Any) -> dict[str, Any]:
    out = {"label": label, "score": score, "evidence": evidence, "detector": "constructed",
           "detector_version": "test"}
    if attributes:
        out["attributes"] = attributes
    return out


def _box(x: int, y: int, w: int, h: int) -> dict[str, Any]:
    return {"kind": "image_box", "x": x, "y": y, "width": w, "height": h}


def _result(item: str, kind: str, rule: str, description: str,
            findings: list[dict[str, Any]]) -> dict[str, Any]:
    """A screening result as ``Decision.to_dict`` writes it: the first finding fired ``rule``."""
    return {"item": item, "kind": kind, "decision": "review", "policy": "default@test",
            "findings": findings,
            "rules": [{"rule": rule, "outcome": "review", "description": description,
                       "findings": [{"source": "this", **findings[0]}]}]}


IMAGE_RESULT = _result("key_art.png", "image", "apparent_minor", "a person who may be a minor", [
    _finding("minor.apparent", 0.71, _box(248, 60, 56, 60), age=13),
    _finding("face", 0.93, _box(252, 64, 48, 52)),
    _finding("text.ocr", 0.88, _box(60, 330, 140, 30), text="SUMMER"),
])
TEXT_RESULT = _result("tagline", "text", "minor_in_copy", "copy mentions a minor", [
    _finding("minor.mentioned", 0.8, {"kind": "text_span", "start": 52, "end": 68,
                                      "text": "a girl of twelve", "sentence": 0}),
])


def screening_of(session: Session, version: AssetVersion, result: dict[str, Any]) -> Screening:
    """A stored screening of ``version`` with the constructed findings and decision."""
    screened = ScreenResult(result["item"], result["kind"], Decision.from_dict(result),
                            tuple(Finding.from_dict(f) for f in result["findings"]))
    screening, _ = records.record_screening(
        session, version, screened, records.ScreeningInputs({"constructed": "test"}),
        requested_by="cli", actor="user:sub")
    return screening


@dataclass
class UIWorld:
    settings: Settings
    engine: Engine
    image_item: int
    text_item: int


def _settings(folder: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"environment": "development", "data_dir": folder / "data",
                              "database_url": f"sqlite:///{folder / 'ui.db'}",
                              "secret_key": "ui-test-secret-0123456789-abcdefghijklmnop"}
    values.update(overrides)
    return Settings(**values)


def clone(template: UIWorld, folder: Path, **overrides: Any) -> UIWorld:
    """A copy of a built world (database file and blobs) in ``folder``: hashing the users'
    passwords is what makes :func:`build` slow, so tests build once and clone."""
    source = Path(str(template.engine.url.database)).parent
    shutil.copytree(source, folder, dirs_exist_ok=True)
    settings = _settings(folder, **overrides)
    return UIWorld(settings, make_engine(settings.resolved_database_url), template.image_item,
                   template.text_item)


_PASSWORD_HASHES: dict[str, str] = {}


@contextmanager
def _password_hashed_once() -> Iterator[None]:
    """While it lasts, :func:`access.hash_password` hashes :data:`PASSWORD` once per run and
    hands back that real argon2id hash (its own salt) for every user after: five hashes a world
    took ~2 s on the busy test machine. Other passwords are hashed as usual."""
    real = access.hash_password

    def hashed(password: str) -> str:
        if password != PASSWORD:
            return real(password)
        if password not in _PASSWORD_HASHES:
            _PASSWORD_HASHES[password] = real(password)
        return _PASSWORD_HASHES[password]

    access.hash_password = hashed
    try:
        yield
    finally:
        access.hash_password = real


def build(folder: Path, **overrides: Any) -> UIWorld:
    """A migrated SQLite database in ``folder`` with the users, the title and the two items;
    settings to match (development, a fixed secret, blobs under ``folder/data``)."""
    settings = _settings(folder, **overrides)
    url = settings.resolved_database_url
    fresh_db.migrate(url)
    engine = make_engine(url)
    blobs = LocalBlobStore(settings.resolved_blob_dir)
    with session_scope(engine) as s, _password_hashed_once():
        for name, (role, team) in USERS.items():
            access.create_user(s, access.SYSTEM, name, role=role, team_id=team,
                               password=PASSWORD, display_name=name.title())
        s.add(Title(id="t-light", original_title="The Lighthouse", type="movie", rating="PG"))
        s.flush()
        keeper = Person(name="Morgan Keel", date_of_birth=dt.date(1980, 4, 2))
        young = Person(name="Robin Tide", date_of_birth=dt.date(2012, 7, 9))
        s.add_all([keeper, young])
        s.flush()
        s.add_all([Credit(title_id="t-light", person_id=keeper.id, role="cast",
                          character="The keeper"),
                   Credit(title_id="t-light", person_id=young.id, role="cast",
                          character="Wren")])
        sub = access.actor_for(access.get_user(s, "sub"), "session")
        ids = []
        for kind, locale, data, ctype, result in (
                ("key_art", "und", draw_image(), "image/png", IMAGE_RESULT),
                ("tagline", "en", COPY.encode(), "text/plain; charset=utf-8", TEXT_RESULT)):
            asset = Asset(title_id="t-light", kind=kind, locale=locale, channel="web")
            s.add(asset)
            s.flush()
            version = AssetVersion(asset_id=asset.id, number=1, content_sha256=blobs.put(data),
                                   content_type=ctype, size_bytes=len(data), created_by="sub",
                                   shoot_date=dt.date(2024, 8, 1))
            s.add(version)
            s.flush()
            item, _ = items.submit(s, sub, version, screening_of(s, version, result),
                                   team_id="studio")
            ids.append(item.id)
    return UIWorld(settings, engine, ids[0], ids[1])


_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token embedded in a page's forms."""
    match = _CSRF.search(html)
    assert match is not None, "no CSRF field on the page"
    return match.group(1)
