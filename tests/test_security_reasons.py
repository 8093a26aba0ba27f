"""Written reasons need visible words (issue 10, item 15): the override of a block, the comment
of ``request_changes``, item comments and withdrawal reasons.

Reproduced first: a senior overrode a screening block with the "written reason" ``"\\u200b"``
(one zero-width space): ``str.strip()`` keeps it, so the reason was non-empty.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from clearance.catalog.publication import withdraw
from clearance.content.visible import has_visible_words, is_invisible, require_written
from clearance.errors import InputError, ReviewConflict
from clearance.review import queue
from clearance.storage import session_scope
from clearance.storage.models import AssetVersion
from test_publication import versions  # noqa: F401  (the fixture)
from test_queue import BLOCK, SUGGESTIVE, World

#: Reasons a person cannot read: each must be refused wherever a written reason is needed.
UNREADABLE = [
    "", "   ", "\t\n", "\u200b", "\u200b\u200c\u200d", "\u2060", "\ufeff", "\u00ad",
    "\u202e\u202c", "\u200e\u200f", "\u3164", "\u115f\u1160", "\u2800", "\ufe0f", "\u034f",
    "\U000e0041\U000e0042", "\u180e", "\u00a0\u2003\u3000", "...", "-- !?", "\u0301\u0302",
    "\x00\x07", "\u200b.\u200b",
]
#: Reasons with visible words, in several scripts (invisible characters around them are fine).
READABLE = ["ok", "Fine in context\u200b", "理由があります", "٣ مرات", "ок", "Ⅻ",
            "belly of a turnip"]


@pytest.fixture
def world(engine: Engine) -> Iterator[World]:
    yield World(engine)


@pytest.mark.parametrize("reason", UNREADABLE)
def test_unreadable_text_has_no_visible_words(reason: str) -> None:
    assert not has_visible_words(reason)
    with pytest.raises(InputError, match="visible letter or digit"):
        require_written(reason, "a reason")


@pytest.mark.parametrize("reason", READABLE)
def test_readable_text_is_kept_as_written(reason: str) -> None:
    assert has_visible_words(reason)
    assert require_written(f"  {reason}  ", "a reason") == reason


def test_an_override_needs_visible_words(world: World) -> None:
    item_id = world.submit(BLOCK)
    world.claim(world.sen, item_id)
    for reason in UNREADABLE:
        with pytest.raises(ReviewConflict, match="write the reason"):
            world.decide(world.sen, item_id, "approve", reason=reason)
    assert world.item(item_id).state == "claimed"
    assert world.decide(world.sen, item_id, "approve", reason="a cartoon turnip").state == \
        "approved"


def test_request_changes_and_comments_need_visible_words(world: World) -> None:
    item_id = world.submit(SUGGESTIVE)
    world.claim(world.alice, item_id)
    for comment in UNREADABLE:
        with pytest.raises(InputError, match="comment"):
            world.decide(world.alice, item_id, "request_changes", comment=comment)
        with pytest.raises(InputError, match="comment"), \
                session_scope(world.engine) as session:
            queue.add_comment(session, world.alice, item_id, comment)
    assert world.decide(world.alice, item_id, "request_changes",
                        comment="Lose the dance line.").state == "changes_requested"


def test_a_withdrawal_needs_visible_words(engine: Engine,
                                          versions: dict[str, int]) -> None:  # noqa: F811
    with session_scope(engine) as session:
        version = session.get(AssetVersion, versions["v3"])
        assert version is not None
        for reason in UNREADABLE:
            with pytest.raises(InputError, match="needs a reason"):
                withdraw(session, version, by="user:senior", reason=reason)
        assert withdraw(session, version, by="user:senior",
                        reason="rejected poster").end_reason == "withdrawn"


_INVISIBLE = st.sampled_from(["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad",
                              "\u202a", "\u202e", "\u2066", "\u3164", "\u2800", "\ufe0f",
                              " ", "\t", "\u3000", ".", "-", "!", "\u0301", "\U000e0020"])


@settings(max_examples=200, deadline=None)
@given(noise=st.lists(_INVISIBLE, max_size=12), letter=st.characters(categories=["L", "Nd"]))
def test_only_a_letter_or_digit_makes_words(noise: list[str], letter: str) -> None:
    """The class: invisible, format, space and punctuation characters never make a reason;
    one visible letter or digit among them does."""
    assert not has_visible_words("".join(noise))
    if is_invisible(letter):  # e.g. a Hangul filler is a "letter" that renders as nothing
        return
    half = len(noise) // 2
    mixed = [*noise[:half], letter, *noise[half:]]
    assert has_visible_words("".join(mixed))
