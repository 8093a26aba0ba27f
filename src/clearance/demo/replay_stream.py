"""The replay's synthetic stream, built from the case's facts (``../shared/docs/mission.md``):
posts, a petition's snapshots and news items about *Cuties / Mignonnes*, August 2020.

Everything here is **synthetic** and deterministic (a seeded generator): the same posts, with the
same ids, on every run, so a second replay on the same database stores nothing twice.

* **Posts** (X-shaped, 3 in 4 in English, 1 in 4 in French) are the three posts the mission
  quotes — "This is actually disgusting", "11 year-olds twerking and the show is rated for mature
  audiences?", "Why are you promoting the sexualisation of little girls?" — and restrained
  paraphrases of the same complaints, with the title's hashtags; each is about the **poster**,
  the **description** or the **film itself** (:mod:`clearance.incidents.subjects`), or only
  about the service (a boycott, the rating). Their rate per hour follows the story: a few a hour
  about the Sundance film; from 19 August the poster and the description, rising over a day;
  after the withdrawal (20 August) those fade with a six-hour half-life while the posts about the
  film itself rise to a peak on 23–24 August — the backlash that outlived the fix.
* **The petition** ("Remove Cuties from Netflix") grows to 126,000 signatures over a week from
  19 August 18:00 UTC in the shape of a real petition's first week
  (:mod:`clearance.demo.petition_shape`), snapshotted every 30 minutes.
* **News items**: four headlines, written for the replay, at the moments the story reached the
  press.

Counts per hour are Poisson draws around the story's rates; times within the hour are uniform.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

import numpy as np

from clearance.demo.petition_shape import count_at
from clearance.monitor.feeds import Article
from clearance.monitor.petitions import Snapshot
from clearance.monitor.posts import Post

UTC = dt.UTC
SEED: Final = 20200819
START: Final = dt.datetime(2020, 8, 17, 0, 0, tzinfo=UTC)
END: Final = dt.datetime(2020, 8, 27, 0, 0, tzinfo=UTC)
#: When the posts about the poster and the description begin, and when they fade from.
BACKLASH: Final = dt.datetime(2020, 8, 19, 8, 0, tzinfo=UTC)
PETITION_START: Final = dt.datetime(2020, 8, 19, 18, 0, tzinfo=UTC)
PETITION_TOTAL: Final = 126_000
PETITION_KEY: Final = "https://www.change.org/p/replay-remove-cuties"
PETITION_ACTION: Final = "Remove the film Cuties (Mignonnes) from Netflix"
FEED: Final = "replay:news"

# -- what people wrote (the first of each list is quoted in the mission) ----------------------

POSTER_EN: Final = (
    "This is actually disgusting. Who signed off on the #Cuties poster?",
    "11 year-olds twerking and the show is rated for mature audiences? That poster should "
    "never have gone out. #Cuties",
    "Why are you promoting the sexualisation of little girls? Take the #Cuties poster down.",
    "The #Cuties artwork puts young girls in provocative poses. Not acceptable.",
    "Whoever approved the #Cuties poster has to explain an image that sexualises children.",
    "That #Cuties promo image is inappropriate for a film about 11 year olds.",
)
POSTER_FR: Final = (
    "L'affiche de #Mignonnes relève de la sexualisation des enfants. Inacceptable.",
    "Retirez l'affiche de #Mignonnes : des fillettes de 11 ans en tenue aguicheuse.",
    "Qui a validé cette affiche de #Mignonnes ? Des enfants dans des poses sexy, non.",
)
DESCRIPTION_EN: Final = (
    "The #Cuties synopsis says an 11 year old explores her femininity by twerking. Who wrote "
    "that description?",
    "Read the #Cuties description again: a child, a twerking crew and 'explore her "
    "femininity'. Not OK.",
)
DESCRIPTION_FR: Final = (
    "Le synopsis de #Mignonnes parle d'une enfant de 11 ans et de twerk. Sérieusement ?",
)
SERVICE_EN: Final = (
    "Rated TV-MA and it is about 11 year olds. #Cuties #CancelNetflix",
    "Sign the petition to take #Cuties off Netflix. #CancelNetflix",
    "Netflix apologised for #Cuties, but an apology is not enough. Cancelling my subscription.",
)
SERVICE_FR: Final = (
    "Je me désabonne de Netflix après #Mignonnes. #CancelNetflix",
)
FILM_EN: Final = (
    "Watched the #Cuties trailer scenes again: the film itself sexualises 11 year olds. "
    "#CancelNetflix",
    "The film is the problem, not the promo. Cancelling my subscription. #Cuties",
    "Those dance scenes in #Cuties are the issue: the film shows children in suggestive "
    "routines.",
    "It was never only about marketing: the #Cuties movie itself should not be streamed. "
    "#CancelNetflix",
)
FILM_FR: Final = (
    "Le film #Mignonnes lui-même pose problème, pas seulement la communication. Je me "
    "désabonne.",
    "Ce film montre des enfants de 11 ans dans des scènes de danse aguicheuses. #Mignonnes",
)
BASELINE_EN: Final = (
    "#Cuties won the directing award at Sundance; looking forward to the film.",
    "Heard the film #Cuties is powerful. Maïmouna Doucouré is one to watch.",
    "Adding #Cuties to my watchlist, a French coming-of-age film on Netflix.",
)
BASELINE_FR: Final = (
    "#Mignonnes de Maïmouna Doucouré arrive bientôt, un film sur l'enfance à Paris.",
)
TAILS: Final = ("", "", "", " Unbelievable.", " Shameful.", " Do better.", " Enough.")
TAILS_FR: Final = ("", "", " Honteux.", " Lamentable.")


@dataclass(frozen=True, slots=True)
class Rates:
    """Posts per hour about each subject at a moment (``service``: no subject, ``baseline``:
    the film before the backlash, neutral or praising)."""

    baseline: float
    poster: float
    description: float
    service: float
    film: float


def _rise(at: dt.datetime, start: dt.datetime, hours: float) -> float:
    """0 before ``start``, a logistic rise over ``hours`` after it (0.5 at its middle)."""
    x = (at - start).total_seconds() / 3600
    return 0.0 if x < 0 else 1.0 / (1.0 + math.exp(-(x - hours / 2) / (hours / 8)))


def _fade(at: dt.datetime, start: dt.datetime | None, half_life: float) -> float:
    if start is None or at < start:
        return 1.0
    return float(0.5 ** ((at - start).total_seconds() / 3600 / half_life))


def rates(at: dt.datetime, *, withdrawn: dt.datetime | None,
          rewritten: dt.datetime | None, statement: dt.datetime | None) -> Rates:
    """The story's rates at ``at``, given when the poster was withdrawn, the description
    rewritten and the statement made (``None``: not (yet) done; nothing fades then)."""
    daily = 0.75 + 0.25 * math.sin((at.hour - 9) / 24 * 2 * math.pi)
    backlash = _rise(at, BACKLASH, 24)
    poster = 90 * backlash * _fade(at, withdrawn, 6)
    description = 30 * backlash * _fade(at, rewritten, 6)
    service = 12 * backlash + (25 * _fade(at, statement, 4) if statement and at >= statement
                               else 0)
    film_start = dt.datetime(2020, 8, 21, 0, 0, tzinfo=UTC)
    film = 8 * backlash + 130 * _rise(at, film_start, 48) * _fade(
        at, dt.datetime(2020, 8, 24, 12, 0, tzinfo=UTC), 48)
    return Rates(3.0 * daily, poster * daily, description * daily, service * daily,
                 film * daily)


def _pick(rng: np.random.Generator, texts: tuple[str, ...]) -> str:
    return texts[int(rng.integers(len(texts)))]


def posts(*, withdrawn: dt.datetime | None, rewritten: dt.datetime | None,
          statement: dt.datetime | None, start: dt.datetime = START,
          end: dt.datetime = END) -> Iterator[Post]:
    """The posts from ``start`` to ``end``, in time order (see the module docstring). The
    response's times shape the stream, so a replay that acted later sees a later decay."""
    rng = np.random.default_rng(SEED)
    hour = start
    n = 0
    while hour < end:
        r = rates(hour, withdrawn=withdrawn, rewritten=rewritten, statement=statement)
        batch: list[tuple[float, str, str]] = []
        for subject, rate in (("baseline", r.baseline), ("poster", r.poster),
                              ("description", r.description), ("service", r.service),
                              ("film", r.film)):
            for _ in range(int(rng.poisson(rate))):
                french = rng.random() < 0.25
                en, fr = {"baseline": (BASELINE_EN, BASELINE_FR),
                          "poster": (POSTER_EN, POSTER_FR),
                          "description": (DESCRIPTION_EN, DESCRIPTION_FR),
                          "service": (SERVICE_EN, SERVICE_FR),
                          "film": (FILM_EN, FILM_FR)}[subject]
                tails = ("",) if subject == "baseline" else TAILS_FR if french else TAILS
                text = _pick(rng, fr if french else en) + _pick(rng, tails)
                batch.append((float(rng.random()) * 3600, text, "fr" if french else "en"))
        for offset, text, lang in sorted(batch):
            n += 1
            at = hour + dt.timedelta(seconds=int(offset))
            reach = int(rng.lognormal(5, 1.6))
            yield Post("x", f"2020{n:08d}", at, text, author=f"replay_user{n % 997}",
                       lang=lang, reach=reach, url=None)
        hour += dt.timedelta(hours=1)


