"""The image detectors: exposure regions, the whole-image score and OCR.

Following the project's data rules, no test uses an explicit or sexual image. The exposure and
suggestiveness *mappings* are tested with fakes at the model boundary (constructed NudeNet regions,
a constructed score); the real models are tested only for what benign pictures can show:
scikit-image's sample photos (an adult astronaut's face, a cat, a cup of coffee, a rocket) get a
face, no exposed region and a low NSFW score, and posters drawn here with Pillow are read by OCR.
"""

from __future__ import annotations

import difflib
import socket
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from clearance.content.picture import Picture, picture_of
from clearance.detectors import nsfw, ocr, regions
from clearance.detectors.base import Item
from clearance.detectors.exposure import (
    DEFAULT_MIN_SCORES,
    EXPOSURE_LABELS,
    REGIONS,
    SKIPPED_CLASSES,
    ExposureDetector,
)
from clearance.detectors.fake import FakeFaces, FakeRegions
from clearance.detectors.models import ModelShelf
from clearance.detectors.nsfw import SuggestiveImageDetector
from clearance.detectors.ocr import OcrDetector, OcrLine, drawn_poster, quad_box, reading_rows
from clearance.detectors.regions import Region
from clearance.detectors.resources import Resources
from clearance.errors import ConfigurationError
from clearance.findings import Fact, Finding, ImageBox, Label, is_known_label
from clearance.policy.engine import evaluate
from clearance.policy.loader import load_policy

skdata = pytest.importorskip("skimage.data")

#: One set of models for the module, as one Screener would have.
RESOURCES = Resources()


def _photo(name: str) -> Picture:
    px = np.asarray(getattr(skdata, name)())
    if px.ndim == 2:
        px = np.stack([px] * 3, axis=-1)
    return picture_of(px[:, :, :3], f"{name}.png")


def _iou(a: ImageBox, b: ImageBox) -> float:
    x0, y0 = max(a.x, b.x), max(a.y, b.y)
    x1 = min(a.x + a.width, b.x + b.width)
    y1 = min(a.y + a.height, b.y + b.height)
    inter = max(0, x1 - x0) * max(0, y1 - y0)
    union = a.width * a.height + b.width * b.height - inter
    return inter / union if union else 0.0


def _contains(outer: ImageBox, inner: ImageBox, slack: int = 8) -> bool:
    return (outer.x - slack <= inner.x and outer.y - slack <= inner.y
            and inner.x + inner.width <= outer.x + outer.width + slack
            and inner.y + inner.height <= outer.y + outer.height + slack)


# --- exposure: the mapping, on constructed regions ------------------------------------------

_ALL_CLASSES = [*REGIONS, *sorted(SKIPPED_CLASSES)]


def _exposure(found: Sequence[Region], picture: Picture | None = None,
              faces: Sequence[ImageBox] = (),
              min_scores: dict[str, float] | None = None) -> list[Finding]:
    """The exposure findings on ``picture`` when the model finds ``found`` (and ``faces``)."""
    fakes = Resources(regions=FakeRegions(found), faces=FakeFaces(faces))
    pic = picture if picture is not None else _card()
    det = ExposureDetector(fakes, min_scores=min_scores)
    return list(det.detect(Item("image", image=pic), fakes.analyse(pic)))


def _card(w: int = 400, h: int = 300) -> Picture:
    return picture_of(np.full((h, w, 3), 200, np.uint8), "card.png")


def test_every_nudenet_class_is_mapped_or_skipped() -> None:
    from nudenet import nudenet as nn

    vendor = set(nn.__dict__["__labels"])
    assert vendor == set(REGIONS) | SKIPPED_CLASSES
    assert len(EXPOSURE_LABELS) == len(REGIONS) == 16
    assert all(lbl.startswith("exposure.") and is_known_label(lbl) for lbl in EXPOSURE_LABELS)


