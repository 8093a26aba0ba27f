"""Linking posts to catalog titles (and to the copy assets they quote).

A :class:`Linker` is built once from the catalog (:func:`names_from_catalog`) and then links a post
in a few dictionary look-ups: the post's words are normalised (accents and case folded,
punctuation dropped) and every run of up to :data:`MAX_NAME_WORDS` words is looked up.

**Signals** of a title, each from the catalog:

* its **names** (original, localised titles and aliases: ``title_names``);
* its **hashtags** (``title_names`` of kind ``hashtag``) and **handles** (kind ``handle``: the
  official accounts); a hashtag made of a name's words (``#StrangerThings``) counts too;
* its **cast** (``credits``, full names of two words or more);
* its **copy**: a run of :data:`QUOTE_WORDS` words of a version of its synopsis, tagline or title
  text — a quote links the post to that *asset version* as well (per-asset signals).

**Disambiguation.** A name is *ambiguous* when it could be an ordinary word: one word that is common
(``Cuties``, ``Us``, ``Home``: :data:`COMMON_WORDS_FILE` holds the ~5,700 words seen five times or
more in TweetEval's 40,000 training tweets and written in lower case at least half the time away
from a tweet's start, so brands and names such as ``iPhone``, ``United`` or ``Google`` are not
common but ``home`` is; a plural counts as its singular), or several words all of which are common
(``Home Alone``), unless the post writes them in the catalog's capitals. An ambiguous name links
only with a **co-signal** in the same post: the title's hashtag or handle, a cast name, the
service's name (setting ``CLEARANCE_MONITOR_SERVICE_NAMES``), a quote of its copy, or a word that
says a film is meant (:data:`CONTEXT_WORDS`: film, movie, trailer, poster...). A cast name alone
links when the person is credited on one title only. Everything else links alone.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

MAX_NAME_WORDS: Final = 6
QUOTE_WORDS: Final = 5
COMMON_WORDS_FILE: Final = Path(__file__).resolve().parent / "data" / "common_words.txt"
#: Words that say a post is about a film or series (EN, FR, ES, DE, PT, IT).
CONTEXT_WORDS: Final = frozenset({
    "film", "films", "movie", "movies", "series", "show", "episode", "trailer", "poster",
    "synopsis", "cast", "director", "premiere", "streaming", "documentary", "cinema", "watch",
    "watched", "watching", "netflix", "filme", "pelicula", "película", "serie", "série",
    "affiche", "bande", "realisateur", "réalisateur", "regisseur", "kino", "cine", "filmes",
    "tv",
})
#: Link kinds, strongest first (stored with each link; ``docs/monitor.md``).
HOW: Final = ("handle", "hashtag", "quote", "name", "cast")

_WORD: Final = re.compile(r"[#@]?[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)


@functools.cache
def common_words() -> frozenset[str]:
    try:
        return frozenset(COMMON_WORDS_FILE.read_text(encoding="utf-8").split())
    except OSError:  # pragma: no cover - shipped with the package
        return frozenset()


def fold(text: str) -> str:
    """Case and accents folded (``Maïmouna`` -> ``maimouna``)."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """Folded words of ``text``, a leading ``#`` or ``@`` kept, a possessive ``'s`` dropped."""
    folded = fold(text)
    if "’" in folded:
        folded = folded.replace("’", "'")
    found: list[str] = _WORD.findall(folded)
    if "'s" not in folded:
        return found
    return [w[:-2] if w.endswith("'s") else w for w in found]


@dataclass(frozen=True, slots=True)
class CatalogNames:
    """What the linker needs of one title (see :func:`names_from_catalog`)."""

    title_id: str
    names: tuple[str, ...]
    hashtags: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()
    cast: tuple[str, ...] = ()
    #: ``(version_id, text)`` of the title's copy versions (synopses, taglines, title texts).
    copy: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Link:
    """A post linked to ``title_id`` (``how``: the strongest signal), and to the copy version
    it quotes, if any."""

    title_id: str
    how: str
    version_id: int | None = None


@dataclass(slots=True)
class _Entry:
    title_id: str
    is_ambiguous: bool
    cased: str | None = None  # the catalog's spelling, when capitals lift the ambiguity


@dataclass(slots=True)
class _Found:
    strong: str | None = None
    weak: bool = False
    co: bool = False
    versions: set[int] = field(default_factory=set)


def is_common(word: str) -> bool:
    """Whether ``word`` (folded) is an ordinary word (see the module docstring)."""
    common = common_words()
    return (len(word) <= 2 or word in common
            or (word.endswith("s") and (word[:-1] in common or word[:-2] in common
                                        or word[:-3] + "y" in common)))


def _is_ambiguous(name_words: Sequence[str]) -> bool:
    content = [w for w in name_words if w not in ("the", "a", "an", "le", "la", "les", "l")]
    return not content or all(is_common(w) for w in content)


