"""Measure the monitor's linking, classifiers and petition forecast on the shared data.

    .venv/bin/python bench/eval_monitor.py [--out bench/results/monitor_eval.json]

Every figure is on data the shipped models were not trained on (``bench/train_monitor.py``):

* **Linking** — ``brand-emotion-tweets-sxsw``: the rows that name a product (3,291 of 9,093; the
  others name none, so they cannot count as negatives); brands stand in for titles: *Apple*
  (names Apple, iPad, iPhone, iTunes, "Apple Store"; handles @apple) and *Google* (Google,
  Android, "Google Maps", Marissa Mayer as "cast"; @google). Gold is the brand the row names.
  ``airline-tweets``: six airlines as titles, linked by handle and name (gold: the ``airline``
  column; the data set's "Delta" rows are tweets to @JetBlue — its known labelling quirk — so
  that title is named JetBlue). Precision is over the links made, recall over the labelled rows;
  a tweet that also names another brand counts that extra link as a false positive.
* **Sentiment** — TweetEval sentiment ``test`` (12,284 tweets): macro-averaged recall (the
  benchmark's measure), the text model against VADER (compound ±0.05) in the same run.
* **Offensive** — TweetEval offensive ``test`` (860): macro-F1, against alt-profanity-check.
* **cultural_racial head** — TweetEval hate ``test``: macro-F1.
* **Airline negativity** — the held-out 25 % of the airline tweets (never trained on): the text
  model's negative against ``airline_sentiment == negative``, precision, recall, F1, and VADER's.
* **Airline reasons as themes** — a classifier of the same kind (hashed n-grams, lexicon tokens)
  trained on the training 75 %'s negative tweets with a reason, scored on the held-out ones
  (macro-F1 over the reasons; "Can't Tell" left out).
* **Petition forecast** — ``uk-petition-timeseries``: from every hour with a day of history, the
  count 24 hours ahead; mean absolute error of the monitor's forecast and of the straight line
  through the last 24 hours (the baseline), in the same run, and their ratio.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import json
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

from clearance.monitor.linking import CatalogNames, Linker
from clearance.monitor.petitions import forecast, linear_forecast
from clearance.monitor.posts import parse_time
from clearance.monitor.textmodel import DIMENSIONS, TextModel, featurize
from monitor_data import (
    REPO,
    airline_tweets,
    brand_tweets,
    macro_f1,
    macro_recall,
    shared_data,
    tweeteval,
)

APPLE = ("iPad", "Apple", "iPad or iPhone App", "iPhone", "Other Apple product or service")
GOOGLE = ("Google", "Other Google product or service", "Android App", "Android")
BRANDS = [CatalogNames("apple", ("Apple", "iPad", "iPhone", "iTunes", "Apple Store", "iPad 2",
                                 "Apple Inc"), ("#apple", "#ipad", "#iphone", "#ipad2"),
                       ("@apple",), ("Steve Jobs",)),
          CatalogNames("google", ("Google", "Android", "Google Maps", "Gmail", "Google Circles"),
                       ("#google", "#android"), ("@google",), ("Marissa Mayer",))]
AIRLINES = {"United": CatalogNames("United", ("United Airlines", "United"), (), ("@united",)),
            "US Airways": CatalogNames("US Airways", ("US Airways",), (), ("@USAirways",)),
            "American": CatalogNames("American", ("American Airlines", "American Air"), (),
                                     ("@AmericanAir",)),
            "Southwest": CatalogNames("Southwest", ("Southwest Airlines", "Southwest"), (),
                                      ("@SouthwestAir",)),
            "Delta": CatalogNames("Delta", ("JetBlue",), (), ("@JetBlue",)),
            "Virgin America": CatalogNames("Virgin America", ("Virgin America",), (),
                                           ("@VirginAmerica",))}


def pr(gold: list[str], links: list[set[str]]) -> dict[str, float]:
    made = sum(len(x) for x in links)
    right = sum(1 for g, x in zip(gold, links, strict=True) if g in x)
    p = right / made if made else 0.0
    r = right / len(gold) if gold else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4),
            "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0, "rows": len(gold),
            "links": made}


def linking() -> dict[str, object]:
    rows = [b for b in brand_tweets() if b.target in APPLE + GOOGLE]
    gold = ["apple" if b.target in APPLE else "google" for b in rows]
    out: dict[str, object] = {}
    linker = Linker(BRANDS)
    started = time.perf_counter()
    found = [{lnk.title_id for lnk in linker.link(b.text)} for b in rows]
    out["sxsw"] = {**pr(gold, found),
                   "posts_per_s": round(len(rows) / (time.perf_counter() - started))}
    air = airline_tweets()
    airline_linker = Linker(AIRLINES.values())
    found = [{lnk.title_id for lnk in airline_linker.link(a.text)} for a in air]
    out["airline"] = pr([a.airline for a in air], found)
    per = {}
    for name in AIRLINES:
        idx = [i for i, a in enumerate(air) if a.airline == name]
        per[name] = pr([name] * len(idx), [found[i] for i in idx])
    out["airline_per_title"] = per
    return out


def matrix(texts: list[str]) -> sp.csr_matrix:
    idx, values, indptr = featurize(texts)
    return sp.csr_matrix((values, idx, indptr), shape=(len(texts), DIMENSIONS))


def classifiers(model: TextModel) -> dict[str, object]:
    from profanity_check import predict as profanity
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    vader = SentimentIntensityAnalyzer()
    out: dict[str, object] = {}
    texts, gold = tweeteval("sentiment", "test")
    started = time.perf_counter()
    scores = model.score(texts)
    ours_rate = len(texts) / (time.perf_counter() - started)
    index = {"negative": 0, "neutral": 1, "positive": 2}
    ours = [index[s] for s in scores.sentiment]
    started = time.perf_counter()
    compound = [vader.polarity_scores(t)["compound"] for t in texts]
    vader_rate = len(texts) / (time.perf_counter() - started)
    theirs = [0 if c <= -0.05 else 2 if c >= 0.05 else 1 for c in compound]
    out["tweeteval_sentiment"] = {
        "macro_recall": round(macro_recall(gold, ours, 3), 4),
        "vader_macro_recall": round(macro_recall(gold, theirs, 3), 4),
        "texts_per_s": round(ours_rate), "vader_texts_per_s": round(vader_rate),
        "published": {"svm": 0.629, "roberta_retrained": 0.726}}
    texts, gold = tweeteval("offensive", "test")
    prob = model.score(texts).offensive
    ours = [int(p >= model.thresholds["offensive"]) for p in prob]
    out["tweeteval_offensive"] = {
        "macro_f1": round(macro_f1(gold, ours, 2), 4),
        "alt_profanity_check_macro_f1": round(macro_f1(gold, [int(x) for x in
                                                                profanity(texts)], 2), 4)}
    texts, gold = tweeteval("hate", "test")
    prob = model.score(texts).themes["cultural_racial"]
    out["tweeteval_hate_as_cultural_racial"] = {"macro_f1": round(macro_f1(
        gold, [int(p >= model.thresholds["cultural_racial"]) for p in prob], 2), 4)}
    held = [a for a in airline_tweets() if a.is_held_out]
    gold_neg = [int(a.sentiment == "negative") for a in held]
    ours = [int(s == "negative") for s in model.score([a.text for a in held]).sentiment]
    theirs = [int(vader.polarity_scores(a.text)["compound"] <= -0.05) for a in held]
    out["airline_negativity"] = {"held_out": len(held), **_binary(gold_neg, ours),
                                 "vader": _binary(gold_neg, theirs)}
    out["airline_reasons"] = reasons()
    return out


def _binary(gold: list[int], pred: list[int]) -> dict[str, float]:
    tp = sum(1 for g, p in zip(gold, pred, strict=True) if g and p)
    fp = sum(1 for g, p in zip(gold, pred, strict=True) if not g and p)
    fn = sum(1 for g, p in zip(gold, pred, strict=True) if g and not p)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4),
            "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0}


def reasons() -> dict[str, object]:
    rows = [a for a in airline_tweets() if a.reason and a.reason != "Can't Tell"]
    names = sorted({a.reason for a in rows})
    train = [a for a in rows if not a.is_held_out]
    test = [a for a in rows if a.is_held_out]
    clf = LogisticRegression(C=1.0, max_iter=4000, class_weight="balanced")
    clf.fit(matrix([a.text for a in train]), [names.index(a.reason) for a in train])
    pred = list(clf.predict(matrix([a.text for a in test])))
    gold = [names.index(a.reason) for a in test]
    majority = Counter(a.reason for a in train).most_common(1)[0][0]
    return {"reasons": names, "train": len(train), "held_out": len(test),
            "macro_f1": round(macro_f1(gold, pred, len(names)), 4),
            "accuracy": round(sum(g == p for g, p in zip(gold, pred, strict=True)) / len(gold),
                              4),
            "majority_accuracy": round(sum(a.reason == majority for a in test) / len(test), 4)}


def _load_counts(path: Path) -> tuple[list[float], list[float]]:
    with path.open(encoding="utf-8", newline="") as fh:
        pts = sorted((parse_time(r["timestamp"]).timestamp(), float(r["count"]))
                     for r in csv.DictReader(fh) if (r.get("count") or "").strip())
    return [t for t, _ in pts], [c for _, c in pts]


def _forecast_errors(times: list[float], counts: list[float], step: float
                     ) -> tuple[list[float], list[float], list[float]]:
    ours, linear, truths = [], [], []
    t = times[0] + 86400
    while t + 86400 <= times[-1]:
        i = bisect.bisect_right(times, t)
        tt, cc = times[:i], counts[:i]
        target = tt[-1] + 86400
        j = bisect.bisect_left(times, target)
        if 0 < j < len(times) and times[j] - target <= 3 * 3600:
            w = (target - times[j - 1]) / (times[j] - times[j - 1])
            truth = counts[j - 1] + w * (counts[j] - counts[j - 1])
            ours.append(abs(forecast(tt, cc, horizon_hours=24).at_hours(24) - truth))
            linear.append(abs(linear_forecast(tt, cc, 24) - truth))
            truths.append(truth - cc[-1])
        t += step
    return ours, linear, truths


def petitions() -> dict[str, object]:
    folder = shared_data() / "uk-petition-timeseries"
    out: dict[str, object] = {}
    dense = folder / "viewyonder_petition_700143_counts.csv"
    ours, linear, truths = _forecast_errors(*_load_counts(dense), 3600.0)
    out["petition_700143"] = {
        "origins": len(ours), "mae_forecast": round(float(np.mean(ours))),
        "mae_linear_24h": round(float(np.mean(linear))),
        "ratio": round(float(np.mean(ours)) / float(np.mean(linear)), 3),
        "mean_true_24h_increase": round(float(np.mean(truths)))}
    all_ours, all_linear = [], []
    per = {}
    for path in sorted((folder / "augeas").glob("*.csv")):
        o, lin, _ = _forecast_errors(*_load_counts(path), 6 * 3600.0)
        if o:
            per[path.stem] = {"origins": len(o), "mae_forecast": round(float(np.mean(o))),
                              "mae_linear_24h": round(float(np.mean(lin)))}
            all_ours += o
            all_linear += lin
    out["augeas"] = {"series": len(per), "origins": len(all_ours),
                     "mae_forecast": round(float(np.mean(all_ours))),
                     "mae_linear_24h": round(float(np.mean(all_linear))),
                     "ratio": round(float(np.mean(all_ours)) / float(np.mean(all_linear)), 3),
                     "per_series": per}
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" /
                        "monitor_eval.json")
    args = parser.parse_args()
    model = TextModel.load()
    results = {"model": model.version, "linking": linking(), "classifiers": classifiers(model),
               "forecast": petitions()}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