@pytest.mark.parametrize(
    ("vendor", "label"),
    [
        ("BELLY_EXPOSED", "exposure.belly.exposed"),
        ("BELLY_COVERED", "exposure.belly.covered"),
        ("FEMALE_BREAST_COVERED", "exposure.breast_female.covered"),
        ("FEMALE_BREAST_EXPOSED", "exposure.breast_female.exposed"),
        ("MALE_BREAST_EXPOSED", "exposure.breast_male.exposed"),
        ("BUTTOCKS_COVERED", "exposure.buttocks.covered"),
        ("FEMALE_GENITALIA_COVERED", "exposure.genitalia_female.covered"),
        ("MALE_GENITALIA_EXPOSED", "exposure.genitalia_male.exposed"),
        ("ARMPITS_EXPOSED", "exposure.armpits.exposed"),
        ("FEET_COVERED", "exposure.feet.covered"),
        ("ANUS_COVERED", "exposure.anus.covered"),
    ],
)
def test_exposure_labels(vendor: str, label: str) -> None:
    box = ImageBox(10, 20, 30, 40)
    (f,) = _exposure([Region(vendor, 0.77, box)])
    region, state = label.split(".")[1:]
    assert f.label == label and f.score == pytest.approx(0.77)
    assert f.evidence == box
    assert f.attr("region") == region and f.attr("state") == state
    assert f.attr("vendor_class") == vendor
    assert f.detector == "exposure" and "nudenet" in f.detector_version


def test_faces_are_not_exposure_and_unknown_classes_are_ignored() -> None:
    box = ImageBox(0, 0, 50, 50)
    assert _exposure([
        Region("FACE_FEMALE", 0.99, box), Region("FACE_MALE", 0.99, box),
        Region("ELBOW_EXPOSED", 0.99, box),  # a class a future model might add
    ]) == []


def test_exposure_minimum_scores() -> None:
    assert set(DEFAULT_MIN_SCORES.values()) == {0.4}
    box = ImageBox(0, 0, 10, 10)
    regions = [Region("BELLY_EXPOSED", 0.39, box), Region("BELLY_COVERED", 0.40, box),
               Region("FEET_EXPOSED", 0.55, box), Region("ARMPITS_COVERED", 0.95, box)]
    got = [(f.label, f.score) for f in _exposure(regions)]
    # highest score first; 0.39 is under the default minimum
    assert got == [("exposure.armpits.covered", 0.95), ("exposure.feet.exposed", 0.55),
                   ("exposure.belly.covered", 0.40)]
    strict = _exposure(regions, min_scores={"feet": 0.6})
    assert "exposure.feet.exposed" not in {f.label for f in strict}
    with pytest.raises(ConfigurationError, match="unknown exposure regions"):
        ExposureDetector(min_scores={"elbow": 0.5})


def test_exposure_boxes_are_clipped_to_the_picture() -> None:
    (f,) = _exposure([Region("BELLY_COVERED", 0.9, ImageBox(350, 250, 100, 100))],
                     _card(400, 300))
    assert f.evidence == ImageBox(350, 250, 50, 50)


def test_exposure_findings_are_frozen() -> None:
    (f,) = _exposure([Region("BELLY_COVERED", 0.9, ImageBox(1, 2, 3, 4))])
    with pytest.raises(AttributeError):
        f.score = 0.1  # type: ignore[misc]


# --- exposure and faces: the real model on a benign photo -----------------------------------

def test_nudenet_on_the_astronaut_photo_sees_a_face_and_no_exposure() -> None:
    pic = _photo("astronaut")  # Eileen Collins, an adult, in her flight suit
    found = RESOURCES.analyse(pic).regions()
    faces = [r for r in found if r.cls.startswith("FACE_")]
    assert faces and max(r.score for r in faces) > 0.6
    face = max(faces, key=lambda r: r.score).box
    # her face is at about x 170-275, y 80-180 of the 512 x 512 photo
    assert _iou(face, ImageBox(170, 80, 105, 100)) > 0.5, face
    exposure = ExposureDetector(RESOURCES).detect(Item("image", image=pic))
    assert not [f for f in exposure if f.attr("state") == "exposed"], exposure


# --- suggestive.image ------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["astronaut", "coffee", "chelsea", "camera", "rocket"])
def test_nsfw_score_is_low_on_benign_photos(name: str) -> None:
    (f,) = SuggestiveImageDetector(RESOURCES).detect(Item("image", image=_photo(name)))
    assert f.label == Label.SUGGESTIVE_IMAGE
    # measured: astronaut 0.032, coffee 0.013, camera 0.004, rocket 0.0005, chelsea 0.0001
    assert f.score < 0.1, (name, f.score)
    assert isinstance(f.evidence, Fact) and f.evidence.name == "nsfw_score"
    assert float(f.evidence.value) == pytest.approx(f.score, abs=1e-4)


def test_nsfw_score_reads_the_pixels_in_memory() -> None:
    pic = _photo("coffee")
    det = SuggestiveImageDetector(RESOURCES)
    a = det.score(pic)
    b = det.score(picture_of(np.array(pic.pixels), "copy.png"))
    assert a == pytest.approx(b)
    assert 0.0 <= a <= 1.0