class Linker:
    """Links posts to titles (see the module docstring)."""

    def __init__(self, titles: Iterable[CatalogNames], *,
                 service_names: Sequence[str] = ()) -> None:
        self._phrases: dict[tuple[str, ...], list[_Entry]] = defaultdict(list)
        self._tags: dict[str, list[_Entry]] = defaultdict(list)
        self._handles: dict[str, list[str]] = defaultdict(list)
        self._cast: dict[tuple[str, ...], list[str]] = defaultdict(list)
        self._quotes: dict[tuple[str, ...], list[tuple[str, int]]] = defaultdict(list)
        self._service = {tuple(words(n)) for n in service_names if words(n)}
        self._service |= {(f"@{w[0].lstrip('@#')}",) for w in self._service if len(w) == 1}
        self._service |= {(f"#{w[0].lstrip('@#')}",) for w in self._service if len(w) == 1}
        self.max_words = 1
        for title in titles:
            self._add(title)
        # first word -> the most words of a name, cast name or service name starting with it
        self._starts: dict[str, int] = {}
        for key in (*self._phrases, *self._cast, *self._service):
            self._starts[key[0]] = max(self._starts.get(key[0], 0), len(key))
        self._quote_starts = frozenset(key[0] for key in self._quotes)

    def _add(self, title: CatalogNames) -> None:
        tid = title.title_id
        for name in dict.fromkeys(title.names):
            ws = tuple(w.lstrip("#@") for w in words(name))
            if not ws or len(ws) > MAX_NAME_WORDS:
                continue
            ambiguous = _is_ambiguous(ws)
            cased = name.strip() if ambiguous and len(ws) > 1 else None
            self._phrases[ws].append(_Entry(tid, ambiguous, cased))
            self._tags["".join(ws)].append(_Entry(tid, ambiguous and len(ws) == 1))
            self.max_words = max(self.max_words, len(ws))
        for tag in title.hashtags:
            folded = fold(tag).lstrip("#")
            if folded:
                self._tags[folded].append(_Entry(tid, False))
        for handle in title.handles:
            folded = fold(handle).lstrip("@")
            if folded:
                self._handles[folded].append(tid)
        for person in title.cast:
            ws = tuple(words(person))
            if len(ws) >= 2:
                self._cast[ws].append(tid)
                self.max_words = max(self.max_words, len(ws))
        for version_id, text in title.copy:
            copy_words = [w.lstrip("#@") for w in words(text)]
            for i in range(len(copy_words) - QUOTE_WORDS + 1):
                key = tuple(copy_words[i:i + QUOTE_WORDS])
                if (tid, version_id) not in self._quotes[key]:
                    self._quotes[key].append((tid, version_id))

    def link(self, text: str) -> tuple[Link, ...]:
        """The titles ``text`` is about, strongest signal first per title."""
        ws = words(text)
        if not ws:
            return ()
        # a word needs a look only if it is a hashtag or handle or could start a name, a cast
        # name, the service's name or a quote: most words are none of these (one set look-up
        # each, then the work below only where it can find something)
        bare = [w[1:] if w[0] in "#@" else w for w in ws]
        starts, quote_starts = self._starts, self._quote_starts
        places = [i for i, (w, b) in enumerate(zip(ws, bare, strict=True))
                  if w[0] in "#@" or b in starts or b in quote_starts]
        if not places:
            return ()
        found: dict[str, _Found] = defaultdict(_Found)
        has_context = not CONTEXT_WORDS.isdisjoint(bare)
        for i in places:
            w = ws[i]
            if w[0] == "@":
                for tid in self._handles.get(w[1:], ()):
                    _strong(found[tid], "handle")
            elif w[0] == "#":
                for entry in self._tags.get(w[1:], ()):
                    if entry.is_ambiguous:
                        found[entry.title_id].weak = True
                    else:
                        _strong(found[entry.title_id], "hashtag")
            longest = starts.get(bare[i], 0)
            for n in range(1, min(longest, len(ws) - i) + 1):
                key = tuple(bare[i:i + n])
                if n == 1 and w[0] in "#@":
                    continue  # a hashtag or handle is judged above, not as a name
                for entry in self._phrases.get(key, ()):
                    if not entry.is_ambiguous or (entry.cased is not None
                                                  and entry.cased in text):
                        _strong(found[entry.title_id], "name")
                    else:
                        found[entry.title_id].weak = True
                for tid in self._cast.get(key, ()):
                    cast_of = self._cast[key]
                    if len(cast_of) == 1:
                        _strong(found[tid], "cast")
                    found[tid].co = True
                if key in self._service:
                    has_context = True
            if i + QUOTE_WORDS <= len(bare) and bare[i] in quote_starts:
                for tid, version_id in self._quotes.get(tuple(bare[i:i + QUOTE_WORDS]), ()):
                    _strong(found[tid], "quote")
                    found[tid].versions.add(version_id)
        links: list[Link] = []
        for tid, f in found.items():
            if f.strong is None and not (f.weak and (f.co or has_context)):
                continue
            how = f.strong or "name"
            links.append(Link(tid, how))
            links.extend(Link(tid, "quote", v) for v in sorted(f.versions))
        return tuple(links)


def _strong(found: _Found, how: str) -> None:
    found.co = True
    if found.strong is None or HOW.index(how) < HOW.index(found.strong):
        found.strong = how


def names_from_rows(rows: Mapping[str, Mapping[str, list[str]]]) -> list[CatalogNames]:
    """``CatalogNames`` from ``{title_id: {"names": [...], "hashtags": [...], ...}}`` (tests,
    benches)."""
    return [CatalogNames(tid, tuple(r.get("names", ())), tuple(r.get("hashtags", ())),
                         tuple(r.get("handles", ())), tuple(r.get("cast", ())))
            for tid, r in rows.items()]
