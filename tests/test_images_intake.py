"""Image intake: every accepted format, orientation, colour modes, limits and each bad input.

Every image here is drawn by the test with Pillow (rectangles, text) or is scikit-image's sample
photo of a coffee cup; nothing is read from disk outside ``tmp_path``.
"""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFile, features

from clearance.content.images import (
    iter_image_files,
    load_picture,
    load_picture_file,
)
from clearance.errors import ContentError, InputError
from clearance.settings import get_settings

RED = (220, 20, 20)
BLUE = (20, 20, 220)


def drawn(size: tuple[int, int] = (64, 48), mode: str = "RGB") -> Image.Image:
    """Left half red, right half blue, a little text in the middle."""
    w, h = size
    im = Image.new("RGB", size, BLUE)
    draw = ImageDraw.Draw(im)
    draw.rectangle((0, 0, w // 2 - 1, h - 1), fill=RED)
    draw.text((w // 4, h // 3), "Aa", fill=(255, 255, 255))
    return im.convert(mode) if mode != "RGB" else im


def encode(im: Image.Image, fmt: str, **params: object) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **params)
    return buf.getvalue()


def close(pixel: np.ndarray, colour: tuple[int, int, int], tol: int = 40) -> bool:
    return bool(np.all(np.abs(pixel.astype(int) - np.array(colour)) <= tol))


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return (struct.pack(">I", len(payload)) + kind + payload
            + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF))


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that *declares* width x height but carries no pixel data: cheap to make, and any
    attempt to decode it fails, so a refusal proves the size was read from the header."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr)
            + _chunk(b"IDAT", zlib.compress(b"\x00" * 16)) + _chunk(b"IEND", b""))


FORMATS = [
    ("JPEG", {"quality": 95}),
    ("PNG", {}),
    ("WEBP", {"quality": 95}),
    ("GIF", {}),
    ("BMP", {}),
    ("TIFF", {}),
    ("TIFF", {"compression": "tiff_lzw"}),
    pytest.param("AVIF", {"quality": 95}, marks=pytest.mark.skipif(
        not features.check("avif"), reason="Pillow built without AVIF")),
]


@pytest.mark.parametrize(("fmt", "params"), FORMATS)
def test_every_accepted_format_decodes_to_rgb(fmt: str, params: dict[str, object]) -> None:
    data = encode(drawn(), fmt, **params)
    pic = load_picture(data, f"poster.{fmt.lower()}")
    assert pic.format == fmt
    assert pic.pixels.shape == (48, 64, 3) and pic.pixels.dtype == np.uint8
    assert (pic.width, pic.height) == (64, 48)
    assert close(pic.pixels[4, 4], RED) and close(pic.pixels[44, 60], BLUE)
    assert pic.sha256 == hashlib.sha256(data).hexdigest()
    assert not pic.pixels.flags.writeable
    with pytest.raises(ValueError):
        pic.pixels[0, 0, 0] = 1


def test_format_comes_from_the_bytes_not_the_name() -> None:
    pic = load_picture(encode(drawn(), "PNG"), "key-art.jpg")
    assert pic.format == "PNG"


def test_camera_mpo_jpeg_is_reported_as_jpeg() -> None:
    pic = load_picture(encode(drawn(), "MPO"), "camera.jpg")
    assert pic.format == "JPEG"


def test_exif_orientation_is_applied() -> None:
    # Stored 60 wide x 40 high, red block in the stored top-left corner. Orientation 6 means
    # "rotate 90 degrees clockwise to display": the picture is 40 x 60 and the block top-right.
    im = Image.new("RGB", (60, 40), (255, 255, 255))
    ImageDraw.Draw(im).rectangle((0, 0, 14, 9), fill=RED)
    exif = Image.Exif()
    exif[0x0112] = 6
    pic = load_picture(encode(im, "JPEG", exif=exif, quality=95), "rotated.jpg")
    assert (pic.width, pic.height) == (40, 60)
    assert close(pic.pixels[3, 36], RED)  # top-right
    assert close(pic.pixels[3, 3], (255, 255, 255))  # top-left is white now
    assert close(pic.pixels[56, 3], (255, 255, 255))


def test_corrupt_exif_does_not_stop_intake() -> None:
    # An EXIF block that says "orientation follows" and then ends: Pillow warns and goes on.
    exif = b"Exif\x00\x00II*\x00\x08\x00\x00\x00\xff\xff\x12\x01\x03\x00\x01\x00\x00\x00\x06\x00"
    pic = load_picture(encode(drawn(), "JPEG", exif=exif, quality=95), "odd-exif.jpg")
    assert pic.pixels.shape[2] == 3


def test_cmyk_jpeg_is_converted() -> None:
    im = Image.new("CMYK", (32, 32), (0, 255, 255, 0))  # no cyan, full magenta + yellow: red
    pic = load_picture(encode(im, "JPEG", quality=95), "print.jpg")
    r, g, b = (int(v) for v in pic.pixels[16, 16])
    assert r > 200 and g < 60 and b < 60


def test_rgba_png_is_composited_on_white() -> None:
    im = Image.new("RGBA", (20, 10), (0, 0, 0, 0))
    ImageDraw.Draw(im).rectangle((10, 0, 19, 9), fill=(255, 0, 0, 128))
    pic = load_picture(encode(im, "PNG"), "cutout.png")
    assert tuple(pic.pixels[5, 2]) == (255, 255, 255)  # fully transparent -> white
    assert close(pic.pixels[5, 15], (255, 127, 127), tol=2)  # half red over white


def test_grey_with_alpha_is_composited_on_white() -> None:
    im = Image.new("LA", (10, 10), (0, 0))
    pic = load_picture(encode(im, "PNG"), "la.png")
    assert tuple(pic.pixels[5, 5]) == (255, 255, 255)


def test_palette_transparency_becomes_white() -> None:
    im = Image.new("P", (10, 10), 0)
    im.putpalette([0, 0, 0, 255, 0, 0] + [0] * (256 * 3 - 6))
    ImageDraw.Draw(im).rectangle((5, 0, 9, 9), fill=1)
    pic = load_picture(encode(im, "PNG", transparency=0), "palette.png")
    assert tuple(pic.pixels[5, 2]) == (255, 255, 255)
    assert tuple(pic.pixels[5, 7]) == (255, 0, 0)


def test_16_bit_grey_png_is_scaled_not_clipped() -> None:
    arr = np.array([[0, 257 * 64, 32768, 65535]], dtype=np.uint16)
    data = encode(Image.fromarray(arr), "PNG")
    assert Image.open(io.BytesIO(data)).mode.startswith("I")
    pic = load_picture(data, "deep.png")
    assert [int(v) for v in pic.pixels[0, :, 0]] == [0, 64, 128, 255]
    assert np.all(pic.pixels[..., 0] == pic.pixels[..., 2])


def test_grey_and_bilevel_images() -> None:
    assert tuple(load_picture(encode(Image.new("L", (4, 4), 90), "PNG"), "g.png")
                 .pixels[1, 1]) == (90, 90, 90)
    assert tuple(load_picture(encode(Image.new("1", (4, 4), 1), "BMP"), "b.bmp")
                 .pixels[1, 1]) == (255, 255, 255)


@pytest.mark.parametrize("fmt", ["GIF", "WEBP"])
def test_animation_gives_its_first_frame(fmt: str) -> None:
    frames = [Image.new("RGB", (16, 16), c) for c in (RED, (20, 200, 20), BLUE)]
    data = encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100,
                  loop=0)
    assert getattr(Image.open(io.BytesIO(data)), "n_frames", 1) == 3
    pic = load_picture(data, f"anim.{fmt.lower()}")
    assert close(pic.pixels[8, 8], RED)


