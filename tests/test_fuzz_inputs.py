"""Fuzzing the parsers that take outside input (issue 10, "Also"): catalog CSV/YAML/JSON, vendor
JSON, image intake and copy intake. Whatever the bytes, the answer is a result or a
:class:`~clearance.errors.ClearanceError` -- never another exception, which the CLI would report
as exit 70 "internal error" (and the API as a 500).

Bounded: a few hundred examples per target, no shrinking database, so the whole file runs in
well under 30 s. Each test starts from valid seeds and mutates their bytes (flips, cuts,
insertions, splices) besides drawing arbitrary text.
"""

from __future__ import annotations

import io
import json
import os
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from clearance.catalog import read_catalog
from clearance.content.images import load_picture
from clearance.content.text import make_copy
from clearance.errors import ClearanceError
from clearance.vendors import parse_vendor_findings

#: Examples per target: CLEARANCE_FUZZ_EXAMPLES raises it for a longer campaign (the suite's
#: default keeps the file under 30 s).
EXAMPLES = int(os.environ.get("CLEARANCE_FUZZ_EXAMPLES", "300"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])

CSV_SEED = (
    "show_id,type,title,director,cast,country,date_added,release_year,rating,duration,"
    "listed_in,description\n"
    's1,Movie,Mignonnes,Maïmouna Doucouré,"Fathia Youssouf, Médina El Aidi",France,'
    '"September 9, 2020",2020,TV-MA,96 min,"Dramas, International Movies",'
    '"Amy, 11, joins a dance crew."\n'
    "s2,TV Show,Lighthouse,,,,,2019,PG,1 Season,Docuseries,A keeper and a storm.\n"
).encode()
YAML_SEED = b"""\
format: clearance-catalog/1
people:
  - {name: Fathia Youssouf, date_of_birth: 2007-11-30}
  - {name: Grown Up, date_of_birth: 1980-05-05, ref: grown}
titles:
  - id: cat-1
    original_title: Mignonnes
    type: movie
    rating: TV-MA
    localised_titles: {en: Cuties, fr: Mignonnes}
    hashtags: ["#Cuties"]
    credits:
      - {person: Fathia Youssouf, role: cast, character: Amy}
      - {person: grown, role: director}
    assets:
      - kind: synopsis
        locale: en
        versions:
          - {text: Eleven-year-old Amy starts to rebel., shoot_date: 2019-08-01}
"""
JSON_SEED = json.dumps({
    "format": "clearance-catalog/1",
    "people": [{"name": "Fathia Youssouf", "date_of_birth": "2007-11-30"}],
    "titles": [{"id": "cat-1", "original_title": "Mignonnes", "type": "movie",
                "credits": [{"person": "Fathia Youssouf", "role": "cast"}],
                "assets": [{"kind": "tagline", "versions": [{"text": "Dance."}]}]}],
}).encode()


def _mutated(seed: bytes) -> st.SearchStrategy[bytes]:
    """``seed`` with a few random edits: byte flips, deletions, insertions and cuts."""

    def apply(edits: list[tuple[int, int, bytes]], cut: int | None) -> bytes:
        data = bytearray(seed)
        for kind, at, chunk in edits:
            if not data:
                break
            where = at % len(data)
            if kind == 0:
                data[where] ^= (chunk[:1] or b"\x01")[0] or 1
            elif kind == 1:
                del data[where:where + 1 + len(chunk)]
            else:
                data[where:where] = chunk
        return bytes(data[:cut] if cut is not None else data)

    edit = st.tuples(st.integers(0, 2), st.integers(0, 1 << 20), st.binary(max_size=8))
    cut = st.none() | st.integers(0, max(len(seed), 1))
    return st.builds(apply, st.lists(edit, max_size=6), cut)


def _tokens(*extra: bytes) -> st.SearchStrategy[bytes]:
    """Inputs spliced from syntax tokens: the shapes a parser finds hard."""
    pieces = st.sampled_from([b"[", b"]", b"{", b"}", b":", b",", b"-", b"\n", b"  ", b"'",
                              b'"', b"&a", b"*a", b"!!", b"!!python/object:os.system", b"#",
                              b"\x00", b"\xff", b"\xef\xbb\xbf", b"---", b"...", b"|", b">",
                              b"titles", b"people", b"id", b"1e400", b"NaN", b"\\u0000",
                              *extra])
    return st.lists(pieces, max_size=40).map(b"".join)


def _expect_clean(call: object) -> object:
    try:
        return call()  # type: ignore[operator]
    except ClearanceError:
        return None


@pytest.mark.parametrize(("suffix", "seed"), [(".csv", CSV_SEED), (".yaml", YAML_SEED),
                                              (".json", JSON_SEED)])