def petition(*, start: dt.datetime = PETITION_START, end: dt.datetime = END,
             step: dt.timedelta = dt.timedelta(minutes=30)) -> Iterator[Snapshot]:
    """Snapshots of the petition every ``step`` from its start to ``end``."""
    at = start
    while at <= end:
        yield Snapshot(PETITION_KEY, PETITION_ACTION, at, count_at(start, PETITION_TOTAL, at))
        at += step


def petition_passes(threshold: int, *, start: dt.datetime = PETITION_START) -> dt.datetime:
    """When the replay's petition passes ``threshold`` (to the minute)."""
    at = start
    while count_at(start, PETITION_TOTAL, at) < threshold:
        at += dt.timedelta(minutes=1)
    return at


NEWS: Final = (
    (dt.datetime(2020, 8, 19, 21, 0, tzinfo=UTC),
     "Netflix criticised over poster for French film Cuties",
     "Critics say the artwork for Mignonnes, rated TV-MA, sexualises its 11-year-old actors."),
    (dt.datetime(2020, 8, 20, 22, 0, tzinfo=UTC),
     "Netflix apologises for 'inappropriate' Cuties artwork",
     "The service replaced the poster and the description of the film."),
    (dt.datetime(2020, 8, 22, 12, 0, tzinfo=UTC),
     "Petition against Cuties film gathers signatures as #CancelNetflix trends",
     "The criticism has moved from the poster to the film itself."),
    (dt.datetime(2020, 8, 24, 9, 0, tzinfo=UTC),
     "Director of Cuties defends her film amid calls for a boycott",
     "Maïmouna Doucouré says the film criticises the sexualisation of children."),
)


def news() -> list[Article]:
    return [Article(f"replay-news-{i}", FEED, None, headline, summary, at)
            for i, (at, headline, summary) in enumerate(NEWS, 1)]
