"""Vendor findings: saved AWS Rekognition, Google Vision and Hive responses mapped onto our labels.

The fixtures are JSON strings modelled on each vendor's documented response examples (field
names, nesting, value types and ranges); the values are made up.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from clearance.errors import InputError
from clearance.findings import Fact, Finding, ImageBox, Label, is_known_label
from clearance.vendors import (
    VENDOR_EMITS,
    detect_vendor,
    google_vision,
    hive,
    parse_google_vision,
    parse_hive,
    parse_rekognition,
    parse_vendor_findings,
    rekognition,
)
from clearance.vendors.rekognition import apparent_minor_score

DOCS = Path(__file__).resolve().parents[1] / "docs"
W, H = 640, 480

AWS_MODERATION_V7 = """{
  "ModerationLabels": [
    {"Confidence": 99.2, "Name": "Swimwear or Underwear", "ParentName": "", "TaxonomyLevel": 1},
    {"Confidence": 99.2, "Name": "Female Swimwear or Underwear",
     "ParentName": "Swimwear or Underwear", "TaxonomyLevel": 2},
    {"Confidence": 88.1, "Name": "Non-Explicit Nudity of Intimate parts and Kissing",
     "ParentName": "", "TaxonomyLevel": 1},
    {"Confidence": 88.1, "Name": "Non-Explicit Nudity",
     "ParentName": "Non-Explicit Nudity of Intimate parts and Kissing", "TaxonomyLevel": 2},
    {"Confidence": 75.3, "Name": "Partially Exposed Female Breast",
     "ParentName": "Non-Explicit Nudity", "TaxonomyLevel": 3},
    {"Confidence": 61.0, "Name": "Bare Back", "ParentName": "Non-Explicit Nudity",
     "TaxonomyLevel": 3},
    {"Confidence": 91.4, "Name": "Alcohol", "ParentName": "", "TaxonomyLevel": 1},
    {"Confidence": 91.4, "Name": "Alcoholic Beverages", "ParentName": "Alcohol",
     "TaxonomyLevel": 2}
  ],
  "ModerationModelVersion": "7.0",
  "ContentTypes": [{"Confidence": 52.0, "Name": "Animated"}]
}"""

AWS_MODERATION_V7_EXPLICIT = """{
  "ModerationLabels": [
    {"Confidence": 97.0, "Name": "Explicit", "ParentName": "", "TaxonomyLevel": 1},
    {"Confidence": 97.0, "Name": "Explicit Nudity", "ParentName": "Explicit", "TaxonomyLevel": 2},
    {"Confidence": 96.5, "Name": "Exposed Female Nipple", "ParentName": "Explicit Nudity",
     "TaxonomyLevel": 3}
  ],
  "ModerationModelVersion": "7.0"
}"""

AWS_MODERATION_V6 = """{
  "ModerationLabels": [
    {"Confidence": 94.5, "Name": "Suggestive", "ParentName": ""},
    {"Confidence": 94.5, "Name": "Female Swimwear Or Underwear", "ParentName": "Suggestive"},
    {"Confidence": 70.2, "Name": "Barechested Male", "ParentName": "Suggestive"},
    {"Confidence": 55.0, "Name": "Revealing Clothes", "ParentName": "Suggestive"},
    {"Confidence": 51.0, "Name": "Sheer Clothing", "ParentName": "Suggestive"}
  ],
  "ModerationModelVersion": "6.1"
}"""

AWS_FACES = """{
  "FaceDetails": [
    {
      "BoundingBox": {"Width": 0.2, "Height": 0.3, "Left": 0.1, "Top": 0.05},
      "AgeRange": {"Low": 9, "High": 15},
      "Smile": {"Value": true, "Confidence": 97.1},
      "Gender": {"Value": "Female", "Confidence": 99.2},
      "Landmarks": [{"Type": "eyeLeft", "X": 0.16, "Y": 0.14}],
      "Pose": {"Roll": -2.1, "Yaw": 4.3, "Pitch": 1.0},
      "Quality": {"Brightness": 81.2, "Sharpness": 92.3},
      "Confidence": 99.99
    },
    {
      "BoundingBox": {"Width": 0.25, "Height": 0.4, "Left": 0.85, "Top": -0.05},
      "AgeRange": {"Low": 14, "High": 22},
      "Confidence": 98.0
    },
    {
      "BoundingBox": {"Width": 0.1, "Height": 0.15, "Left": 0.5, "Top": 0.5},
      "AgeRange": {"Low": 31, "High": 39},
      "Confidence": 95.0
    }
  ]
}"""

VISION_BATCH = """{
  "responses": [
    {
      "safeSearchAnnotation": {
        "adult": "UNLIKELY", "spoof": "VERY_UNLIKELY", "medical": "VERY_UNLIKELY",
        "violence": "VERY_UNLIKELY", "racy": "LIKELY"
      },
      "faceAnnotations": [
        {
          "boundingPoly": {"vertices": [{"x": 120, "y": 40}, {"x": 260, "y": 40},
                                        {"x": 260, "y": 203}, {"x": 120, "y": 203}]},
          "fdBoundingPoly": {"vertices": [{"x": 131, "y": 78}, {"x": 248, "y": 78},
                                          {"x": 248, "y": 195}, {"x": 131, "y": 195}]},
          "rollAngle": 1.2, "panAngle": -3.4, "tiltAngle": 0.7,
          "detectionConfidence": 0.98, "landmarkingConfidence": 0.61,
          "joyLikelihood": "VERY_LIKELY", "sorrowLikelihood": "VERY_UNLIKELY",
          "angerLikelihood": "VERY_UNLIKELY", "surpriseLikelihood": "VERY_UNLIKELY",
          "underExposedLikelihood": "VERY_UNLIKELY", "blurredLikelihood": "VERY_UNLIKELY",
          "headwearLikelihood": "VERY_UNLIKELY"
        },
        {
          "boundingPoly": {"vertices": [{"y": 10}, {"x": 50, "y": 10}, {"x": 50, "y": 70},
                                        {"y": 70}]},
          "detectionConfidence": 0.8
        }
      ]
    }
  ]
}"""

VISION_SINGLE = """{
  "safeSearchAnnotation": {"adult": "VERY_LIKELY", "spoof": "UNLIKELY", "medical": "POSSIBLE",
                           "violence": "UNLIKELY", "racy": "UNKNOWN"}
}"""

HIVE_V2 = """{
  "id": "9b5e7c40-3c2a-11ef-9e3e-1d2f3c4b5a69",
  "code": 200,
  "project_id": 12345,
  "user_id": 1234,
  "created_on": "2026-11-20T10:15:02.312Z",
  "status": [
    {
      "status": {"code": "0", "message": "SUCCESS"},
      "response": {
        "input": {
          "id": "9b5e7c40-3c2a-11ef-9e3e-1d2f3c4b5a69", "charge": 0.003,
          "model": "mod55_dense", "model_version": 1, "model_type": "CATEGORIZATION",
          "created_on": "2026-11-20T10:15:02.119Z",
          "media": {"url": null, "filename": "poster.jpg", "type": "PHOTO",
                    "mime_type": "jpeg", "mimetype": "image/jpeg", "width": 640,
                    "height": 480, "num_frames": 1, "duration": 0},
          "user_id": 1234, "project_id": 12345, "config_version": 1, "config_tag": "default"
        },
        "output": [
          {
            "time": 0,
            "classes": [
              {"class": "general_not_nsfw_not_suggestive", "score": 0.08},
              {"class": "general_nsfw", "score": 0.01},
              {"class": "general_suggestive", "score": 0.91},
              {"class": "no_female_underwear", "score": 0.97},
              {"class": "yes_female_underwear", "score": 0.03},
              {"class": "no_female_swimwear", "score": 0.12},
              {"class": "yes_female_swimwear", "score": 0.88},
              {"class": "no_male_shirtless", "score": 0.98},
              {"class": "yes_male_shirtless", "score": 0.02},
              {"class": "no_cleavage", "score": 0.59},
              {"class": "yes_cleavage", "score": 0.41},
              {"class": "no_sexual_activity", "score": 0.999},
              {"class": "yes_sexual_activity", "score": 0.001},
              {"class": "no_child_present", "score": 0.07},
              {"class": "yes_child_present", "score": 0.93},
              {"class": "gun_in_hand", "score": 0.0},
              {"class": "no_gun", "score": 0.99},
              {"class": "text", "score": 0.8},
              {"class": "no_text", "score": 0.2}
            ]
          }
        ]
      }
    }
  ]
}"""

HIVE_V3 = """{
  "task_id": "d41c1a2e-7f3b-4a55-9a3c-1b2c3d4e5f60",
  "model": "hive/visual-moderation",
  "output": [
    {"classes": [{"class_name": "general_suggestive", "value": 0.7},
                 {"class_name": "yes_female_swimwear", "value": 0.65},
                 {"class_name": "yes_child_present", "value": 0.2},
                 {"class_name": "yes_bulge", "value": 0.01}]},
    {"classes": [{"class_name": "general_suggestive", "value": 0.4},
                 {"class_name": "yes_female_swimwear", "value": 0.9}]}
  ]
}"""

ALL_FIXTURES = {
    "aws-v7": AWS_MODERATION_V7, "aws-v7-explicit": AWS_MODERATION_V7_EXPLICIT,
    "aws-v6": AWS_MODERATION_V6, "aws-faces": AWS_FACES, "vision-batch": VISION_BATCH,
    "vision-single": VISION_SINGLE, "hive-v2": HIVE_V2, "hive-v3": HIVE_V3,
}


def by_label(findings: list[Finding], label: str) -> list[Finding]:
    return [f for f in findings if f.label == label]


def one(findings: list[Finding], label: str, vendor_label: str) -> Finding:
    hits = [f for f in findings if f.label == label and f.attr("vendor_label") == vendor_label]
    assert len(hits) == 1, (label, vendor_label, findings)
    return hits[0]


# --- AWS Rekognition --------------------------------------------------------------------------


def test_rekognition_v7_moderation_mapping() -> None:
    found = parse_rekognition(AWS_MODERATION_V7, width=W, height=H, source="mod.json")
    assert {f.detector for f in found} == {"aws-rekognition"}
    assert {f.detector_version for f in found} == {"7.0"}

    swim = one(found, Label.SUGGESTIVE_IMAGE, "Female Swimwear or Underwear")
    assert swim.score == pytest.approx(0.992)
    assert swim.evidence == Fact("vendor_label", "Female Swimwear or Underwear")
    assert swim.attr("category") == "swimwear_underwear"
    assert swim.attr("vendor_parent") == "Swimwear or Underwear"
    assert swim.attr("vendor_score") == 99.2 and swim.attr("taxonomy_level") == 2
    assert swim.attr("content_type") == "Animated"

    assert one(found, Label.SUGGESTIVE_IMAGE, "Non-Explicit Nudity").attr("category") \
        == "non_explicit_nudity"
    breast = one(found, "exposure.breast_female.covered", "Partially Exposed Female Breast")
    assert breast.score == pytest.approx(0.753)
    assert breast.attr("partial") is True and breast.attr("region") == "breast_female"
    assert one(found, "exposure.back.exposed", "Bare Back").score == pytest.approx(0.61)
    # Alcohol has no label in our taxonomy.
    assert not [f for f in found if "Alcohol" in str(f.attr("vendor_label"))]
    assert len(found) == 6


def test_rekognition_v7_explicit_regions() -> None:
    found = parse_rekognition(AWS_MODERATION_V7_EXPLICIT, width=W, height=H, source="x.json")
    assert [f.label for f in found] == [Label.SUGGESTIVE_IMAGE, Label.SUGGESTIVE_IMAGE,
                                        "exposure.breast_female.exposed"]
    assert all(f.attr("category") == "explicit" for f in by_label(found, Label.SUGGESTIVE_IMAGE))
    assert found[2].score == pytest.approx(0.965)


def test_rekognition_v6_names_and_parent_inheritance() -> None:
    found = parse_rekognition(AWS_MODERATION_V6, width=W, height=H, source="v6.json")
    assert {f.detector_version for f in found} == {"6.1"}
    assert one(found, Label.SUGGESTIVE_IMAGE, "Suggestive").attr("category") == "suggestive"
    assert one(found, Label.SUGGESTIVE_IMAGE, "Female Swimwear Or Underwear") \
        .attr("category") == "swimwear_underwear"
    assert one(found, "exposure.breast_male.exposed", "Barechested Male").score \
        == pytest.approx(0.702)
    assert one(found, Label.SUGGESTIVE_IMAGE, "Revealing Clothes").attr("category") \
        == "revealing_clothes"
    # An unknown label under a mapped parent inherits the parent's category.
    sheer = one(found, Label.SUGGESTIVE_IMAGE, "Sheer Clothing")
    assert sheer.attr("category") == "suggestive" and sheer.attr("mapped_from") == "parent"


def test_rekognition_faces_boxes_and_apparent_minors() -> None:
    found = parse_rekognition(AWS_FACES, width=W, height=H, source="faces.json")
    faces = by_label(found, Label.FACE)
    assert [f.evidence for f in faces] == [
        ImageBox(64, 24, 128, 144),
        ImageBox(544, 0, 96, 168),  # cut by the right and top edges: clipped
        ImageBox(320, 240, 64, 72),
    ]
    assert faces[0].score == pytest.approx(0.9999)
    assert faces[0].detector_version == "unknown"
    assert faces[2].attr("age_low") == 31

    minors = by_label(found, Label.MINOR_APPARENT)
    assert len(minors) == 2  # the 31-39 face is not a minor
    child, teen = minors
    assert child.evidence == faces[0].evidence and teen.evidence == faces[1].evidence
    assert child.score == 1.0
    assert (child.attr("estimate"), child.attr("low"), child.attr("high")) == (12.0, 9, 15)
    assert teen.score == pytest.approx(4 / 9, abs=1e-4)
    assert teen.attr("estimate") == 18.0


@pytest.mark.parametrize(("low", "high", "score"), [
    (8, 14, 1.0), (14, 22, 4 / 9), (17, 25, 1 / 9), (17, 17, 1.0), (18, 26, 0.0), (0, 3, 1.0),
])
def test_apparent_minor_score_rule(low: int, high: int, score: float) -> None:
    assert apparent_minor_score(low, high) == pytest.approx(score)


def test_rekognition_faces_without_age_give_faces_only() -> None:
    data = {"FaceDetails": [{"BoundingBox": {"Width": 0.5, "Height": 0.5, "Left": 0.25,
                                             "Top": 0.25}, "Confidence": 99.0}]}
    found = parse_rekognition(data, width=100, height=100, source="default-attrs.json")
    assert [f.label for f in found] == [Label.FACE]
    assert found[0].evidence == ImageBox(25, 25, 50, 50)


# --- Google Vision ----------------------------------------------------------------------------


def test_google_vision_batch_safe_search_and_faces() -> None:
    found = parse_google_vision(VISION_BATCH, width=W, height=H, source="vision.json")
    assert {f.detector for f in found} == {"google-vision"}
    assert {f.detector_version for f in found} == {"unknown"}
    racy = one(found, Label.SUGGESTIVE_IMAGE, "racy")
    assert racy.score == 0.75 and racy.attr("category") == "suggestive"
    assert racy.attr("vendor_value") == "LIKELY" and racy.attr("medical") == "VERY_UNLIKELY"
    assert racy.evidence == Fact("vendor_label", "racy: LIKELY")
    adult = one(found, Label.SUGGESTIVE_IMAGE, "adult")
    assert adult.score == 0.2 and adult.attr("category") == "explicit"
    faces = by_label(found, Label.FACE)
    assert [f.evidence for f in faces] == [ImageBox(120, 40, 140, 163), ImageBox(0, 10, 50, 60)]
    assert [f.score for f in faces] == [0.98, 0.8]
    assert not by_label(found, Label.MINOR_APPARENT)  # Vision estimates no age


def test_google_vision_single_response_and_unknown_likelihood() -> None:
    found = parse_google_vision(VISION_SINGLE, width=W, height=H, source="v.json")
    assert [(f.attr("vendor_label"), f.score) for f in found] == [("adult", 0.95)]
    assert found[0].attr("medical") == "POSSIBLE"


@pytest.mark.parametrize(("likelihood", "score"), [
    ("VERY_UNLIKELY", 0.05), ("UNLIKELY", 0.2), ("POSSIBLE", 0.5), ("LIKELY", 0.75),
    ("VERY_LIKELY", 0.95), (3, 0.5),
])
def test_google_likelihood_table(likelihood: str | int, score: float) -> None:
    found = parse_google_vision({"safeSearchAnnotation": {"racy": likelihood}}, width=W,
                                height=H, source="t.json")
    assert [f.score for f in found] == [score]


# --- Hive -------------------------------------------------------------------------------------


def test_hive_v2_mapping() -> None:
    found = parse_hive(HIVE_V2, width=W, height=H, source="hive.json")
    assert {f.detector for f in found} == {"hive"}
    assert {f.detector_version for f in found} == {"1"}
    assert one(found, Label.SUGGESTIVE_IMAGE, "general_suggestive").score == 0.91
    swim = one(found, Label.SUGGESTIVE_IMAGE, "yes_female_swimwear")
    assert swim.score == 0.88 and swim.attr("category") == "swimwear_underwear"
    cleavage = one(found, "exposure.breast_female.covered", "yes_cleavage")
    assert cleavage.score == 0.41 and cleavage.attr("partial") is True
    child = one(found, Label.MINOR_APPARENT, "yes_child_present")
    assert child.score == 0.93 and child.evidence == Fact("vendor_label", "yes_child_present")
    # Under the 0.05 floor, "no_*" classes and unmapped heads give nothing.
    assert sorted(str(f.attr("vendor_label")) for f in found) == [
        "general_suggestive", "yes_child_present", "yes_cleavage", "yes_female_swimwear"]


def test_hive_v3_shape_takes_the_highest_score_over_frames() -> None:
    found = parse_hive(HIVE_V3, width=W, height=H, source="v3.json")
    assert one(found, Label.SUGGESTIVE_IMAGE, "general_suggestive").score == 0.7
    swim = one(found, Label.SUGGESTIVE_IMAGE, "yes_female_swimwear")
    assert swim.score == 0.9 and swim.attr("frames") == 2
    assert one(found, Label.MINOR_APPARENT, "yes_child_present").score == 0.2
    assert not by_label(found, "exposure.genitalia_male.covered")  # 0.01 is under the floor
    assert {f.detector_version for f in found} == {"unknown"}


# --- auto-detection and shared guarantees -----------------------------------------------------


@pytest.mark.parametrize(("name", "vendor"), [
    ("aws-v7", "aws-rekognition"), ("aws-v6", "aws-rekognition"),
    ("aws-faces", "aws-rekognition"), ("vision-batch", "google-vision"),
    ("vision-single", "google-vision"), ("hive-v2", "hive"), ("hive-v3", "hive"),
])
def test_auto_detection(name: str, vendor: str) -> None:
    raw = ALL_FIXTURES[name]
    assert detect_vendor(json.loads(raw)) == vendor
    auto = parse_vendor_findings(raw.encode("utf-8"), width=W, height=H, source=f"{name}.json")
    assert auto and {f.detector for f in auto} == {vendor}
    direct = {"aws-rekognition": parse_rekognition, "google-vision": parse_google_vision,
              "hive": parse_hive}[vendor]
    assert auto == direct(raw, width=W, height=H, source=f"{name}.json")


def test_a_list_of_responses_for_one_image() -> None:
    data = f"[{AWS_MODERATION_V7_EXPLICIT}, {AWS_FACES}]"
    found = parse_vendor_findings(data, width=W, height=H, source="both.json")
    assert {f.label for f in found} >= {Label.SUGGESTIVE_IMAGE, Label.FACE,
                                        Label.MINOR_APPARENT}


def test_dict_and_bom_input() -> None:
    as_dict = parse_vendor_findings(json.loads(HIVE_V2), width=W, height=H, source="d")
    with_bom = parse_vendor_findings(b"\xef\xbb\xbf" + HIVE_V2.encode(), width=W, height=H,
                                     source="d")
    assert as_dict == with_bom


@pytest.mark.parametrize("name", sorted(ALL_FIXTURES))
def test_every_finding_is_known_scored_and_documented(name: str) -> None:
    labels_doc = (DOCS / "labels.md").read_text(encoding="utf-8")
    vendors_doc = (DOCS / "vendors.md").read_text(encoding="utf-8")
    for f in parse_vendor_findings(ALL_FIXTURES[name], width=W, height=H, source=name):
        assert is_known_label(f.label)
        assert 0.0 <= f.score <= 1.0
        assert f.detector in vendors_doc
        if f.label.startswith("exposure."):
            assert f"`{f.label}`" in vendors_doc
        else:
            assert f"`{f.label}`" in labels_doc
        if isinstance(f.evidence, ImageBox):
            b = f.evidence
            assert b.width > 0 and b.height > 0 and b.x + b.width <= W and b.y + b.height <= H
        assert f.attr("vendor_label") is not None


@pytest.mark.parametrize("name", sorted(ALL_FIXTURES))
def test_every_finding_carries_what_its_vendor_declares(name: str) -> None:
    """Vendor findings meet the detector contract's declarations and round trip: the policy
    checker trusts ``VENDOR_EMITS`` exactly as it trusts a detector's ``emits``."""
    for f in parse_vendor_findings(ALL_FIXTURES[name], width=W, height=H, source=name):
        emits = VENDOR_EMITS[f.detector]
        assert f.label in emits, (f.detector, f.label)
        for key, value in f.attributes:
            assert key in emits[f.label], (f.detector, f.label, key)
            assert emits[f.label][key].holds(value), (f.detector, f.label, key, value)
        assert Finding.from_dict(f.to_dict(precise=True)) == f