def test_catalog_files(suffix: str, seed: bytes, tmp_path_factory: pytest.TempPathFactory
                       ) -> None:
    folder = tmp_path_factory.mktemp("fuzz-catalog")
    (folder / "art.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16)
    path = folder / f"catalog{suffix}"

    @FUZZ
    @given(data=_mutated(seed) | _tokens(b"file: art.png", b"file: ../x", b"show_id,type"))
    def read(data: bytes) -> None:
        path.write_bytes(data)
        _expect_clean(lambda: read_catalog(path))

    read()


def _vendor_seeds() -> list[bytes]:
    seeds = [resources.files("clearance.demo.data").joinpath(name).read_bytes()
             for name in ("vendor-replacement.json", "vendor-withdrawn.json")]
    seeds.append(json.dumps({"responses": [{"safeSearchAnnotation": {
        "adult": "UNLIKELY", "racy": "POSSIBLE"}, "faceAnnotations": [{
            "boundingPoly": {"vertices": [{"x": 1, "y": 2}, {"x": 30, "y": 40}]},
            "detectionConfidence": 0.9}]}]}).encode())
    seeds.append(json.dumps({"status": [{"response": {"output": [{"classes": [
        {"class": "general_nsfw", "score": 0.9}]}]}}]}).encode())
    return seeds


_JSON = st.recursive(st.none() | st.booleans() | st.floats(allow_nan=False) | st.integers()
                     | st.text(max_size=10),
                     lambda inner: st.lists(inner, max_size=4)
                     | st.dictionaries(st.sampled_from(
                         ["ModerationLabels", "FaceDetails", "BoundingBox", "Width", "Name",
                          "Confidence", "responses", "safeSearchAnnotation", "status",
                          "output", "classes", "score", "class", "x", "y", "vertices"]),
                         inner, max_size=4), max_leaves=25)


@FUZZ
@given(data=st.one_of(*[_mutated(s) for s in _vendor_seeds()],
                      _JSON.map(lambda v: json.dumps(v).encode()), _tokens()),
       width=st.integers(-2, 5000), height=st.integers(-2, 5000))
def test_vendor_json(data: bytes, width: int, height: int) -> None:
    _expect_clean(lambda: parse_vendor_findings(data, width=width, height=height,
                                                source="fuzz.json"))


def _image_seeds() -> list[bytes]:
    seeds = []
    base = Image.new("RGB", (12, 9), (200, 120, 40))
    base.putpixel((3, 3), (0, 0, 255))
    for fmt, mode in (("PNG", "RGBA"), ("JPEG", "RGB"), ("GIF", "P"), ("BMP", "RGB"),
                      ("TIFF", "CMYK"), ("WEBP", "RGB"), ("PNG", "I;16"), ("TIFF", "F")):
        buffer = io.BytesIO()
        base.convert(mode).save(buffer, fmt)
        seeds.append(buffer.getvalue())
    return seeds


IMAGE_SEEDS = _image_seeds()


@FUZZ
@given(data=st.one_of(*[_mutated(s) for s in IMAGE_SEEDS]))
def test_image_intake(data: bytes) -> None:
    picture = _expect_clean(lambda: load_picture(data, "fuzz", max_bytes=200_000,
                                                 max_pixels=4_000_000))
    if picture is not None:
        assert picture.pixels.ndim == 3 and picture.pixels.shape[2] == 3  # type: ignore[attr-defined]


@settings(max_examples=EXAMPLES, deadline=None, database=None)
@given(text=st.text(max_size=300) | st.text(alphabet=st.characters(codec="utf-8"), max_size=40)
       | st.sampled_from(["\ud800", "a\udfffb", "\x00" * 10, "\u202e" * 5, " \u200b ", "."]),
       limit=st.integers(1, 400))
def test_copy_intake(text: str, limit: int) -> None:
    copy = _expect_clean(lambda: make_copy(text, max_bytes=limit))
    if copy is not None:
        for sentence in copy.sentences:  # type: ignore[attr-defined]
            assert text[sentence.start:sentence.end] == sentence.text


def test_the_seeds_are_valid(tmp_path: Path) -> None:
    """The mutations start from inputs that parse: otherwise the fuzzing sees only refusals."""
    for suffix, seed in ((".csv", CSV_SEED), (".yaml", YAML_SEED), (".json", JSON_SEED)):
        path = tmp_path / f"seed{suffix}"
        path.write_bytes(seed)
        parsed = read_catalog(path)
        assert parsed.titles and not parsed.problems, [p.rendered() for p in parsed.problems]
    for data in IMAGE_SEEDS:
        load_picture(data, "seed")
    for data in _vendor_seeds():
        parse_vendor_findings(data, width=100, height=100, source="seed")


def test_catalog_import_command_exits_cleanly(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The same through ``clearance catalog import``: exit 0 or 3, never 70 or a traceback."""
    from click.testing import CliRunner

    from clearance.cli.main import cli

    folder = tmp_path_factory.mktemp("fuzz-cli")
    env = {"CLEARANCE_DATA_DIR": str(folder / "data"), "CLEARANCE_DATABASE_URL": ""}

    @settings(max_examples=max(10, EXAMPLES // 10), deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(suffix=st.sampled_from([".yaml", ".json", ".csv"]), data=st.data())
    def run(suffix: str, data: st.DataObject) -> None:
        seed = {".yaml": YAML_SEED, ".json": JSON_SEED, ".csv": CSV_SEED}[suffix]
        path = folder / f"catalog{suffix}"
        path.write_bytes(data.draw(_mutated(seed) | _tokens()))
        result = CliRunner(env=env).invoke(cli, ["catalog", "import", str(path)])
        assert result.exit_code in (0, 3), (result.exit_code, result.output, result.exception)
        assert "internal error" not in result.output

    run()
