"""Policy words checked against what detectors declare: labels, ``where`` attributes, their
values' types and closed sets, and ranges (``clearance.policy.checks``)."""

from __future__ import annotations

import pytest

from clearance.detectors.vocabulary import Vocabulary, builtin_vocabulary, merge_attr
from clearance.errors import PolicyError, RegistryError
from clearance.findings import Attr, Label
from clearance.policy.loader import load_policy, parse_policy_text


def _policy(condition: str) -> str:
    lines = condition.strip("\n").splitlines()
    body = "\n".join("      " + line for line in lines)
    return ("policy: p\nversion: 1\nrules:\n  - name: r\n    description: d\n"
            f"    outcome: review\n    when:\n{body}\n")


def _problems(condition: str, vocabulary: Vocabulary | None = None) -> list[str]:
    try:
        parse_policy_text(_policy(condition), "p.yaml", vocabulary)
    except PolicyError as exc:
        return [p.rendered() for p in exc.problems]
    return []


@pytest.mark.parametrize(
    ("condition", "problem"),
    [
        ("finding: minor.mentioned\nwhere: {agee: {max: 15}}",
         "p.yaml:9: unknown attribute 'agee' for minor.mentioned (did you mean 'age'?)"),
        ("finding: minor.mentioned\nwhere: {age: ['11']}",
         "p.yaml:9: 'age' of minor.mentioned is a number, got the string '11' "
         "(write 11 without quotes)"),
        ("finding: minor.mentioned\nwhere: {age: [eleven]}",
         "p.yaml:9: 'age' of minor.mentioned is a number, got the string 'eleven'"),
        ("finding: minor.mentioned\nwhere: {age: [true]}",
         "p.yaml:9: 'age' of minor.mentioned is a number, got true"),
        ("finding: minor.mentioned\nwhere: {age: [11.5]}",
         "p.yaml:9: 'age' of minor.mentioned is a whole number, got 11.5"),
        ("finding: minor.mentioned\nwhere: {age: {max: '15'}}",
         "p.yaml:9: 'age' of minor.mentioned is a number, got the string '15' as its max "
         "(write 15 without quotes)"),
        ("finding: minor.mentioned\nwhere: {group: {min: 1}}",
         "p.yaml:9: 'group' of minor.mentioned is a string: a {min, max} range needs a number "
         "(list the values instead: [child, minor])"),
        ("finding: minor.mentioned\nwhere: {group: [chlid]}",
         "p.yaml:9: unknown value 'chlid' for 'group' of minor.mentioned "
         "(did you mean 'child'?)"),
        ("finding: minor.mentioned\nwhere: {group: [toddler]}",
         "p.yaml:9: unknown value 'toddler' for 'group' of minor.mentioned "
         "(one of child, minor, teen)"),
        ("finding: rating.mature\nwhere: {rating: [18]}",
         "p.yaml:9: 'rating' of rating.mature is a string, got the number 18 "
         "(write '18' in quotes)"),
        ("finding: suggestive.text\nwhere: {framing: ['true']}",
         "p.yaml:9: 'framing' of suggestive.text is true or false, got the string 'true' "
         "(write true without quotes)"),
        ("finding: suggestive.text\nwhere: {framing: [1]}",
         "p.yaml:9: 'framing' of suggestive.text is true or false, got the number 1"),
        ("finding: match.withdrawn\nwhere: {distanse: {max: 3}}",
         "p.yaml:9: unknown attribute 'distanse' for match.withdrawn "
         "(did you mean 'distance'?)"),
        ("finding: match.withdrawn\nwhere: {transform: [mirrored]}",
         "p.yaml:9: unknown value 'mirrored' for 'transform' of match.withdrawn "
         "(did you mean 'mirror'?)"),
        ("finding: face\nwhere: {colour: [red]}",
         "p.yaml:9: unknown attribute 'colour' for face (face has age_high, age_low, model, "
         "vendor_box, vendor_label, vendor_score)"),
        ("finding: exposure.*\nwhere: {region: [bely]}",
         "p.yaml:9: unknown value 'bely' for 'region' of exposure.* (did you mean 'belly'?)"),
        ("finding: exposure.bely.exposed",
         "p.yaml:8: rules[0].when.finding: unknown finding label 'exposure.bely.exposed' "
         "(did you mean 'exposure.belly.exposed'?)"),
        ("finding: expo.*",
         "p.yaml:8: rules[0].when.finding: finding label pattern 'expo.*' matches no label "
         "(see docs/labels.md)"),
    ],
)
def test_where_mistakes(condition: str, problem: str) -> None:
    assert _problems(condition) == [problem]