@pytest.mark.parametrize(("raw", "score"), [(0.93, 0.93), (0.0, 0.0), (1.2, 1.0), (-0.1, 0.0)])
def test_suggestive_image_mapping(raw: float, score: float) -> None:
    det = SuggestiveImageDetector(scorer=lambda p: raw)
    (f,) = det.detect(Item("image", image=_card()))
    assert f.score == pytest.approx(score)
    assert f.attr("nsfw_score") == pytest.approx(score)
    assert f.evidence == Fact("nsfw_score", f"{score:.4f}")
    assert f.detector == "suggestive-image"


def test_suggestive_image_floor() -> None:
    assert SuggestiveImageDetector(scorer=lambda p: 0.2, min_score=0.3).detect(
        Item("image", image=_card())) == ()
    assert SuggestiveImageDetector(scorer=lambda p: 0.3, min_score=0.3).detect(
        Item("image", image=_card()))
    with pytest.raises(ConfigurationError, match="min_score"):
        SuggestiveImageDetector(min_score=1.5)


# --- OCR: the real engine on drawn posters ---------------------------------------------------

def _similar(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a.upper(), b.upper()).ratio()


@pytest.fixture(scope="module")
def title_poster() -> tuple[Picture, list[ImageBox]]:
    px, boxes = drawn_poster([("CUTIES", 150), ("MIGNONNES", 110)], (1080, 1350), left=90,
                             top=120)
    return picture_of(px, "title-poster.png"), boxes


def test_ocr_reads_the_title_where_it_was_drawn(
        title_poster: tuple[Picture, list[ImageBox]]) -> None:
    pic, drawn = title_poster
    found = OcrDetector(RESOURCES).detect(Item("image", image=pic))
    lines = [f for f in found if f.label == Label.TEXT_OCR]
    for word, box in zip(("CUTIES", "MIGNONNES"), drawn, strict=True):
        best = max(lines, key=lambda f: _similar(str(f.attr("text")), word))
        assert _similar(str(best.attr("text")), word) >= 0.8, (word, lines)
        assert isinstance(best.evidence, ImageBox)
        assert _contains(best.evidence, box) and _iou(best.evidence, box) > 0.5, (
            word, best.evidence, box)
        assert best.score > 0.8 and best.attr("confidence") == pytest.approx(best.score, abs=1e-4)
    assert [f.attr("line") for f in lines] == list(range(len(lines)))


@pytest.fixture(scope="module")
def synopsis_poster() -> tuple[Picture, list[ImageBox]]:
    # Text only, over a photo of a rocket: the words of the Cuties artwork case, never a person.
    px, boxes = drawn_poster([("CUTIES", 140), ("AMY, 11", 64), ("TWERK", 64)], (1080, 1350),
                             left=80, top=60)
    rocket = np.asarray(skdata.rocket())[::2, ::2]
    px = px.copy()
    px[600:600 + rocket.shape[0], 200:200 + rocket.shape[1]] = rocket
    return picture_of(px, "synopsis-poster.png"), boxes


def test_ocr_text_is_screened_as_copy(synopsis_poster: tuple[Picture, list[ImageBox]]) -> None:
    pic, drawn = synopsis_poster
    found = OcrDetector(RESOURCES).detect(Item("image", image=pic))
    minor = [f for f in found if f.label == Label.MINOR_MENTIONED]
    sugg = [f for f in found if f.label == Label.SUGGESTIVE_TEXT]
    assert minor and sugg, found
    m, s = minor[0], sugg[0]
    assert m.attr("age") == 11 and m.attr("group") == "child"
    assert s.attr("category") == "sexualised_dance" and s.attr("source") == "lexicon"
    for f, box in ((m, drawn[1]), (s, drawn[2])):
        assert isinstance(f.evidence, ImageBox)
        # OCR boxes are padded around the glyphs; they hold the drawn text and little else
        assert _contains(f.evidence, box) and _iou(f.evidence, box) > 0.4, (f.evidence, box)
        assert f.attr("via") == "ocr" and f.detector == "ocr"
    assert str(s.attr("text")).upper() == "TWERK"


def test_ocr_findings_reach_the_policy(synopsis_poster: tuple[Picture, list[ImageBox]]) -> None:
    pic, _ = synopsis_poster
    found = OcrDetector(RESOURCES).detect(Item("image", image=pic))
    assert evaluate(found, load_policy(None)).outcome != "pass"


