"""``clearance screen`` on images: folders, bad files beside good ones, --depicts,
--vendor-findings and the HTML report."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from clearance.cli.main import cli
from clearance.demo.art import draw_poster

AWS_SUGGESTIVE = json.dumps({
    "ModerationLabels": [
        {"Confidence": 91.2, "Name": "Suggestive", "ParentName": ""},
        {"Confidence": 88.0, "Name": "Revealing Clothes", "ParentName": "Suggestive"},
    ],
    "ModerationModelVersion": "6.0",
})


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "art"
    (folder / "nested").mkdir(parents=True)
    (folder / "poster.png").write_bytes(draw_poster("replacement"))
    (folder / "nested" / "old.png").write_bytes(draw_poster("withdrawn"))
    (folder / "notes.jpg").write_text("this is not an image", encoding="utf-8")
    (folder / "empty.png").write_bytes(b"")
    (folder / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>',
                                     encoding="utf-8")
    (folder / "readme.txt").write_text("skipped inside a folder", encoding="utf-8")
    return folder


def test_folder_screens_good_images_and_reports_bad_ones(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["screen", str(_folder(tmp_path)), "--format", "jsonl"])
    assert res.exit_code == 3, res.stderr
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    assert sorted(Path(r["item"]).name for r in rows) == ["old.png", "poster.png"]
    assert all(r["kind"] == "image" and r["image"]["width"] == 1080 for r in rows)
    for bad in ("notes.jpg", "empty.png", "logo.svg"):
        assert bad in res.stderr
    assert "readme.txt" not in res.stderr
    assert "Traceback" not in res.stderr


def test_depicted_minor_with_vendor_response_blocks(tmp_path: Path) -> None:
    poster = tmp_path / "poster.png"
    poster.write_bytes(draw_poster("withdrawn"))
    vendor = tmp_path / "aws.json"
    vendor.write_text(AWS_SUGGESTIVE, encoding="utf-8")
    res = CliRunner().invoke(cli, ["screen", str(poster), "--depicts", "Amy=11",
                                   "--vendor-findings", str(vendor), "--format", "json"])
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["decision"] == "block"
    labels = {f["label"] for f in data["findings"]}
    assert {"minor.known", "suggestive.image"} <= labels
    assert any(f["detector"] == "aws-rekognition" for f in data["findings"])
    assert "minor-in-sexualised-image" in data["reasons"][0]
    # the same poster without the vendor's findings is not blocked
    res = CliRunner().invoke(cli, ["screen", str(poster), "--depicts", "Amy=11",
                                   "--format", "json"])
    assert json.loads(res.stdout)["decision"] != "block"


def test_vendor_findings_need_exactly_one_image(tmp_path: Path) -> None:
    vendor = tmp_path / "aws.json"
    vendor.write_text(AWS_SUGGESTIVE, encoding="utf-8")
    res = CliRunner().invoke(cli, ["screen", str(_folder(tmp_path)), "--vendor-findings",
                                   str(vendor)])
    assert res.exit_code == 3 and "exactly one" in res.stderr
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    poster = tmp_path / "p.png"
    poster.write_bytes(draw_poster("replacement"))
    res = CliRunner().invoke(cli, ["screen", str(poster), "--vendor-findings", str(bad)])
    assert res.exit_code == 3 and "bad.json" in res.stderr and "Traceback" not in res.stderr


def test_depicts_needs_an_age_or_a_title(tmp_path: Path) -> None:
    poster = tmp_path / "p.png"
    poster.write_bytes(draw_poster("replacement"))
    res = CliRunner().invoke(cli, ["screen", str(poster), "--depicts", "Amy"])
    assert res.exit_code == 3 and "NAME=AGE" in res.stderr


def test_html_report_for_images(tmp_path: Path) -> None:
    poster = tmp_path / "p.png"
    poster.write_bytes(draw_poster("withdrawn"))
    out = tmp_path / "report.html"
    res = CliRunner().invoke(cli, ["screen", str(poster), "--text", "Amy, 11, twerks.",
                                   "--format", "html", "-o", str(out)])
    assert res.exit_code == 0, res.stderr
    page = out.read_text(encoding="utf-8")
    assert page.count("data:image/jpeg;base64,") == 1
    assert "<mark>Amy, 11</mark>" in page
