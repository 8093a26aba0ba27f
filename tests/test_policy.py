"""The policy engine on constructed findings, and policy validation errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from clearance.errors import PolicyError
from clearance.findings import Fact, Finding, ImageBox, Label, TextSpan
from clearance.policy.engine import evaluate
from clearance.policy.loader import load_policy, parse_policy_text
from clearance.policy.model import Policy

DEFAULT = load_policy()


def minor(sentence: int = 0, age: int | None = 11, group: str = "child",
          score: float = 0.95) -> Finding:
    return Finding(Label.MINOR_MENTIONED, score, TextSpan(0, 3, "Amy", sentence), "t", "1",
                   (("age", age), ("group", group)))


def suggestive(sentence: int = 0, score: float = 0.8, framing: bool = True,
               category: str = "sexual_awakening", source: str = "lexicon") -> Finding:
    return Finding(Label.SUGGESTIVE_TEXT, score, TextSpan(5, 9, "sexy", sentence), "t", "1",
                   (("category", category), ("framing", framing), ("source", source)))


MATURE = Finding(Label.RATING_MATURE, 1.0, Fact("rating", "TV-MA"), "rating", "1")


@pytest.mark.parametrize(
    ("findings", "outcome", "rule"),
    [
        ([minor(0), suggestive(0)], "block", "child-sexualised-copy"),
        ([minor(0), suggestive(1)], "block", "child-sexualised-copy"),
        ([minor(0, age=15, group="teen"), suggestive(1)], "block", "child-sexualised-copy"),
        ([minor(0), suggestive(2)], "review", "minor-and-sexualised-copy-apart"),
        # a paraphrase found by the embedding model alone goes to a person
        ([minor(0), suggestive(0, source="semantic")], "review", "child-sexualised-paraphrase"),
        ([minor(0, age=None, group="child", score=0.75), suggestive(0)], "review",
         "teen-sexualised-copy"),
        ([minor(0, age=16, group="teen"), suggestive(0)], "review", "teen-sexualised-copy"),
        ([minor(0, age=None, group="teen"), suggestive(1)], "review", "teen-sexualised-copy"),
        ([minor(0), suggestive(0, framing=False, category="abuse_topic")], "pass", None),
        ([minor(0), suggestive(0, score=0.4)], "pass", None),
        ([minor(0)], "pass", None),
        ([suggestive(0)], "pass", None),
        ([minor(0), MATURE], "pass", "minor-in-mature-title"),
        # a mature rating excuses nothing
        ([minor(0), suggestive(0), MATURE], "block", "child-sexualised-copy"),
        ([], "pass", None),
    ],
)
def test_default_policy(findings: list[Finding], outcome: str, rule: str | None) -> None:
    d = evaluate(findings, DEFAULT)
    assert d.outcome == outcome
    assert d.policy == DEFAULT.ref
    fired = [r.rule for r in d.fired]
    if rule is None:
        assert all(r.outcome == "pass" for r in d.fired)
    else:
        assert rule in fired
        top = d.fired[0]
        assert top.outcome == outcome
        assert top.findings, "a fired rule carries the findings that fired it"
        assert any(rule in reason for reason in d.reasons)


def known_minor(age: int = 11) -> Finding:
    return Finding(Label.MINOR_KNOWN, 1.0, Fact("person", "Amy"), "known-minor", "1",
                   (("age", age),))


def apparent_minor(score: float = 0.8) -> Finding:
    return Finding(Label.MINOR_APPARENT, score, ImageBox(10, 10, 50, 50), "apparent-age", "1",
                   (("estimate", 12),))


def exposure(region: str, state: str, score: float = 0.8) -> Finding:
    return Finding(f"exposure.{region}.{state}", score, ImageBox(0, 0, 10, 10), "exposure", "1",
                   (("region", region), ("state", state)))


def suggestive_image(score: float) -> Finding:
    return Finding(Label.SUGGESTIVE_IMAGE, score, Fact("nsfw_score", str(score)), "nsfw", "1")


@pytest.mark.parametrize(
    ("findings", "outcome", "rule"),
    [
        ([known_minor(), exposure("belly", "exposed")], "block", "minor-in-sexualised-image"),
        ([apparent_minor(), exposure("buttocks", "covered", 0.7)], "block",
         "minor-in-sexualised-image"),
        ([known_minor(), suggestive_image(0.9)], "block", "minor-in-sexualised-image"),
        # a vendor's "revealing clothes" arrives as suggestive.image
        ([apparent_minor(0.6), suggestive_image(0.65)], "block", "minor-in-sexualised-image"),
        ([known_minor(), exposure("feet", "exposed"), exposure("armpits", "exposed")], "pass",
         None),
        ([known_minor(), suggestive_image(0.3)], "pass", None),
        ([apparent_minor()], "pass", "apparent-minor-recorded"),
        ([apparent_minor(0.3), exposure("belly", "exposed")], "pass", None),
        ([exposure("breast_female", "exposed"), suggestive_image(0.99)], "pass", None),
        # OCR on the poster itself: a known minor and framing copy in the same image
        ([known_minor(), suggestive(0)], "block", "minor-in-art-with-sexualised-campaign"),
    ],
)
def test_default_policy_on_images(findings: list[Finding], outcome: str,
                                  rule: str | None) -> None:
    d = evaluate(findings, DEFAULT)
    assert d.outcome == outcome, d.reasons
    if rule is not None:
        assert rule in [r.rule for r in d.fired]


def test_minor_in_art_blocks_with_sexualising_copy_elsewhere_in_the_campaign() -> None:
    d = evaluate([known_minor()], DEFAULT, {"synopsis/fr": [suggestive(0)]})
    assert d.outcome == "block"
    assert d.fired[0].rule == "minor-in-art-with-sexualised-campaign"
    # a paraphrase guess elsewhere is not enough to block the art
    d = evaluate([known_minor()], DEFAULT, {"synopsis/fr": [suggestive(0, source="semantic")]})
    assert d.outcome == "pass"
    # and copy naming a child is reviewed when the campaign's art is suggestive
    d = evaluate([minor(0)], DEFAULT, {"key_art": [suggestive_image(0.9)]})
    assert d.outcome == "review"


def test_title_scope_uses_other_assets() -> None:
    d = evaluate([minor(0)], DEFAULT, {"key_art/en": [suggestive(0)]})
    assert d.outcome == "review"
    r = next(r for r in d.fired if r.rule == "minor-with-sexualised-title-campaign")
    assert {s.source for s in r.findings} == {"this", "key_art/en"}
    assert "in key_art/en" in r.reason()
    # the same finding on this asset is judged by the asset rules, not the title rule
    d2 = evaluate([minor(0), suggestive(0)], DEFAULT)
    assert "minor-with-sexualised-title-campaign" not in [r.rule for r in d2.fired]


POLICY = """\
policy: custom
version: 3
rules:
  - name: no-minor-unless-pg
    description: minors block unless the suggestive score is low
    outcome: block
    near: same_sentence
    when:
      all:
        - finding: minor.mentioned
          where: {age: {min: 1, max: 12}}
        - not:
            finding: suggestive.text
            max_score: 0.3
        - any:
            - finding: suggestive.text
              min_score: 0.5
            - finding: exposure.*