_ACCENT_FONTS = [Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
                 Path("/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf")]


def test_ocr_reads_french_accents() -> None:
    font = next((f for f in _ACCENT_FONTS if f.is_file()), None)
    if font is None:
        pytest.skip("no TrueType font with accented letters on this machine (Pillow's bundled "
                    "font has none)")
    px, drawn = drawn_poster([("MIGNONNES", 110), ("Elle découvre sa féminité", 52),
                              ("AU CINÉMA LE 19 AOÛT", 40)], (1080, 600), font_path=str(font))
    found = OcrDetector(RESOURCES).detect(Item("image", image=picture_of(px, "affiche.png")))
    texts = [str(f.attr("text")) for f in found if f.label == Label.TEXT_OCR]
    assert any(_similar(t, "Elle découvre sa féminité") >= 0.9 for t in texts), texts
    assert any(_similar(t, "AU CINÉMA LE 19 AOÛT") >= 0.9 for t in texts), texts
    (s,) = [f for f in found if f.label == Label.SUGGESTIVE_TEXT]
    assert s.attr("category") == "sexual_awakening"
    assert isinstance(s.evidence, ImageBox) and _contains(s.evidence, drawn[1])


def test_ocr_on_a_blank_picture_finds_nothing() -> None:
    blank = picture_of(np.full((700, 500, 3), 255, np.uint8), "blank.png")
    assert OcrDetector(RESOURCES).detect(Item("image", image=blank)) == []
    engine = RESOURCES.models.get(ocr.RAPIDOCR)
    assert ocr.read_lines(engine, picture_of(np.zeros((8, 8, 3), np.uint8), "tiny.png")) == ()


def test_models_load_from_the_wheels_without_the_network(
        monkeypatch: pytest.MonkeyPatch, synopsis_poster: tuple[Picture, list[ImageBox]]) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a model tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    fresh = ModelShelf(threads=1)  # new sessions, not the module's
    out = fresh.get(ocr.RAPIDOCR).engine(
        np.ascontiguousarray(synopsis_poster[0].pixels[:, :, ::-1]))
    assert "CUTIES" in out.txts
    clf = fresh.get(nsfw.OPEN_NSFW)
    assert 0.0 <= clf.classify(synopsis_poster[0].pixels).nsfw <= 1.0
    nude = fresh.get(regions.NUDENET)
    rgba = np.dstack([synopsis_poster[0].pixels, np.full((1350, 1080), 255, np.uint8)])
    assert isinstance(nude.detect(rgba), list)


# --- OCR: from lines to findings, with a fake reader -----------------------------------------

def _line(text: str, x: int, y: int, w: int = 200, h: int = 40, conf: float = 0.98) -> OcrLine:
    return OcrLine(text, conf, ImageBox(x, y, w, h))


def _ocr(lines: Sequence[OcrLine]) -> list[Finding]:
    det = OcrDetector(reader=lambda p: lines)
    return list(det.detect(Item("image", image=_card(1200, 1200))))


def _of(found: Sequence[Finding], label: str) -> list[Finding]:
    return [f for f in found if f.label == label]


def test_reading_order_rows_then_left_to_right() -> None:
    a, b = _line("WINNER SUNDANCE DIRECT", 80, 900, w=300), _line("ING AWARD", 390, 905, w=120)
    top = _line("CUTIES", 100, 50, h=120)
    rows = reading_rows([b, a, top])
    assert [[ln.text for ln in r] for r in rows] == [["CUTIES"],
                                                     ["WINNER SUNDANCE DIRECT", "ING AWARD"]]
    found = _ocr([b, a, top])
    assert [f.attr("text") for f in _of(found, Label.TEXT_OCR)] == [
        "CUTIES", "WINNER SUNDANCE DIRECT", "ING AWARD"]


def test_stated_age_on_its_own_line_and_glued_comma() -> None:
    found = _ocr([_line("AMY,11", 80, 400), _line("TWERK", 80, 460)])
    (m,) = _of(found, Label.MINOR_MENTIONED)
    assert m.attr("age") == 11 and m.evidence == ImageBox(80, 400, 200, 40)
    assert m.attr("ocr_text") == "AMY,11" and m.attr("copy_detector") == "minor-mention"
    (s,) = _of(found, Label.SUGGESTIVE_TEXT)
    assert s.evidence == ImageBox(80, 460, 200, 40) and s.attr("line") == 1