def test_mapping_tables_are_documented() -> None:
    text = (DOCS / "vendors.md").read_text(encoding="utf-8")
    for name, m in rekognition.LABELS.items():
        assert f"| {name} |" in text, name
        if m.exposure_label:
            assert m.exposure_label in text
    for cls, m in hive.CLASSES.items():
        assert f"| `{cls}` |" in text, cls
        if m.exposure_label:
            assert m.exposure_label in text
    assert f"`{hive.CHILD_CLASS}`" in text
    for likelihood, score in google_vision.LIKELIHOOD_SCORES.items():
        assert re.search(rf"\| `{likelihood}` \| {score if score is not None else 'none'} \|",
                         text), likelihood


# --- bad input --------------------------------------------------------------------------------

BAD: list[tuple[str, Any, str]] = [
    ("not-json", b"<html>503 Service Unavailable</html>", "invalid JSON"),
    ("binary", b"\xff\xd8\xff\xe0JFIF", "not UTF-8"),
    ("empty", b"   \n", "empty"),
    ("nan", '{"ModerationLabels": [{"Name": "Suggestive", "Confidence": NaN}]}', "NaN"),
    ("unknown-shape", '{"labels": [{"name": "nudity", "prob": 0.9}]}', "not a recognised vendor"),
    ("number", "42", "not a recognised vendor"),
    ("empty-list", "[]", "empty list"),
    ("list-of-junk", '[{"ModerationLabels": []}, 7]', "item 1 of the list"),
    ("aws-confidence-type",
     '{"ModerationLabels": [{"Name": "Suggestive", "Confidence": "high"}]}',
     "ModerationLabels[0].Confidence: expected a number from 0 to 100, got a string ('high')"),
    ("aws-confidence-range",
     '{"ModerationLabels": [{"Name": "Suggestive", "Confidence": 140}]}', "from 0 to 100"),
    ("aws-labels-type", '{"ModerationLabels": {"Name": "Suggestive"}}',
     "ModerationLabels: expected a list"),
    ("aws-name-missing", '{"ModerationLabels": [{"Confidence": 90}]}',
     "ModerationLabels[0].Name: expected a string, got null"),
    ("aws-video", '{"ModerationLabels": [{"Timestamp": 0, "ModerationLabel": '
                  '{"Name": "Suggestive", "Confidence": 90}}]}', "GetContentModeration"),
    ("aws-box-missing", '{"FaceDetails": [{"Confidence": 99}]}',
     "FaceDetails[0].BoundingBox: expected an object, got null"),
    ("aws-age-order", '{"FaceDetails": [{"Confidence": 99, "AgeRange": {"Low": 20, "High": 10},'
                      ' "BoundingBox": {"Width": 0.1, "Height": 0.1, "Left": 0, "Top": 0}}]}',
     "High (10) is below Low (20)"),
    ("aws-bool-as-number", '{"FaceDetails": [{"Confidence": true, "BoundingBox": '
                           '{"Width": 0.1, "Height": 0.1, "Left": 0, "Top": 0}}]}',
     "got a boolean"),
    ("vision-likelihood", '{"safeSearchAnnotation": {"racy": "MAYBE"}}',
     "safeSearchAnnotation.racy: expected a likelihood"),
    ("vision-two-images", '{"responses": [{"safeSearchAnnotation": {}}, '
                          '{"safeSearchAnnotation": {}}]}', "holds 2 image results"),
    ("vision-error", '{"responses": [{"error": {"code": 3, "message": "Bad image data."}}]}',
     "Bad image data."),
    ("vision-nothing", '{"responses": [{}]}', "neither safeSearchAnnotation nor faceAnnotations"),
    ("vision-vertex", '{"faceAnnotations": [{"boundingPoly": {"vertices": [{"x": "10"}]}, '
                      '"detectionConfidence": 0.9}]}',
     "faceAnnotations[0].boundingPoly.vertices[0].x: expected a number"),
    ("hive-score", '{"output": [{"time": 0, "classes": [{"class": "general_nsfw", '
                   '"score": 1.5}]}]}', "output[0].classes[0].score: expected a number from 0"),
    ("hive-failed", '{"status": [{"status": {"code": "1", "message": "FAILED: bad media"}, '
                    '"response": {"output": []}}]}', "did not succeed at Hive"),
    ("hive-empty", '{"output": []}', "output is empty"),
    ("hive-classes", '{"output": [{"time": 0, "classes": "general_nsfw"}]}',
     "output[0].classes: expected a list"),
]


