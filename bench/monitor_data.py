"""Readers of the shared data sets the monitor is trained and measured on (``../shared/data``).

Not a package module: ``bench/train_monitor.py``, ``bench/eval_monitor.py`` and
``bench/bench_monitor.py`` import it from their folder. Nothing here is copied into the repository.

Splits that matter:

* **TweetEval**: train on ``train`` (and, for sentiment, whose ``train`` split is missing from the
  snapshot, on ``val``); every figure is on ``test``, never read by training.
* **airline-tweets**: split by a hash of the text (SHA-256, first byte < 64: about 25 % held out),
  so a tweet's duplicates fall on the same side; training reads only the other 75 %.
"""

from __future__ import annotations

import csv
import hashlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO / "src") not in sys.path:  # pragma: no cover - when run without an install
    sys.path.insert(0, str(REPO / "src"))


def shared_data() -> Path:
    env = os.environ.get("CLEARANCE_SHARED_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


def tweeteval(task: str, split: str) -> tuple[list[str], list[int]]:
    folder = shared_data() / "tweeteval" / task
    texts = (folder / f"{split}_text.txt").read_text(encoding="utf-8").split("\n")
    labels = (folder / f"{split}_labels.txt").read_text(encoding="utf-8").split()
    texts = texts[: len(labels)]
    return texts, [int(x) for x in labels]


@dataclass(frozen=True, slots=True)
class AirlineTweet:
    text: str
    airline: str
    sentiment: str
    reason: str
    handle: str
    created: str
    retweets: int

    @property
    def is_held_out(self) -> bool:
        return hashlib.sha256(self.text.encode()).digest()[0] < 64


def airline_tweets() -> list[AirlineTweet]:
    path = shared_data() / "airline-tweets" / "tweets.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        return [AirlineTweet(r["text"], r["airline"], r["airline_sentiment"],
                             r["negativereason"], r["name"], r["tweet_created"],
                             int(r["retweet_count"] or 0))
                for r in csv.DictReader(fh)]


@dataclass(frozen=True, slots=True)
class BrandTweet:
    text: str
    target: str
    emotion: str


def brand_tweets() -> list[BrandTweet]:
    path = shared_data() / "brand-emotion-tweets-sxsw" / "judge_brand_emotion_tweets.csv"
    with path.open(encoding="latin-1", newline="") as fh:
        return [BrandTweet(r["tweet_text"] or "", r["emotion_in_tweet_is_directed_at"],
                           r["is_there_an_emotion_directed_at_a_brand_or_product"])
                for r in csv.DictReader(fh)]


def macro_recall(gold: list[int], pred: list[int], classes: int) -> float:
    out = []
    for c in range(classes):
        n = sum(1 for g in gold if g == c)
        hit = sum(1 for g, p in zip(gold, pred, strict=True) if g == c and p == c)
        out.append(hit / n if n else 0.0)
    return sum(out) / classes


def macro_f1(gold: list[int], pred: list[int], classes: int) -> float:
    out = []
    for c in range(classes):
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == c and p == c)
        fp = sum(1 for g, p in zip(gold, pred, strict=True) if g != c and p == c)
        fn = sum(1 for g, p in zip(gold, pred, strict=True) if g == c and p != c)
        out.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(out) / classes