def test_french_poster_text() -> None:
    found = _ocr([_line("MIGNONNES", 80, 100, h=90), _line("Chloé, 11 ans, découvre sa féminité",
                                                             80, 400, w=700)])
    assert _of(found, Label.MINOR_MENTIONED)[0].attr("age") == 11
    assert _of(found, Label.SUGGESTIVE_TEXT)[0].attr("category") == "sexual_awakening"


def test_phrase_broken_across_rows_gets_both_boxes() -> None:
    found = _ocr([_line("SHE JOINS A CREW OF POLE", 80, 400, w=600),
                  _line("DANCERS TONIGHT", 80, 450, w=400)])
    (s,) = _of(found, Label.SUGGESTIVE_TEXT)
    assert s.evidence == ImageBox(80, 400, 600, 90)
    assert s.attr("ocr_text") == "SHE JOINS A CREW OF POLE / DANCERS TONIGHT"


def test_words_found_once_and_benign_text_is_only_text() -> None:
    found = _ocr([_line("TWERK TWERK", 80, 100), _line("IN THEATRES SEPTEMBER 9", 80, 200)])
    assert len(_of(found, Label.SUGGESTIVE_TEXT)) == 2  # two occurrences, one finding each
    benign = _ocr([_line("A RETIRED DETECTIVE RETURNS", 80, 100), _line("SEASON 11", 80, 160)])
    assert {f.label for f in benign} == {Label.TEXT_OCR}
    assert _ocr([]) == []


def test_detection_input_is_bounded_by_pixels_and_reaches_the_engine() -> None:
    assert ocr.det_side(1080, 1350) == 371
    assert ocr.det_side(1280, 720) == 442
    assert ocr.det_side(200, 150) == 200  # never enlarged
    assert ocr.det_side(4000, 10) == 4000 and ocr.det_side(1, 1) == 32
    wide = picture_of(drawn_poster([("OPEN WATER", 60)], (1280, 720))[0], "wide.png")
    loaded = RESOURCES.models.get(ocr.RAPIDOCR)
    ocr.read_lines(loaded, wide)
    engine = loaded.engine
    # RapidOCR reads this attribute on every call: if an upgrade moves it, this fails
    assert engine.text_det.limit_side_len == 442
    assert engine.text_det.get_preprocess().limit_side_len == 442


def test_quad_boxes_are_upright_and_clipped() -> None:
    quad = np.array([[101.2, 104.0], [624.0, 100.6], [625.0, 264.0], [-3.0, 266.4]])
    assert quad_box(quad, 600, 250) == ImageBox(0, 100, 600, 150)


def test_ocr_settings_are_checked() -> None:
    with pytest.raises(ConfigurationError, match="det_pixels"):
        OcrDetector(det_pixels=100)


def test_ocr_declares_what_it_re_emits() -> None:
    """The copy findings read off a picture carry the copy detector's attributes and OCR's."""
    for copy in ocr.COPY_DETECTORS:
        for label, schema in copy.emits.items():
            assert set(schema) | {"via", "text", "ocr_text", "line", "copy_detector"} == \
                set(OcrDetector.emits[label])
        assert f"+{copy.name}.{copy.version}" in OcrDetector.version


def _px(arr: npt.NDArray[np.uint8]) -> Picture:
    return picture_of(arr, "x.png")


def test_picture_of_hashes_shape_and_pixels() -> None:
    a = np.zeros((4, 6, 3), np.uint8)
    assert _px(a).sha256 != _px(a.reshape(6, 4, 3)).sha256
    assert _px(a).sha256 == _px(a.copy()).sha256
    with pytest.raises(ValueError, match="RGB"):
        picture_of(np.zeros((4, 4), np.uint8), "grey.png")


def test_a_region_that_is_mostly_a_face_is_dropped() -> None:
    """NudeNet once called a close-up face on a shared face crop an exposed body region; a body
    region covered by a face box is not reported."""
    pic = picture_of(np.full((200, 200, 3), 128, np.uint8), "crop.png")
    whole = Region("FEMALE_GENITALIA_EXPOSED", 0.52, ImageBox(18, 5, 181, 194))
    belly = Region("BELLY_EXPOSED", 0.8, ImageBox(0, 150, 60, 50))
    assert _exposure([whole, belly], pic, faces=[ImageBox(0, 0, 200, 200)]) == []
    found = _exposure([whole, belly], pic, faces=[ImageBox(0, 0, 100, 100)])
    assert sorted(f.label for f in found) == ["exposure.belly.exposed",
                                              "exposure.genitalia_female.exposed"]