@pytest.mark.parametrize(("case", "data", "says"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_an_input_error_naming_the_source(case: str, data: Any, says: str) -> None:
    source = f"saved/{case}.json"
    with pytest.raises(InputError) as info:
        parse_vendor_findings(data, width=W, height=H, source=source)
    assert str(info.value).startswith(f"{source}: ")
    assert says in str(info.value)


def test_json_error_carries_a_located_problem() -> None:
    with pytest.raises(InputError) as info:
        parse_vendor_findings('{"ModerationLabels": [\n  {"Name": "x",}\n]}', width=W,
                              height=H, source="broken.json")
    assert info.value.problems[0].rendered().startswith("broken.json:2: ")


@pytest.mark.parametrize("size", [(0, 10), (10, -1)])
def test_picture_size_must_be_positive(size: tuple[int, int]) -> None:
    with pytest.raises(InputError, match=r"^s\.json: the image"):
        parse_vendor_findings(HIVE_V2, width=size[0], height=size[1], source="s.json")


@pytest.mark.parametrize(("parser", "data"), [
    (parse_rekognition, VISION_SINGLE), (parse_google_vision, AWS_FACES),
    (parse_hive, "[1, 2]"),
])
def test_vendor_specific_parser_refuses_another_shape(parser: Any, data: str) -> None:
    with pytest.raises(InputError, match=r"^other\.json: "):
        parser(data, width=W, height=H, source="other.json")


def _paths(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*path, i))


@pytest.mark.parametrize("name", sorted(ALL_FIXTURES))
def test_any_wrong_type_anywhere_is_an_input_error_never_a_crash(name: str) -> None:
    original = json.loads(ALL_FIXTURES[name])
    for path in list(_paths(original))[1:]:
        for replacement in (None, "x", -3, 1e9, True, [], {}, [{}]):
            mutated = copy.deepcopy(original)
            parent = mutated
            for key in path[:-1]:
                parent = parent[key]
            parent[path[-1]] = replacement
            try:
                found = parse_vendor_findings(mutated, width=W, height=H, source="m.json")
            except InputError as exc:
                assert str(exc).startswith("m.json: ")
            else:
                assert all(is_known_label(f.label) and 0 <= f.score <= 1 for f in found)


def test_exposure_regions_match_the_local_detector() -> None:
    exposure = pytest.importorskip("clearance.detectors.exposure")
    local = {region for region, _ in exposure.REGIONS.values()}
    vendor_only = {"back", "genitalia"}
    for m in (*rekognition.LABELS.values(), *hive.CLASSES.values()):
        if m.region is not None:
            assert m.region in local | vendor_only, m.region