def test_photo_sample_decodes() -> None:
    skimage_data = pytest.importorskip("skimage.data")
    coffee = skimage_data.coffee()
    pic = load_picture(encode(Image.fromarray(coffee), "JPEG", quality=90), "coffee.jpg")
    assert pic.pixels.shape == coffee.shape


# --- refusals ---------------------------------------------------------------------------------


def _coffee_jpeg() -> bytes:
    skimage_data = pytest.importorskip("skimage.data")
    return encode(Image.fromarray(skimage_data.coffee()), "JPEG", quality=90)


BAD_INPUTS: list[tuple[str, bytes, str]] = [
    ("empty.jpg", b"", "empty"),
    ("noise.jpg", np.random.default_rng(7).bytes(5000), "not a recognised image"),
    ("notes.jpg", b"Key art v3, final final.\nDo not publish before Friday.\n", "text file"),
    ("logo.jpg", b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" '
                 b'width="10" height="10"><rect width="10" height="10"/></svg>', "SVG"),
    ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', "rasterise"),
    ("page.png", b"<!DOCTYPE html>\n<html><head><title>x</title></head><body><img src=a.jpg>"
                 b"</body></html>", "HTML"),
    ("poster.jpg", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "PDF"),
    ("photo.jpg", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64, "HEIC"),
    ("layers.jpg", b"8BPS\x00\x01" + b"\x00" * 64, "Photoshop"),
]


