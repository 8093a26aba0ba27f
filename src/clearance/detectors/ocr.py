"""``text.ocr``: text in an image, read by RapidOCR and then screened as copy.

The engine is ``rapidocr`` 3.10.0 on onnxruntime with the PP-OCRv6 *small* detection and
recognition models that ship inside its wheel. Their paths are passed explicitly, so RapidOCR's
download-on-first-use code never runs (a test runs it with the network refused). The recognition
model's alphabet covers Latin script with French accents. The 180-degree angle classifier is off:
it cost ~4 ms and changed nothing on poster text.

**Speed** (``bench/bench_images.py``, one core, drawn posters with a photo, a title, a tagline,
two lines of small print and a billing block): the detection model's cost grows with its input's
pixels, so the picture is shrunk for detection to at most :data:`DEFAULT_DET_PIXELS` pixels
(110,000, e.g. 297 x 371 for a 1080 x 1350 poster, 442 x 249 for 1280 x 720; never enlarged;
recognition still reads the line crops at full resolution). A pixel budget rather than a fixed
long side keeps the cost, and the size at which text is still found, alike for portrait, square
and landscape pictures. By ``--sweep``: 110,000 pixels read every title, tagline and small-print
line (down to 2.5 % of the short side) on all three bench sizes at 190-205 ms of OCR per 1080 x 1350
poster; a fixed long side of 384 cost ~205 ms there and missed 25 % of the small print on
1280 x 720; 90,000 pixels missed 10-25 % (and 100,000 once missed 45 % on 1280 x 720: the
margin above the smallest print is thin); billing blocks (1 % of the short side) are mostly not
read at any of these; the package default (short side scaled *up* to 736) costs ~1.5 s.
Recognition costs ~18 ms per line, one line at a time (``rec_batch_num`` 1 avoids padding short
lines to the longest: about -25 % on posters).

**Findings**

* one ``text.ocr`` per line: evidence the line's box in picture pixels, score the recognition
  confidence, attributes ``text``, ``confidence`` and ``line`` (index in reading order). Lines under
  :data:`MIN_CONFIDENCE` are dropped.
* the lines are then screened by the copy detectors (:class:`MinorMentionDetector`,
  :class:`SuggestiveTextDetector`; not the slow semantic stage). Reading order is top to bottom,
  rows left to right; each row of text is one sentence (a full stop is added where the row has no
  end punctuation, so "AMY, 11" on its own line reads as a stated age), and a second pass over
  the rows run together catches phrases broken across rows ("POLE" / "DANCING"). OCR spacing is
  unreliable, so a comma glued to the next word gets a space ("AMY,11" -> "AMY, 11"). Each copy
  finding is re-emitted with the same label, score and attributes, its evidence the box around
  the lines it came from, plus ``via`` = ``ocr``, ``text`` (the matched words), ``ocr_text`` (the
  lines' text), ``line`` and ``copy_detector``. ``source`` stays the copy detector's own
  (``lexicon``), so policy rules on copy apply to the words on a poster unchanged.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from threading import Lock
from typing import TYPE_CHECKING, Any, ClassVar, Final

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

from clearance.content.picture import Picture, picture_of
from clearance.content.text import make_copy
from clearance.detectors.analysis import PictureAnalysis
from clearance.detectors.base import CopyDetector, Example, ImageDetector, Item
from clearance.detectors.extras import IMAGES, Availability, package_dir, unavailable
from clearance.detectors.minors import MinorMentionDetector
from clearance.detectors.models import Model, ModelShelf
from clearance.detectors.suggestive import SuggestiveTextDetector
from clearance.errors import ConfigurationError
from clearance.findings import Attr, Emits, Finding, ImageBox, Label, Schema, TextSpan

if TYPE_CHECKING:
    from clearance.detectors.resources import Resources

#: The most pixels the text detection model sees; larger pictures are shrunk (never enlarged).
DEFAULT_DET_PIXELS: Final = 110_000
#: Lines recognised with less confidence than this are dropped.
MIN_CONFIDENCE: Final = 0.5
MODEL_FILES: Final = {"det": "PP-OCRv6_det_small.onnx", "rec": "PP-OCRv6_rec_small.onnx"}
MODEL: Final = "rapidocr-3.10.0/PP-OCRv6-small"
_MAX_TEXT_BYTES: Final = 1_000_000
_END_PUNCT: Final = ".!?…;:"
_GLUED_COMMA = re.compile(r"(?<=[^\W\d_]),(?=\w)")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class OcrLine:
    """One line of text found in a picture."""

    text: str
    confidence: float
    box: ImageBox


OcrReader = Callable[[Picture], Sequence[OcrLine]]


def model_files() -> tuple[Path | None, ...]:
    """The PP-OCRv6 models inside the rapidocr wheel (None: the package is missing)."""
    root = package_dir("rapidocr")
    return tuple(None if root is None else root / "models" / f for f in MODEL_FILES.values())


class OcrEngine:
    """RapidOCR with the models from its wheel, and the lock its calls need (it keeps per-call
    state: the detection size is set before each picture)."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.lock = Lock()


