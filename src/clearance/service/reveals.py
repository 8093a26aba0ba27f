"""Reveal grants: the original bytes of an image or video leave the service only through an
audited reveal.

The review UI shows pictures **blurred and greyscale** until a reviewer asks to see one, and
that request is an audited ``reveal`` (``bank.reveal`` for a bank entry's picture). The blur used
to be a CSS filter over the original bytes, and ``?revealed=1`` on the page (or opening
``/items/{id}/content`` directly) showed them unblurred with nothing recorded (issue 10, item 4).
Now:

* A blurred picture is blurred **on the server** (:func:`blurred_rendition`): what the browser
  receives is a small greyscale smear, so removing the CSS filter shows nothing more.
* The original bytes are served only with a **grant** in the URL (``?reveal=<grant>``): a signed,
  short-lived (:data:`GRANT_SECONDS`) token naming the thing revealed and the user it was
  granted to (itsdangerous, salt :data:`GRANT_SALT`, the session key). A grant is minted only
  where the reveal was recorded: by the reveal POST (with or without JavaScript), or by the page
  itself for a viewer who turned blurring off (their view is recorded as a reveal with ``how``
  ``preference``). A grant is useless to anyone else, for anything else, or after it expires.
* Submitters seeing their own team's uploads get grants without a record: that is not a review
  act (as before).
* The API has no blur: ``GET /api/items/{id}/content`` by a reviewer records a reveal
  (``how="api"``) unless it carries a grant from ``POST /api/items/{id}/reveal``.
"""

from __future__ import annotations

import io
from typing import Final, Literal

from itsdangerous import BadData, URLSafeTimedSerializer
from PIL import Image, ImageFilter, ImageOps

#: How long a grant opens the original bytes (seconds): long enough to load a page and its
#: picture, short enough that a copied URL soon shows nothing.
GRANT_SECONDS: Final = 600
#: itsdangerous salt: a grant is never a session cookie, nor a cookie a grant.
GRANT_SALT: Final = "clearance-reveal"
#: The longest side of a blurred rendition, in pixels.
RENDITION_SIDE: Final = 1024
#: The picture is reduced to this many pixels on its longest side before it is smeared back.
_SMEAR_SIDE: Final = 24

Revealable = Literal["item", "bank-entry"]


def _signer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=GRANT_SALT)


def grant(secret: str, kind: Revealable, ident: int, user_id: int) -> str:
    """A grant opening the original of ``kind`` ``ident`` to ``user_id`` for
    :data:`GRANT_SECONDS`."""
    return _signer(secret).dumps({"k": kind, "id": ident, "u": user_id})


def is_granted(secret: str, token: str | None, kind: Revealable, ident: int,
               user_id: int) -> bool:
    """Whether ``token`` is a live grant of ``kind`` ``ident`` to ``user_id``."""
    if not token:
        return False
    try:
        payload: object = _signer(secret).loads(token, max_age=GRANT_SECONDS)
    except BadData:
        return False
    return payload == {"k": kind, "id": ident, "u": user_id}


def blurred_rendition(data: bytes, *, side: int = RENDITION_SIDE) -> bytes:
    """A greyscale JPEG of the picture smeared beyond recognition (reduced to a few dozen
    pixels, then blown back up and blurred), the size the original is shown at (at most
    ``side`` pixels a side), so the page keeps its layout and its boxes their places."""
    with Image.open(io.BytesIO(data)) as im:
        oriented = ImageOps.exif_transpose(im)
        grey = oriented.convert("L")
    grey.thumbnail((side, side))
    size = grey.size
    small = grey.copy()
    small.thumbnail((_SMEAR_SIDE, _SMEAR_SIDE), Image.Resampling.BOX)
    smeared = small.resize(size, Image.Resampling.BILINEAR).filter(
        ImageFilter.GaussianBlur(max(size) / 64))
    out = io.BytesIO()
    smeared.save(out, format="JPEG", quality=60)
    return out.getvalue()
