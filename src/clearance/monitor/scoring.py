"""Scoring posts: language, sentiment, offensive, themes — one batch at a time.

:class:`Scorer` holds the models (the text model, the theme lexicon, CLD3), loaded once when it is
made; a worker makes one and feeds it batches (:meth:`Scorer.score`). Everything is vectorised
over the batch except tokenising and language id, so batches of a few hundred posts are where it
is fastest (``bench/bench_monitor.py``).

A post's ``sentiment`` is the **reaction to the title**: the text model's label, except that a post
with a critical theme (child sexualisation, age rating, cultural/racial, boycott) is ``negative``
whatever the model read — the model was trained on general tweets, where "Why is Netflix
promoting the sexualisation of little girls? Cuties must go" reads as positive (0.21 negative),
and the share negative is the signal a backlash shows in first. ``negative`` keeps the model's
probability.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from clearance.monitor.language import LanguageId
from clearance.monitor.textmodel import TextModel
from clearance.monitor.themes import CRITICAL_THEMES, ThemeLexicon, default_lexicon, themes_of


@dataclass(frozen=True, slots=True)
class PostScore:
    """What the monitor says about one post's text."""

    lang: str
    sentiment: str
    negative: float
    positive: float
    is_offensive: bool
    themes: tuple[str, ...]


class Scorer:
    """The monitor's models, loaded once (see the module docstring)."""

    def __init__(self, model: TextModel | None = None, lexicon: ThemeLexicon | None = None,
                 language: LanguageId | None = None) -> None:
        self.model = model or TextModel.load()
        self.lexicon = lexicon or default_lexicon()
        self.language = language or LanguageId()
        self.offensive_threshold = self.model.thresholds.get("offensive", 0.5)
        self.cultural_threshold = self.model.thresholds.get("cultural_racial", 0.5)

    @property
    def version(self) -> str:
        """The theme model's version: the lexicon's and the text model's."""
        return f"{self.lexicon.version}+{self.model.version}"

    def score(self, texts: Sequence[str], declared_langs: Sequence[str | None] | None = None
              ) -> list[PostScore]:
        if not texts:
            return []
        langs = declared_langs or [None] * len(texts)
        scores = self.model.score(texts)
        cultural = scores.themes.get("cultural_racial")
        out = []
        for i, text in enumerate(texts):
            sentiment = scores.sentiment[i]
            positive = float(scores.positive[i])
            themes = themes_of(self.lexicon.match(text), sentiment=sentiment, positive=positive,
                               cultural_racial=float(cultural[i]) if cultural is not None
                               else 0.0, cultural_threshold=self.cultural_threshold)
            if CRITICAL_THEMES.intersection(themes):
                sentiment = "negative"  # a post that objects to the title is a negative reaction
            out.append(PostScore(self.language.identify(text, langs[i]), sentiment,
                                 float(scores.negative[i]), positive,
                                 bool(scores.offensive[i] >= self.offensive_threshold), themes))
        return out
