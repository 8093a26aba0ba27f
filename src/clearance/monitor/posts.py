"""Posts as the platforms deliver them, read into one shape: :class:`Post`.

One JSON object per line (JSON Lines), in any of these shapes, told apart by their keys:

* **X API v2** — a response or stream line ``{"data": {...} | [...], "includes": {"users":
  [...]}}`` (the author's ``username`` and ``public_metrics.followers_count`` are taken from
  ``includes.users``), or a bare tweet object (``id``, ``text``, ``created_at``);
* **Reddit** — a comment (``body``) or a submission (``title``, ``selftext``), bare as in the
  archives or wrapped as the API lists them (``{"kind": "t1", "data": {...}}``), ``created_utc``
  in POSIX seconds;
* **Bluesky** — an ``app.bsky.feed.post`` record with its AT URI: a post view (``uri``,
  ``record``, ``author``), a ``listRecords`` entry (``uri``, ``value``) or a Jetstream commit
  (``did``, ``commit.rkey``, ``commit.record``); a record alone has no id and is refused;
* the documented **CSV** (``docs/monitor.md``): ``id``, ``created_at``, ``text`` required;
  ``platform``, ``author``, ``lang``, ``reach``, ``url`` optional.

A post's **key** is ``platform:id`` (``x:1296887316556980230``, ``reddit:t1_g2k3l4m``,
``bsky:at://did:plc:.../app.bsky.feed.post/3k...``): the dedup key everywhere (a post seen twice,
from a file and from the stream, is stored once). Times in any zone become UTC (ISO 8601 with an
offset or ``Z``, ``2015-02-24 11:35:52 -0800``, Twitter's ``Tue Feb 24 11:35:52 +0000 2015``,
POSIX seconds); a time without a zone is taken as UTC. ``reach`` is the author's followers when
the shape says, else the post's engagement (likes, reposts, replies, quotes; a Reddit score).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

import orjson

#: The longest post text kept (Reddit's limit is 40,000 characters).
MAX_TEXT_CHARS: Final = 40_000
PLATFORMS: Final = ("x", "reddit", "bsky", "csv")
CSV_COLUMNS: Final = ("id", "created_at", "text", "platform", "author", "lang", "reach", "url")
CSV_REQUIRED: Final = ("id", "created_at", "text")
_KEY_PLATFORM: Final = re.compile(r"^[a-z][a-z0-9_-]{0,15}$")
_UNKNOWN_LANGS: Final = frozenset({"und", "qme", "qht", "qam", "qst", "zxx", ""})
#: Earliest and latest accepted times: anything outside is a unit mistake (milliseconds read as
#: seconds) or garbage.
_EARLIEST: Final = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
_LATEST: Final = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)


class PostProblem(ValueError):
    """Why a line is not a usable post (the reader adds ``file:line``)."""


@dataclass(frozen=True, slots=True)
class Post:
    """One post, whatever platform it came from (see the module docstring)."""

    platform: str
    id: str
    created_at: dt.datetime
    text: str
    author: str | None = None
    lang: str | None = None
    reach: int = 0
    url: str | None = None
    links: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.id}"


def loads(raw: bytes | str) -> Any:
    """One JSON line: orjson (a third of the standard parser's time on tweets), and the standard
    parser whenever orjson refuses — so what is accepted, and the message of what is not
    (``json.JSONDecodeError``, ``UnicodeDecodeError``), stay the standard library's."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw)


def parse_time(value: Any) -> dt.datetime:
    """A UTC datetime from the formats in the module docstring; :class:`PostProblem` otherwise."""
    if isinstance(value, bool) or value is None:
        raise PostProblem("no time")
    if isinstance(value, int | float):
        seconds = float(value)
        if not math.isfinite(seconds):
            raise PostProblem(f"unreadable time {value!r}")
        if seconds > 1e11:  # milliseconds
            seconds /= 1000.0
        moment = dt.datetime.fromtimestamp(seconds, dt.UTC)
    elif isinstance(value, str):
        moment = _parse_text_time(value.strip())
    else:
        raise PostProblem(f"unreadable time {value!r}")
    if not _EARLIEST <= moment < _LATEST:
        raise PostProblem(f"time {value!r} is out of range (2000-2099)")
    return moment


def _parse_text_time(text: str) -> dt.datetime:
    if not text:
        raise PostProblem("empty time")
    if text[4:5] == "-":  # ISO 8601 as the platforms send it (never a number): one call
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            pass
        else:
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=dt.UTC)
            return moment.astimezone(dt.UTC)
    try:
        return parse_time(float(text))
    except ValueError:
        pass
    candidate = text.replace("Z", "+00:00") if text.endswith("Z") else text
    # "2015-02-24 11:35:52 -0800": a space before the offset
    candidate = re.sub(r"\s+([+-]\d{2}):?(\d{2})$", r"+\1\2", candidate).replace("++", "+")
    candidate = candidate.replace("+-", "-")
    try:
        moment = dt.datetime.fromisoformat(candidate)
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            moment = _twitter_v1(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def _twitter_v1(text: str) -> dt.datetime:
    try:
        return dt.datetime.strptime(text, "%a %b %d %H:%M:%S %z %Y")
    except ValueError:
        raise PostProblem(f"unreadable time {text!r} (use ISO 8601 with a zone, e.g. "
                          "2020-08-20T14:03:00Z, or POSIX seconds)") from None


def _text(value: Any, what: str = "text") -> str:
    if not isinstance(value, str):
        raise PostProblem(f"no {what}" if value is None else f"{what} is not a string")
    text = value.replace("\x00", "").strip()
    if not text:
        raise PostProblem(f"empty {what}")
    if len(text) > MAX_TEXT_CHARS:
        raise PostProblem(f"{what} has {len(text)} characters; at most {MAX_TEXT_CHARS}")
    return text


def _ident(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        raise PostProblem("no id")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip() and len(value) <= 500 and value.isprintable():
        return value.strip()
    raise PostProblem(f"unusable id {value!r}")


def _int(value: Any) -> int:
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return max(value, 0)
    if isinstance(value, float) and math.isfinite(value):
        return max(int(value), 0)
    if isinstance(value, str):
        try:
            return max(int(float(value)), 0) if value.strip() else 0
        except ValueError:
            raise PostProblem(f"reach {value!r} is not a number") from None
    return 0


def _lang(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if not isinstance(value, str):
        return None
    primary = value.strip().split("-")[0].lower()
    return None if primary in _UNKNOWN_LANGS or not primary.isalpha() else primary[:8]


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def posts_from_object(obj: Any) -> Iterator[Post]:
    """The posts in one JSON line (an X response may hold several); :class:`PostProblem` if the
    shape is none of the module docstring's."""
    if not isinstance(obj, dict):
        raise PostProblem("a line must be a JSON object")
    if "data" in obj and ("includes" in obj or isinstance(obj["data"], list)
                          or (isinstance(obj["data"], dict) and "text" in obj["data"])):
        yield from _x_response(obj)
    elif "kind" in obj and isinstance(obj.get("data"), dict):
        yield _reddit(obj["data"])
    elif "created_utc" in obj:
        yield _reddit(obj)
    elif "commit" in obj and "did" in obj:
        yield _bluesky_commit(obj)
    elif "uri" in obj and ("record" in obj or "value" in obj):
        yield _bluesky_view(obj)
    elif obj.get("$type") == "app.bsky.feed.post":
        raise PostProblem("a Bluesky record without its AT URI has no id (send the post view "
                          "or the commit that carries it)")
    elif "text" in obj and "id" in obj:
        yield _x_tweet(obj, {})
    else:
        raise PostProblem("not a post in a known shape (X API v2, Reddit, Bluesky)")


def _x_response(obj: Mapping[str, Any]) -> Iterator[Post]:
    includes = obj.get("includes") if isinstance(obj.get("includes"), dict) else {}
    users = {u.get("id"): u for u in (includes or {}).get("users", []) if isinstance(u, dict)}
    data = obj["data"]
    tweets = data if isinstance(data, list) else [data]
    for tweet in tweets:
        if not isinstance(tweet, dict):
            raise PostProblem("X 'data' must hold tweet objects")
        yield _x_tweet(tweet, users)


def _x_tweet(tweet: Mapping[str, Any], users: Mapping[Any, Mapping[str, Any]]) -> Post:
    ident = _ident(tweet.get("id"))
    user = users.get(tweet.get("author_id"), {})
    metrics = tweet.get("public_metrics") if isinstance(tweet.get("public_metrics"), dict) else {}
    user_metrics = user.get("public_metrics") if isinstance(user.get("public_metrics"),
                                                            dict) else {}
    followers = _int((user_metrics or {}).get("followers_count"))
    engagement = sum(_int((metrics or {}).get(k)) for k in
                     ("retweet_count", "reply_count", "like_count", "quote_count"))
    entities = tweet.get("entities") if isinstance(tweet.get("entities"), dict) else {}
    links = tuple(str(u.get("expanded_url") or u.get("url"))
                  for u in (entities or {}).get("urls", [])
                  if isinstance(u, dict) and isinstance(u.get("expanded_url") or u.get("url"),
                                                        str))
    author = _str(user.get("username")) or _str(tweet.get("username"))
    return Post("x", ident, parse_time(tweet.get("created_at")), _text(tweet.get("text")),
                author=author, lang=_lang(tweet.get("lang")), reach=followers or engagement,
                url=f"https://x.com/{author or 'i'}/status/{ident}", links=links)


def _reddit(obj: Mapping[str, Any]) -> Post:
    if "body" in obj:
        text = _text(obj.get("body"), "body")
        prefix = "t1_"
    elif "title" in obj:
        title = _text(obj.get("title"), "title")
        body = obj.get("selftext")
        text = title if not isinstance(body, str) or not body.strip() else f"{title}\n{body}"
        text = _text(text)
        prefix = "t3_"
    else:
        raise PostProblem("a Reddit item needs a 'body' (comment) or a 'title' (submission)")
    if text in ("[deleted]", "[removed]"):
        raise PostProblem("the Reddit item was deleted or removed")
    name = obj.get("name")
    ident = _ident(name) if isinstance(name, str) and name else prefix + _ident(obj.get("id"))
    permalink = obj.get("permalink")
    url = f"https://www.reddit.com{permalink}" if isinstance(permalink, str) else None
    links = (obj["url"],) if prefix == "t3_" and isinstance(obj.get("url"), str) else ()
    author = _str(obj.get("author"))
    return Post("reddit", ident, parse_time(obj.get("created_utc")), text,
                author=None if author == "[deleted]" else author, lang=None,
                reach=_int(obj.get("score")), url=url, links=links)


def _bluesky_record(record: Any, uri: str, author: str | None, reach: int) -> Post:
    if not isinstance(record, dict):
        raise PostProblem("the Bluesky post has no record")
    kind = record.get("$type", "app.bsky.feed.post")
    if kind != "app.bsky.feed.post":
        raise PostProblem(f"a Bluesky {kind} record is not a post")
    links: list[str] = []
    for facet in record.get("facets") or []:
        for feature in (facet or {}).get("features") or []:
            if isinstance(feature, dict) and isinstance(feature.get("uri"), str):
                links.append(feature["uri"])
    embed = record.get("embed")
    if isinstance(embed, dict) and isinstance((embed.get("external") or {}).get("uri"), str):
        links.append(embed["external"]["uri"])
    parts = uri.split("/")
    url = (f"https://bsky.app/profile/{parts[2]}/post/{parts[-1]}"
           if uri.startswith("at://") and len(parts) >= 5 else None)
    return Post("bsky", _ident(uri), parse_time(record.get("createdAt")),
                _text(record.get("text")), author=author, lang=_lang(record.get("langs")),
                reach=reach, url=url, links=tuple(links))


def _bluesky_view(obj: Mapping[str, Any]) -> Post:
    author_obj = obj.get("author") if isinstance(obj.get("author"), dict) else {}
    reach = sum(_int(obj.get(k)) for k in ("likeCount", "repostCount", "replyCount",
                                           "quoteCount"))
    return _bluesky_record(obj.get("record", obj.get("value")), _ident(obj.get("uri")),
                           _str((author_obj or {}).get("handle")), reach)


def _bluesky_commit(obj: Mapping[str, Any]) -> Post:
    commit = obj.get("commit")
    if not isinstance(commit, dict):
        raise PostProblem("a Jetstream commit must be an object")
    if commit.get("operation", "create") != "create":
        raise PostProblem(f"a Bluesky {commit.get('operation')} is not a new post")
    if commit.get("collection", "app.bsky.feed.post") != "app.bsky.feed.post":
        raise PostProblem(f"a Bluesky {commit.get('collection')} commit is not a post")
    did, rkey = _ident(obj.get("did")), _ident(commit.get("rkey"))
    return _bluesky_record(commit.get("record"), f"at://{did}/app.bsky.feed.post/{rkey}",
                           None, 0)


def post_from_csv(row: Mapping[str, str]) -> Post:
    """A post from one row of the documented CSV (see the module docstring)."""
    platform = (row.get("platform") or "csv").strip().lower()
    if not _KEY_PLATFORM.match(platform):
        raise PostProblem(f"platform {platform!r} is not a short lower-case name")
    return Post(platform, _ident(row.get("id")), parse_time(row.get("created_at")),
                _text(row.get("text")), author=_str((row.get("author") or "").strip()),
                lang=_lang(row.get("lang")), reach=_int(row.get("reach") or 0),
                url=_str((row.get("url") or "").strip()))