def _load(threads: int | None) -> OcrEngine:
    files = model_files()
    if any(f is None or not f.is_file() for f in files):
        raise unavailable("ocr needs the 'rapidocr' package with its bundled PP-OCRv6 models",
                          IMAGES)
    root = Path(str(files[0])).parent
    from rapidocr import RapidOCR

    params: dict[str, Any] = {
        "Global.log_level": "error",  # an image without text is not a warning
        "Global.use_cls": False,
        "Global.text_score": MIN_CONFIDENCE,
        "Det.model_path": str(root / MODEL_FILES["det"]),
        "Det.limit_type": "max",
        "Det.limit_side_len": 736,  # replaced for every picture: see det_side()
        "Rec.model_path": str(root / MODEL_FILES["rec"]),
        "Rec.rec_batch_num": 1,
        "EngineConfig.onnxruntime.intra_op_num_threads": threads or -1,
        "EngineConfig.onnxruntime.inter_op_num_threads": 1,
    }
    return OcrEngine(RapidOCR(params=params))


#: RapidOCR (PP-OCRv6 small detection and recognition, from the wheel).
RAPIDOCR: Model[OcrEngine] = Model("rapidocr-3.10.0/PP-OCRv6-small", _load)


def load(models: ModelShelf) -> None:
    """Load the models now (they are otherwise loaded by the first picture with text); RapidOCR
    creates each session on first use, so a word is read to create both (benchmarks)."""
    ocr = models.get(RAPIDOCR)
    card, _ = drawn_poster([("LOAD", 48)], (240, 110))
    with ocr.lock:
        ocr.engine(np.ascontiguousarray(card[:, :, ::-1]))


def det_side(width: int, height: int, det_pixels: int = DEFAULT_DET_PIXELS) -> int:
    """The long side of the detection input for a picture: at most ``det_pixels`` pixels."""
    scale = min(1.0, math.sqrt(det_pixels / max(1, width * height)))
    return max(32, round(max(width, height) * scale))


def _set_det_side(engine: Any, side: int) -> None:
    # RapidOCR 3.10 reads TextDetector.limit_side_len on every call (cfg.Det before the detector
    # exists); tests/test_image_detectors.py checks that this still holds.
    if engine.text_det is None:
        engine.cfg.Det.limit_side_len = side
    else:
        engine.text_det.limit_side_len = side


def read_lines(ocr: OcrEngine, picture: Picture, *, det_pixels: int = DEFAULT_DET_PIXELS,
               ) -> tuple[OcrLine, ...]:
    """The lines of text in the picture, in reading order (``ocr``: the loaded
    :data:`RAPIDOCR`)."""
    import cv2  # installed with rapidocr

    bgr = cv2.cvtColor(picture.pixels, cv2.COLOR_RGB2BGR)  # RapidOCR reads arrays as BGR
    with ocr.lock:
        _set_det_side(ocr.engine, det_side(picture.width, picture.height, det_pixels))
        out = ocr.engine(bgr)
    boxes, txts, scores = (getattr(out, a, None) for a in ("boxes", "txts", "scores"))
    if boxes is None or txts is None or scores is None:
        return ()
    lines = []
    for quad, text, conf in zip(boxes, txts, scores, strict=True):
        text = _SPACES.sub(" ", str(text)).strip()
        if text and float(conf) >= MIN_CONFIDENCE:
            lines.append(OcrLine(text, min(1.0, float(conf)),
                                 quad_box(quad, picture.width, picture.height)))
    return tuple(line for row in reading_rows(lines) for line in row)


def quad_box(quad: npt.ArrayLike, width: int, height: int) -> ImageBox:
    """The upright box around a quadrilateral, clipped to the image."""
    pts = np.asarray(quad, dtype=float).reshape(-1, 2)
    x0 = int(np.clip(np.floor(pts[:, 0].min()), 0, width))
    y0 = int(np.clip(np.floor(pts[:, 1].min()), 0, height))
    x1 = int(np.clip(np.ceil(pts[:, 0].max()), 0, width))
    y1 = int(np.clip(np.ceil(pts[:, 1].max()), 0, height))
    return ImageBox(x0, y0, x1 - x0, y1 - y0)


def union_box(boxes: Iterable[ImageBox]) -> ImageBox:
    bs = list(boxes)
    x0, y0 = min(b.x for b in bs), min(b.y for b in bs)
    x1 = max(b.x + b.width for b in bs)
    y1 = max(b.y + b.height for b in bs)
    return ImageBox(x0, y0, x1 - x0, y1 - y0)