@pytest.mark.parametrize(
    "condition",
    [
        "finding: minor.mentioned\nwhere: {age: {min: 1, max: 12}, group: [child, teen]}",
        "finding: minor.mentioned\nwhere: {age: [11, 12]}",
        "finding: minor.apparent\nwhere: {estimate: {max: 15.5}, face_box: [whole_image]}",
        # a vendor-only region and an attribute only one emitter of a family declares
        "finding: exposure.*\nwhere: {region: [back, genitalia], partial: [true]}",
        "finding: suggestive.image\nwhere: {category: [revealing_clothes], nsfw_score: {min: 0.5}}",
        # an open string attribute takes any words; OCR's own attributes on copy labels
        "finding: suggestive.text\nwhere: {term: [twerk*], via: [ocr], line: {max: 2}}",
        "finding: minor.*\nwhere: {age: {max: 12}}",
        "finding: match.withdrawn",
        "finding: match.withdrawn\nwhere: {distance: {max: 20}, bank: [rejected], "
        "suppressed: [false]}",
    ],
)
def test_good_conditions_pass(condition: str) -> None:
    assert _problems(condition) == []


def test_conditions_deep_in_the_tree_are_checked_even_when_pydantic_refuses_the_rule() -> None:
    text = _policy("all:\n  - any:\n      - not:\n          finding: minor.known\n"
                   "          where: {agge: [1]}\n  - finding: face")
    text = text.replace("outcome: review", "outcome: blok")
    with pytest.raises(PolicyError) as info:
        parse_policy_text(text, "p.yaml")
    rendered = [p.rendered() for p in info.value.problems]
    assert rendered == [
        "p.yaml:6: rules[0].outcome: Input should be 'pass', 'review' or 'block'",
        "p.yaml:12: unknown attribute 'agge' for minor.known (did you mean 'age'?)",
    ]


def test_the_builtin_policy_passes_its_own_checks() -> None:
    assert load_policy().ref.startswith("clearance-default@")


def test_a_policy_is_checked_against_the_vocabulary_it_is_given() -> None:
    only_minors = Vocabulary.of([("minors", {Label.MINOR_MENTIONED: {"age": Attr(int)}})],
                                taxonomy=())
    assert _problems("finding: minor.mentioned\nwhere: {age: [11]}", only_minors) == []
    assert _problems("finding: face", only_minors) == [
        "p.yaml:8: rules[0].when.finding: unknown finding label 'face' (see docs/labels.md)"]


def test_merged_declarations() -> None:
    vocab = builtin_vocabulary()
    # estimate: a float from the age detector and AWS, null from Hive
    estimate = vocab.attributes[Label.MINOR_APPARENT]["estimate"]
    assert estimate.type is float and estimate.nullable
    # the exposure family's regions: the local detector's and the vendors' own
    regions = vocab.attributes_of(vocab.matching("exposure.*"))["region"].values
    assert {"belly", "feet", "back", "genitalia"} <= regions
    assert set(vocab.emitters[Label.SUGGESTIVE_TEXT]) == {"suggestive-lexicon", "ocr",
                                                          "suggestive-semantic",
                                                          "team-lexicon"}
    assert vocab.emitters[Label.MATCH_WITHDRAWN] == ("hash-bank",)
    # every label at once: no two emitters disagree about an attribute's type
    assert vocab.attributes_of(vocab.labels)
    assert merge_attr(Attr(int), Attr(float), "x").type is float
    open_set = merge_attr(Attr(str, values=frozenset({"a"})), Attr(str), "x")
    assert open_set.values == frozenset()
    with pytest.raises(RegistryError, match="declared as str and as int"):
        merge_attr(Attr(str), Attr(int), "'x' of face")