"""


def test_custom_policy_all_any_not_and_proximity() -> None:
    p = parse_policy_text(POLICY, "custom.yaml")
    assert p.ref == "custom@3"
    assert evaluate([minor(0), suggestive(0)], p).outcome == "block"
    assert evaluate([minor(0), suggestive(1)], p).outcome == "pass"  # same_sentence only
    assert evaluate([minor(0, age=14), suggestive(0)], p).outcome == "pass"  # age range
    low = suggestive(0, score=0.2)
    assert evaluate([minor(0), suggestive(0), low], p).outcome == "pass"  # not
    exposure = Finding("exposure.belly.exposed", 0.9, TextSpan(0, 1, "x", 0), "t", "1")
    assert evaluate([minor(0), exposure], p).outcome == "block"  # label family


THREE_ERRORS = """\
policy: broken
version: 1
rules:
  - name: ok-rule
    description: fine
    outcome: review
    when:
      finding: minor.mentioned
  - name: bad-outcome
    description: outcome misspelt
    outcome: blok
    when:
      finding: minor.mentioned
  - name: ok-rule
    description: duplicate name and unknown label
    outcome: block
    when:
      finding: minor.mentiond
"""


def test_three_errors_reported_at_once_with_lines(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(THREE_ERRORS, encoding="utf-8")
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    err = info.value
    assert len(err.problems) == 3
    rendered = err.rendered().replace(str(tmp_path), "DIR")
    assert rendered == (
        "DIR/broken.yaml: invalid policy (3 problems)\n"
        "DIR/broken.yaml:11: rules[1].outcome: Input should be 'pass', 'review' or 'block'\n"
        "DIR/broken.yaml:14: rules[2].name: rule name 'ok-rule' is used twice "
        "(first used on line 4; rule names must be unique)\n"
        "DIR/broken.yaml:18: rules[2].when.finding: unknown finding label 'minor.mentiond' "
        "(did you mean 'minor.mentioned'?)"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("policy: x\nversion: 1\nrules: []\n", "at least 1 item"),
        ("policy: x\nversion: 1\nrules:\n  - name: a\n    description: d\n    outcome: block\n"
         "    when: {all: []}\n", "at least one condition"),
        ("policy: x\nversion: 1\nrules:\n  - name: a\n    description: d\n    outcome: block\n"
         "    when: {finding: face, any: [{finding: face}]}\n", "exactly one of"),
        ("policy: x\nversion: 1\nextra: 1\nrules:\n  - name: a\n    description: d\n"
         "    outcome: block\n    when: {finding: face}\n", "Extra inputs"),
        ("policy: x\n  version: : 1\n", "not valid YAML"),
        ("- just a list\n", "a policy is a mapping"),
    ],
)
def test_invalid_policies(text: str, message: str) -> None:
    with pytest.raises(PolicyError) as info:
        parse_policy_text(text, "p.yaml")
    assert message in info.value.rendered()
    assert "p.yaml" in info.value.rendered()


def test_default_policy_is_valid_and_documented() -> None:
    assert isinstance(DEFAULT, Policy)
    assert all(r.description for r in DEFAULT.rules)
    assert {r.outcome for r in DEFAULT.rules} == {"pass", "review", "block"}


def test_unless_silences_a_rule_and_must_name_an_earlier_rule() -> None:
    text = """\