def reading_rows(lines: Iterable[OcrLine]) -> list[list[OcrLine]]:
    """Lines grouped into rows (vertical centres closer than half the smaller height), rows top
    to bottom, lines in a row left to right."""
    rows: list[list[OcrLine]] = []
    for ln in sorted(lines, key=lambda ln: ln.box.y + ln.box.height / 2):
        cy = ln.box.y + ln.box.height / 2
        if rows:
            last = rows[-1]
            row_cy = sum(r.box.y + r.box.height / 2 for r in last) / len(last)
            row_h = min(r.box.height for r in last)
            if abs(cy - row_cy) < 0.5 * min(row_h, ln.box.height):
                last.append(ln)
                continue
        rows.append([ln])
    for row in rows:
        row.sort(key=lambda ln: ln.box.x)
    return rows


def normalise(text: str) -> str:
    """OCR text as copy: single spaces, and a space after a comma glued to the next word."""
    return _GLUED_COMMA.sub(", ", _SPACES.sub(" ", text).strip())


@dataclass(frozen=True, slots=True)
class _Segment:
    start: int
    end: int
    line: int
    row: int


def assemble(rows: Sequence[Sequence[OcrLine]], *, rows_as_sentences: bool,
             ) -> tuple[str, list[_Segment]]:
    """Copy text from rows of lines, and where each line's text lies in it. Lines of a row are
    joined by a space; rows by a line break (each row its own sentence, ended with a full stop
    where it has no end punctuation) or, with ``rows_as_sentences=False``, by a space."""
    parts: list[str] = []
    segments: list[_Segment] = []
    pos = 0
    index = 0
    for r, row in enumerate(rows):
        if r:
            sep = "\n" if rows_as_sentences else " "
            parts.append(sep)
            pos += len(sep)
        for i, ln in enumerate(row):
            if i:
                parts.append(" ")
                pos += 1
            text = normalise(ln.text)
            parts.append(text)
            segments.append(_Segment(pos, pos + len(text), index, r))
            pos += len(text)
            index += 1
        if rows_as_sentences and parts and parts[-1] and parts[-1][-1] not in _END_PUNCT:
            parts.append(".")
            pos += 1
    return "".join(parts), segments


COPY_DETECTORS: Final[tuple[type[CopyDetector], ...]] = (MinorMentionDetector,
                                                          SuggestiveTextDetector)
#: What a copy finding read off a picture carries besides the copy detector's own attributes.
_VIA_OCR: Final[Schema] = {
    "via": Attr(str, values=frozenset({"ocr"})),
    "text": Attr(str, doc="the matched words"),
    "ocr_text": Attr(str, doc="the text of the lines they came from"),
    "line": Attr(int, doc="index of the first of those lines in reading order"),
    "copy_detector": Attr(str, values=frozenset(d.name for d in COPY_DETECTORS)),
}


def _emits() -> Emits:
    out: dict[str, Schema] = {Label.TEXT_OCR: {
        "text": Attr(str), "confidence": Attr(float), "line": Attr(int),
    }}
    for det in COPY_DETECTORS:
        for label, schema in det.emits.items():
            out[label] = {**out.get(label, {}), **schema, **_VIA_OCR}
    return out


