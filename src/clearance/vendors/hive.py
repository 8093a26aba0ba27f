"""Hive visual moderation responses as findings.

Accepted shapes: the V2 task response (``{"status": [{"status": {...}, "response": {"input":
{...}, "output": [{"time": 0, "classes": [{"class": ..., "score": ...}]}]}}]}``; ``status`` may
also be a single object) and the V3 response (``{"output": [{"classes": [{"class_name": ...,
"value": ...}]}]}``). Hive scores every class of every model head on every request, so a class
scoring under :data:`MIN_SCORE` is not a finding. When ``output`` holds several frames (an
animation or a video), each class keeps its highest score.

Hive classifies the whole image: no boxes. Sexual-content classes become ``suggestive.image``
(with a ``category``) or ``exposure.<region>.<state>``; ``yes_child_present`` becomes
``minor.apparent`` (fact evidence, no age estimate). Every other class (weapons, drugs, text, …)
and every ``no_*`` class is skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from clearance.findings import Attr, Emits, Finding, Label, Schema
from clearance.vendors._common import (
    UNKNOWN_VERSION,
    Attributes,
    Json,
    LabelMap,
    Reader,
    finding,
    mapped_emits,
    mapped_findings,
    vendor_fact,
)

DETECTOR: Final = "hive"
VENDOR: Final = "Hive"

#: Class scores under this are Hive saying "no": not findings.
MIN_SCORE: Final = 0.05

#: The class that says a child is in the picture (Hive's definition of "child").
CHILD_CLASS: Final = "yes_child_present"

_E = LabelMap(category="explicit")
_SW = LabelMap(category="swimwear_underwear")

#: Hive class -> our mapping.
CLASSES: Final[dict[str, LabelMap]] = {
    "general_nsfw": _E,
    "general_suggestive": LabelMap(category="suggestive"),
    "yes_sexual_activity": _E,
    "yes_realistic_nsfw": _E,
    "yes_female_nudity": _E,
    "yes_male_nudity": _E,
    "yes_sex_toy": _E,
    "yes_sexual_intent": LabelMap(category="suggestive"),
    "yes_undressed": LabelMap(category="non_explicit_nudity"),
    "yes_breast": LabelMap(region="breast_female", state="exposed"),
    "yes_genitals": LabelMap(region="genitalia", state="exposed"),
    "yes_butt": LabelMap(region="buttocks", state="exposed"),
    "yes_male_shirtless": LabelMap(region="breast_male", state="exposed"),
    "yes_cleavage": LabelMap(region="breast_female", state="covered", partial=True),
    "yes_bulge": LabelMap(region="genitalia_male", state="covered"),
    "yes_female_swimwear": _SW,
    "yes_female_underwear": _SW,
    "yes_male_underwear": _SW,
    "yes_bra": _SW,
    "yes_panties": _SW,
    "yes_negligee": _SW,
    "yes_miniskirt": LabelMap(category="revealing_clothes"),
    "yes_bodysuit": LabelMap(category="revealing_clothes"),
}


_COMMON: Final[Schema] = {
    "vendor_label": Attr(str, doc="the Hive class"),
    "vendor_score": Attr(float),
    "frames": Attr(int, doc="frames in the response, when more than one"),
}
#: What Hive findings carry, per label.
EMITS: Final[Emits] = {
    **mapped_emits(CLASSES.values(), _COMMON),
    Label.MINOR_APPARENT: {**_COMMON, "estimate": Attr(float, nullable=True,
                                                       doc="always null: Hive gives no age")},
}


def _outputs(r: Reader, response: Mapping[str, Json]) -> tuple[list[Json], str, str]:
    """The ``output`` list, its JSON path, and the model version when the response gives it."""
    if "output" in response:
        version = response.get("model_version")
        return (r.array(response["output"], "output"), "output",
                UNKNOWN_VERSION if version is None else str(version))
    status = response.get("status")
    if isinstance(status, list):
        if len(status) != 1:
            raise r.problem(f"status holds {len(status)} task results; save the response for "
                            "one image")
        entry, path = r.obj(status[0], "status[0]"), "status[0]"
    else:
        entry, path = r.obj(status, "status"), "status"
    code = entry.get("status")
    if isinstance(code, Mapping):
        message = code.get("message")
        if isinstance(message, str) and message.upper() != "SUCCESS":
            raise r.problem(f"the task did not succeed at Hive ({message}); there is nothing "
                            "to import")
    body = r.obj(entry.get("response"), f"{path}.response")
    version = UNKNOWN_VERSION
    model_input = body.get("input")
    if isinstance(model_input, Mapping) and model_input.get("model_version") is not None:
        version = str(model_input["model_version"])
    return r.array(body.get("output"), f"{path}.response.output"), f"{path}.response.output", \
        version


def _class_scores(r: Reader, outputs: list[Json], path: str) -> dict[str, float]:
    best: dict[str, float] = {}
    for i, frame in enumerate(outputs):
        f = r.obj(frame, f"{path}[{i}]")
        for j, entry in enumerate(r.array(f.get("classes"), f"{path}[{i}].classes")):
            cpath = f"{path}[{i}].classes[{j}]"
            c = r.obj(entry, cpath)
            name_key = "class" if "class" in c else "class_name"
            score_key = "score" if "score" in c else "value"
            name = r.text(c.get(name_key), f"{cpath}.{name_key}")
            score = r.number(c.get(score_key), f"{cpath}.{score_key}", low=0, high=1)
            best[name] = max(score, best.get(name, 0.0))
    return best


def hive_findings(r: Reader, response: Mapping[str, Json]) -> list[Finding]:
    """Findings from one Hive visual moderation response object."""
    outputs, path, version = _outputs(r, response)
    if not outputs:
        raise r.problem(f"{path} is empty: no classification to import")
    frames = len(outputs)
    out: list[Finding] = []
    for name, score in _class_scores(r, outputs, path).items():
        if score < MIN_SCORE:
            continue
        attributes: Attributes = (("vendor_label", name), ("vendor_score", score))
        if frames > 1:
            attributes += (("frames", frames),)
        if name == CHILD_CLASS:
            out.append(finding(Label.MINOR_APPARENT, score, vendor_fact(name), DETECTOR,
                               version, (*attributes, ("estimate", None))))
            continue
        m = CLASSES.get(name)
        if m is not None:
            out.extend(mapped_findings(m, score, name, DETECTOR, version, attributes))
    return out