policy: u
version: 1
rules:
  - name: near
    description: close
    outcome: block
    near: same_sentence
    when: {all: [{finding: minor.mentioned}, {finding: suggestive.text}]}
  - name: apart
    description: anywhere
    outcome: review
    unless: [near]
    when: {all: [{finding: minor.mentioned}, {finding: suggestive.text}]}
"""
    p = parse_policy_text(text, "u.yaml")
    assert [r.rule for r in evaluate([minor(0), suggestive(0)], p).fired] == ["near"]
    assert [r.rule for r in evaluate([minor(0), suggestive(3)], p).fired] == ["apart"]
    with pytest.raises(PolicyError) as info:
        parse_policy_text(text.replace("unless: [near]", "unless: [later]"), "u.yaml")
    assert "u.yaml:12: rules[1].unless[0]: 'unless' names 'later'" in info.value.rendered()


MISTAKES = """\
policy: mistakes
version: 1
rules:
  - name: young-and-framed
    description: a young child next to sexualising framing
    outcome: block
    when:
      all:
        - finding: minor.mentioned
          where: {agee: {max: 15}}
        - finding: suggestive.txt
        - finding: minor.mentioned
          where: {age: ["11"]}
"""


def test_misspelt_attribute_unknown_label_and_quoted_number_are_refused_together(
        tmp_path: Path) -> None:
    """The acceptance case of issue 8: each of these made a rule that silently never fired."""
    path = tmp_path / "mistakes.yaml"
    path.write_text(MISTAKES, encoding="utf-8")
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    assert info.value.rendered().replace(str(tmp_path), "DIR") == (
        "DIR/mistakes.yaml: invalid policy (3 problems)\n"
        "DIR/mistakes.yaml:10: unknown attribute 'agee' for minor.mentioned "
        "(did you mean 'age'?)\n"
        "DIR/mistakes.yaml:11: rules[0].when.all[1].finding: unknown finding label "
        "'suggestive.txt' (did you mean 'suggestive.text'?)\n"
        "DIR/mistakes.yaml:13: 'age' of minor.mentioned is a number, got the string '11' "
        "(write 11 without quotes)"
    )


def test_policy_check_command_names_all_three_and_exits_4(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from clearance.cli.main import cli

    path = tmp_path / "mistakes.yaml"
    path.write_text(MISTAKES, encoding="utf-8")
    result = CliRunner().invoke(cli, ["policy", "check", str(path)])
    assert result.exit_code == 4, result.output
    assert f"{path}:10: unknown attribute 'agee'" in result.output
    assert f"{path}:11: rules[0].when.all[1].finding: unknown finding label" in result.output
    assert f"{path}:13: 'age' of minor.mentioned is a number" in result.output
    fixed = MISTAKES.replace("agee", "age").replace("suggestive.txt", "suggestive.text") \
        .replace('["11"]', "[11]")
    path.write_text(fixed, encoding="utf-8")
    ok = CliRunner().invoke(cli, ["policy", "check", str(path)])
    assert ok.exit_code == 0 and "ok" in ok.output