@pytest.mark.parametrize(("name", "data", "says"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_is_refused_naming_the_file(name: str, data: bytes, says: str) -> None:
    with pytest.raises(ContentError) as info:
        load_picture(data, name)
    assert str(info.value).startswith(f"{name}: ")
    assert says in str(info.value)
    assert isinstance(info.value, InputError) and info.value.exit_code == 3


def test_a_text_file_is_told_by_its_own_name() -> None:
    """The hint names the file's own suffix (it said ".jpg" for a .png too)."""
    text = b"Key art v3, final final.\n"
    for name, said in (("notes.png", "the file name says .png, but the content is text"),
                       ("notes", "it was given as an image, but the content is text")):
        with pytest.raises(ContentError) as info:
            load_picture(text, name)
        assert said in str(info.value), str(info.value)


def test_truncated_jpeg_is_refused() -> None:
    data = _coffee_jpeg()
    with pytest.raises(ContentError, match=r"^half\.jpg: is a truncated JPEG file"):
        load_picture(data[: len(data) // 2], "half.jpg")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_truncated_png_is_refused() -> None:
    data = encode(drawn((200, 200)), "PNG")
    with pytest.raises(ContentError, match=r"^cut\.png: is a (truncated|damaged) PNG file"):
        load_picture(data[: len(data) // 2], "cut.png")


def test_corrupt_jpeg_body_is_refused() -> None:
    data = bytearray(_coffee_jpeg())
    data[2000:2400] = b"\xff" * 400
    with pytest.raises(ContentError, match=r"^bad\.jpg: "):
        load_picture(bytes(data), "bad.jpg")


def test_over_max_bytes_is_refused_before_decoding() -> None:
    with pytest.raises(ContentError, match=r"^big\.jpg: is 0\.0 MB, over the limit.*"
                                           r"CLEARANCE_MAX_IMAGE_BYTES"):
        load_picture(b"\xff\xd8" + b"\x00" * 100, "big.jpg", max_bytes=50)


def test_over_max_pixels_is_measured_from_the_header() -> None:
    data = png_header_only(1000, 1000)  # no real pixel data: decoding it would fail
    with pytest.raises(ContentError, match=r"^huge\.png: is 1000x1000 pixels \(1\.0 megapixels\)"
                                           r", over the limit of 0\.5 megapixels"):
        load_picture(data, "huge.png", max_pixels=500_000)


def test_decompression_bomb_is_refused() -> None:
    before = Image.MAX_IMAGE_PIXELS
    with pytest.raises(ContentError, match=r"^bomb\.png: .*decompression bomb"):
        load_picture(png_header_only(20_000, 20_000), "bomb.png", max_pixels=10**10)
    # Between Pillow's warning and error thresholds: the warning becomes the same refusal.
    with pytest.raises(ContentError, match=r"^warn\.png: .*decompression bomb"):
        load_picture(png_header_only(10_000, 10_000), "warn.png", max_pixels=10**10)
    assert before == Image.MAX_IMAGE_PIXELS


def test_default_pixel_limit_refuses_a_declared_20000_square() -> None:
    with pytest.raises(ContentError, match=r"^wall\.png: "):
        load_picture(png_header_only(20_000, 20_000), "wall.png")


def test_zero_size_image_is_refused() -> None:
    with pytest.raises(ContentError, match=r"^zero\.png: has zero size \(0x10 pixels\)"):
        load_picture(png_header_only(0, 10), "zero.png")


def test_settings_carry_the_image_limits(tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no .env
    monkeypatch.delenv("CLEARANCE_MAX_IMAGE_BYTES", raising=False)
    monkeypatch.delenv("CLEARANCE_MAX_IMAGE_PIXELS", raising=False)
    defaults = get_settings()
    assert defaults.max_image_bytes == 25_000_000
    assert defaults.max_image_pixels == 50_000_000
    monkeypatch.setenv("CLEARANCE_MAX_IMAGE_BYTES", "1000")
    monkeypatch.setenv("CLEARANCE_MAX_IMAGE_PIXELS", "400")
    s = get_settings()
    assert (s.max_image_bytes, s.max_image_pixels) == (1000, 400)
    with pytest.raises(ContentError, match="over the limit"):
        load_picture(encode(drawn(), "PNG"), "p.png", max_bytes=s.max_image_bytes,
                     max_pixels=s.max_image_pixels)


# --- files and folders ------------------------------------------------------------------------


def test_load_picture_file(tmp_path: Path) -> None:
    path = tmp_path / "still.webp"
    path.write_bytes(encode(drawn(), "WEBP"))
    pic = load_picture_file(path)
    assert pic.name == str(path) and pic.format == "WEBP"

    with pytest.raises(ContentError, match=r"missing\.png: does not exist"):
        load_picture_file(tmp_path / "missing.png")
    with pytest.raises(ContentError, match="is a folder"):
        load_picture_file(tmp_path)
    with pytest.raises(ContentError, match=r"still\.webp: is .* over the limit"):
        load_picture_file(path, max_bytes=10)


def test_iter_image_files_expands_folders(tmp_path: Path) -> None:
    root = tmp_path / "campaign"
    (root / "fr" / "thumbs").mkdir(parents=True)
    (root / ".git").mkdir()
    for rel in ["b.jpg", "a.png", "fr/poster.webp", "fr/thumbs/t1.gif", "mystery.bin",
                "logo.svg", "notes.txt", "catalog.csv", "meta.json", "policy.yaml", "README.md",
                ".DS_Store", ".hidden.jpg", ".git/objects.png"]:
        (root / rel).write_bytes(b"x")
    loose = tmp_path / "copy.txt"
    loose.write_text("given explicitly")

    found = list(iter_image_files([root, loose, root / "a.png", tmp_path / "nowhere.jpg"]))
    assert found == [
        root / "a.png", root / "b.jpg", root / "fr" / "poster.webp",
        root / "fr" / "thumbs" / "t1.gif", root / "logo.svg", root / "mystery.bin",
        loose, tmp_path / "nowhere.jpg",
    ]


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF"])
@pytest.mark.parametrize("keep", [0.5, 0.05])
def test_every_format_cut_short_is_refused(fmt: str, keep: float) -> None:
    data = encode(drawn((200, 160)), fmt)
    with pytest.raises(ContentError) as info:
        load_picture(data[: int(len(data) * keep)], f"cut.{fmt.lower()}")
    message = str(info.value)
    assert message.startswith(f"cut.{fmt.lower()}: ")
    assert "truncated" in message or "damaged" in message