class OcrDetector(ImageDetector):
    """Text in images (``text.ocr``), screened by the copy detectors."""

    name: ClassVar[str] = "ocr"
    #: The engine and the detection budget, and the copy detectors' versions (their findings are
    #: re-emitted as this detector's).
    version: ClassVar[str] = (
        f"1+{MODEL}/det{DEFAULT_DET_PIXELS}px"
        + "".join(f"+{d.name}.{d.version}" for d in COPY_DETECTORS))
    emits: ClassVar[Emits] = _emits()

    def __init__(self, resources: Resources | None = None, *, reader: OcrReader | None = None,
                 det_pixels: int = DEFAULT_DET_PIXELS) -> None:
        """``reader`` replaces the OCR engine (tests); ``det_pixels`` bounds the detection
        input (benchmarks; the version names the default). The text read is screened by
        :data:`COPY_DETECTORS`."""
        if det_pixels < 32 * 32:
            raise ConfigurationError(f"det_pixels must be at least {32 * 32}, got {det_pixels}")
        super().__init__(resources)
        self.det_pixels = det_pixels
        self._reader = reader
        self.copy_detectors: tuple[CopyDetector, ...] = tuple(
            d(self.resources) for d in COPY_DETECTORS)

    @classmethod
    def is_available(cls) -> Availability:
        return Availability.of(IMAGES, ("rapidocr", "onnxruntime", "cv2"), model_files())

    def read(self, picture: Picture) -> tuple[OcrLine, ...]:
        """The lines of text in the picture, in reading order."""
        if self._reader is not None:
            return tuple(line for row in reading_rows(self._reader(picture)) for line in row)
        return read_lines(self.resources.models.get(RAPIDOCR), picture,
                          det_pixels=self.det_pixels)

    def scan(self, analysis: PictureAnalysis) -> Sequence[Finding]:
        return self.findings(self.read(analysis.picture))

    def findings(self, lines: Sequence[OcrLine]) -> list[Finding]:
        """``text.ocr`` for every line (in reading order), then the copy findings on the text."""
        rows = reading_rows(lines)
        ordered = [ln for row in rows for ln in row]
        out = [
            Finding(
                label=Label.TEXT_OCR,
                score=ln.confidence,
                evidence=ln.box,
                detector=self.name,
                detector_version=self.version,
                attributes=(("text", ln.text), ("confidence", round(ln.confidence, 4)),
                            ("line", i)),
            )
            for i, ln in enumerate(ordered)
        ]
        if ordered:
            out.extend(self._screen(rows, ordered))
        return out

    def _screen(self, rows: Sequence[Sequence[OcrLine]], ordered: Sequence[OcrLine],
                ) -> list[Finding]:
        found: list[Finding] = []
        for rows_as_sentences in (True, False):
            if not rows_as_sentences and len(rows) < 2:
                break
            text, segments = assemble(rows, rows_as_sentences=rows_as_sentences)
            copy = make_copy(text, max_bytes=_MAX_TEXT_BYTES)
            for det in self.copy_detectors:
                for f in det.scan(copy):
                    if not isinstance(f.evidence, TextSpan):
                        continue
                    ev = f.evidence
                    hit = [s for s in segments if s.start < ev.end and ev.start < s.end]
                    if not hit:
                        continue
                    # Rows are sentences in the first pass, so its findings lie within one
                    # row; the second pass only adds phrases broken across rows.
                    if not rows_as_sentences and len({s.row for s in hit}) < 2:
                        continue
                    found.append(self._reemit(f, ev, [ordered[s.line] for s in hit],
                                              hit[0].line))
        return found

    def _reemit(self, f: Finding, span: TextSpan, lines: Sequence[OcrLine],
                first_line: int) -> Finding:
        return Finding(
            label=f.label,
            score=f.score,
            evidence=union_box(ln.box for ln in lines),
            detector=self.name,
            detector_version=self.version,
            attributes=(
                *f.attributes,
                ("via", "ocr"),
                ("text", span.text),
                ("ocr_text", " / ".join(ln.text for ln in lines)),
                ("line", first_line),
                ("copy_detector", f.detector),
            ),
        )

    @classmethod
    def examples(cls) -> Sequence[Example]:
        poster, _ = drawn_poster([("CUTIES", 120), ("AMY, 11", 64), ("TWERK", 64)], (720, 540))
        blank = np.full((300, 400, 3), 255, np.uint8)
        ocr = frozenset({Label.TEXT_OCR, Label.MINOR_MENTIONED, Label.SUGGESTIVE_TEXT})
        return (
            Example(Item("image", image=picture_of(poster, "poster.png")), expect=ocr),
            Example(Item("image", image=picture_of(blank, "blank.png")), forbid=ocr),
        )


def drawn_poster(lines: Sequence[tuple[str, int]], size: tuple[int, int], *,
                 background: tuple[int, int, int] = (24, 32, 80), left: int = 40,
                 top: int = 30, spacing: float = 1.4, font_path: str | None = None,
                 ) -> tuple[npt.NDArray[np.uint8], list[ImageBox]]:
    """A poster drawn in code (examples, tests, benchmarks): each ``(text, pixel size)`` on its
    own row, white on a dark background, made bold by stroking from 80 px up. Returns the pixels
    and the box of every drawn text. The font is Pillow's bundled one unless ``font_path`` names a
    TrueType file; the bundled font has **no accented letters** (it draws boxes for é, à, ...),
    so French text needs a font file."""
    width, height = size
    im = Image.new("RGB", (width, height), background)
    d = ImageDraw.Draw(im)
    boxes = []
    y = top
    for text, px in lines:
        font = ImageFont.load_default(size=px) if font_path is None \
            else ImageFont.truetype(font_path, px)
        stroke = max(1, px // 40) if px >= 80 else 0
        d.text((left, y), text, font=font, fill=(255, 255, 255), stroke_width=stroke,
               stroke_fill=(255, 255, 255))
        x0, y0, x1, y1 = d.textbbox((left, y), text, font=font, stroke_width=stroke)
        boxes.append(ImageBox(int(x0), int(y0), int(x1 - x0), int(y1 - y0)))
        y += int(px * spacing)
    return np.asarray(im, dtype=np.uint8), boxes
