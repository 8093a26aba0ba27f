"""What ``clearance screen`` screens: turning its arguments into items, in batches.

A :class:`ScreenInputs` knows the run's context — the rating, the title's campaign (its other
assets' findings, for ``scope: title`` rules), the people depicted, a vendor's recorded response —
and yields batches of ``(items, title_findings, extra_findings)`` for :meth:`Screener.screen_many`
from inline copy, standard input, ``.txt`` files, catalog ``.csv`` files, images and folders of
images. Every input that cannot be used becomes a located :class:`Problem` and is skipped; the
rest are screened.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from clearance.catalog.queries import get_title, title_assets
from clearance.content.csvrows import (
    CsvRow,
    count_records,
    count_text_records,
    read_rows,
    rows_of,
)
from clearance.content.images import iter_image_files, load_picture_file
from clearance.content.picture import DepictedPerson, Picture
from clearance.content.reading import (
    SCREEN_HINT,
    is_stdin,
    read_limited,
    read_stdin,
    stdin_first_line,
)
from clearance.detectors.base import Item
from clearance.errors import ContentError, ImportProblem, InputError, NotFound, Problem
from clearance.findings import Finding
from clearance.screening import Screener, ScreenResult
from clearance.screening.records import ScreeningInputs, detectors_of, record_screening
from clearance.settings import Settings
from clearance.storage import LocalBlobStore, ready_engine, session_scope
from clearance.storage.models import Asset, AssetVersion
from clearance.vendors import parse_vendor_findings

BATCH = 64
#: The largest vendor response file read (they are a few kilobytes).
MAX_VENDOR_BYTES = 20_000_000
TEXT_SUFFIXES = frozenset({".txt", ".text", ".md"})
#: How much of standard input's first line is read to tell a CSV header from copy.
HEADER_PEEK = 65_536
#: How standard input is read (``--input-format``).
INPUT_FORMATS = ("auto", "text", "csv")
STDIN_NAME = "standard input"
#: The catalog CSV's column naming each row's title (shown in the HTML report).
TITLE_COLUMN = "title"
Batch = tuple[list[Item], list[dict[str, tuple[Finding, ...]]], list[tuple[Finding, ...]]]


def _located(exc: InputError, path: Path | str) -> list[Problem]:
    """The refusal of one input as ``path: message`` (the message without its own copy of the
    name); a refusal that lists located problems (a CSV without the columns) is those problems,
    each already naming the file."""
    name = STDIN_NAME if is_stdin(path) else str(path)
    if exc.problems:
        return list(exc.problems)
    return [Problem(exc.message.removeprefix(f"{name}: "), name)]


def vendor_response(folder: Path, image: str) -> Path | None:
    """The saved vendor response for ``image`` in ``folder``: ``NAME.json`` (``poster.jpg.json``)
    or ``STEM.json`` (``poster.json``), or ``None``."""
    name = Path(image).name
    for candidate in (folder / f"{name}.json", folder / f"{Path(name).stem}.json"):
        if candidate.is_file():
            return candidate
    return None


@dataclass(frozen=True, slots=True)
class TitleContext:
    """A catalog title as screening needs it."""

    title_id: str
    rating: str | None
    copies: dict[str, str]  # "kind/locale/channel" -> latest text version
    people: dict[str, tuple[int, dt.date | None]]  # name (casefolded) -> (person id, birth date)
    #: "kind/locale/channel" -> the version id of each copy in ``copies``.
    copy_versions: dict[str, int] = field(default_factory=dict)
    #: content SHA-256 -> version id, for every version of the title's assets: a screened file
    #: with one of these hashes *is* that catalog version, and its screening is recorded.
    versions: dict[str, int] = field(default_factory=dict)


def load_title(settings: Settings, title_id: str) -> TitleContext:
    blobs = LocalBlobStore(settings.resolved_blob_dir)
    copies: dict[str, str] = {}
    copy_versions: dict[str, int] = {}
    with ready_engine(settings.resolved_database_url) as engine, \
            session_scope(engine) as session:
        title = get_title(session, title_id)
        for asset in title_assets(session, title_id):
            v = asset.latest
            if v is None or not v.content_type.startswith("text/"):
                continue
            ref = f"{asset.kind}/{asset.locale}/{asset.channel}"
            copies[ref] = blobs.get(v.content_sha256).decode("utf-8", errors="replace")
            copy_versions[ref] = v.id
        versions = {sha: vid for sha, vid in session.execute(
            select(AssetVersion.content_sha256, AssetVersion.id)
            .join(Asset, Asset.id == AssetVersion.asset_id)
            .where(Asset.title_id == title_id).order_by(AssetVersion.id))}
    people = {c.person.name.casefold(): (c.person.id, c.person.date_of_birth)
              for c in title.credits}
    return TitleContext(title_id, title.rating, copies, people, copy_versions, versions)


def resolve_depicted(names: Sequence[str], title: TitleContext | None,
                     shoot_date: dt.date) -> tuple[DepictedPerson, ...]:
    """``--depicts`` values: ``NAME=AGE``, or a name from the ``--title``'s credits (whose age on
    ``shoot_date`` comes from the catalog's date of birth)."""
    out: list[DepictedPerson] = []
    for raw in names:
        name, sep, age_text = raw.partition("=")
        name = name.strip()
        if sep:
            if not age_text.strip().isdigit():
                raise InputError(f"--depicts {raw!r}: the age after '=' must be a whole number")
            out.append(DepictedPerson(name, int(age_text)))
            continue
        if title is None:
            raise InputError(f"--depicts {raw!r}: give NAME=AGE, or --title to look the person "
                             "up in the catalog")
        found = title.people.get(name.casefold())
        if found is None:
            known = ", ".join(sorted(title.people)) or "nobody"
            raise NotFound(f"--depicts {raw!r}: not credited on the title (credited: {known})")
        person_id, born = found
        age = None
        if born is not None:
            age = shoot_date.year - born.year - (
                (shoot_date.month, shoot_date.day) < (born.month, born.day))
        out.append(DepictedPerson(name, age, person_id))
    return tuple(out)


@dataclass
class ScreenInputs:
    screener: Screener
    settings: Settings
    rating: str | None = None
    campaign: dict[str, tuple[Finding, ...]] = field(default_factory=dict)
    campaign_texts: dict[str, str] = field(default_factory=dict)
    depicted: tuple[DepictedPerson, ...] = ()
    vendor_file: Path | None = None
    column: str = "description"
    rating_column: str | None = "rating"
    id_column: str | None = "show_id"
    problems: list[Problem] = field(default_factory=list)
    title: TitleContext | None = None
    #: Read devices, FIFOs and sockets named as paths (``--allow-special-files``).
    allow_special: bool = False
    #: How standard input is read: ``auto`` (a CSV when its first line is a header naming
    #: ``column``), ``text`` or ``csv`` (``--input-format``).
    input_format: str = "auto"
    #: Standard input, once read: ``(is_csv, bytes)``.
    _stdin: tuple[bool, bytes] | None = None
    #: Item name -> the title (``title`` column) of CSV rows, for the HTML report.
    titles: dict[str, str] = field(default_factory=dict)
    #: With a ``--vendor-findings`` folder: images that had a response there, and that had none.
    vendor_used: int = 0
    unmatched_images: int = 0

    def use_title(self, title: TitleContext) -> None:
        self.title = title
        self.rating = self.rating or title.rating
        self.campaign_texts = title.copies
        self.campaign = self.screener.campaign_findings(title.copies, rating=self.rating)

    def _others(self, text: str | None) -> dict[str, tuple[Finding, ...]]:
        """The campaign without the asset whose copy is being screened."""
        return {ref: fs for ref, fs in self.campaign.items() if self.campaign_texts[ref] != text}

    def _text(self, text: str, name: str, where: str) -> Iterator[tuple[Item, str | None]]:
        try:
            yield self.screener.text_item(text, name=name, rating=self.rating), text
        except ContentError as exc:
            self.problems.append(Problem(exc.message, where))

    def _is_header(self, line: bytes) -> bool:
        """Whether a first line is a CSV header naming the ``--column`` (``show_id,type,...,
        description``): copy is never read as one."""
        try:
            fields = next(csv.reader([line.decode("utf-8-sig").rstrip("\r\n")]), [])
        except (UnicodeDecodeError, csv.Error):
            return False
        return len(fields) > 1 and self.column in [f.strip() for f in fields]

    def _read_stdin(self) -> tuple[bool, bytes]:
        """Standard input and whether it is a CSV, read once. Copy keeps its size limit; a CSV
        is read whole, like a CSV file."""
        if self._stdin is None:
            first = b"" if self.input_format == "text" else stdin_first_line(HEADER_PEEK)
            is_csv = self.input_format == "csv" or (self.input_format == "auto"
                                                    and self._is_header(first))
            limit = None if is_csv else self.settings.max_text_bytes
            self._stdin = (is_csv, read_stdin(limit, start=first,
                                              setting="CLEARANCE_MAX_TEXT_BYTES"))
        return self._stdin

    def _stdin_items(self) -> Iterator[tuple[Item, str | None]]:
        try:
            is_csv, data = self._read_stdin()
        except ContentError as exc:
            self.problems.extend(_located(exc, "-"))
            return
        if is_csv:
            yield from self._csv_rows(data, STDIN_NAME, "stdin")
            return
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            self.problems.append(Problem(f"not UTF-8 (byte {exc.start})", STDIN_NAME,
                                         hint="save the file as UTF-8"))
            return
        yield from self._text(text, "stdin", STDIN_NAME)

    def _read_text(self, path: Path) -> Iterator[tuple[Item, str | None]]:
        if is_stdin(path):
            yield from self._stdin_items()
            return
        try:
            data = read_limited(path, self.settings.max_text_bytes,
                                allow_special=self.allow_special,
                                setting="CLEARANCE_MAX_TEXT_BYTES", how_to_allow=SCREEN_HINT)
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            self.problems.append(Problem(f"not UTF-8 (byte {exc.start})", str(path),
                                         hint="save the file as UTF-8"))
            return
        except ContentError as exc:
            self.problems.extend(_located(exc, path))
            return
        yield from self._text(text, str(path), str(path))

    @property
    def _required(self) -> list[str]:
        return [self.column] + [c for c in (self.rating_column, self.id_column) if c]

    def _csv(self, path: Path) -> Iterator[tuple[Item, str | None]]:
        try:
            rows = list(read_rows(path, self._required, self.problems,
                                  allow_special=self.allow_special))
        except (ContentError, ImportProblem) as exc:  # the file is skipped; the rest screened
            self.problems.extend(_located(exc, path))
            return
        yield from self._items_of_rows(rows, str(path), str(path))

    def _csv_rows(self, data: bytes, where: str, label: str) -> Iterator[tuple[Item, str | None]]:
        try:
            rows = list(rows_of(data, where, self._required, self.problems))
        except ImportProblem as exc:
            self.problems.extend(_located(exc, where))
            return
        yield from self._items_of_rows(rows, where, label)

    def _items_of_rows(self, rows: Sequence[CsvRow], where: str, label: str,
                       ) -> Iterator[tuple[Item, str | None]]:
        """Items of good CSV rows, named by the ``--id-column`` (else ``label:line``) and
        carrying the row's title name for reports."""
        for row in rows:
            name = row.values.get(self.id_column or "") or f"{label}:{row.line}"
            title = (row.values.get(TITLE_COLUMN) or "").strip()
            if title:
                self.titles[name] = title
            try:
                item = self.screener.text_item(
                    row.values[self.column], name=name,
                    rating=row.values.get(self.rating_column or "") or self.rating)
            except ContentError as exc:
                self.problems.append(Problem(exc.message, where, row.line, field=self.column,
                                             hint="the row was skipped"))
                continue
            yield item, None

    def _image(self, path: Path) -> Iterator[tuple[Item, str | None]]:
        try:
            picture = load_picture_file(path, max_bytes=self.settings.max_image_bytes,
                                        max_pixels=self.settings.max_image_pixels,
                                        allow_special=self.allow_special,
                                        how_to_allow=SCREEN_HINT)
        except ContentError as exc:
            self.problems.extend(_located(exc, path))
            return
        yield self.screener.image_item(picture, rating=self.rating,
                                       depicted=self.depicted), None

    def count(self, texts: Sequence[str], paths: Sequence[Path]) -> int | None:
        """How many items the inputs hold (copy, CSV records, image files), for the progress
        total; ``None`` when it cannot be known before reading. Standard input is read here
        (once) when it is one of the inputs."""
        total = len(texts)
        for given in paths:
            if is_stdin(given):
                try:
                    is_csv, data = self._read_stdin()
                except ContentError:
                    total += 1
                    continue
                total += count_text_records(data.decode("utf-8", "surrogateescape")) \
                    if is_csv else 1
            elif given.suffix.lower() in TEXT_SUFFIXES:
                total += 1
            elif given.suffix.lower() == ".csv" and not given.is_dir():
                found = count_records(given)
                if found is None:
                    return None
                total += found
            else:
                total += sum(1 for _ in iter_image_files([given]))
        return total

    def _all(self, texts: Sequence[str], paths: Sequence[Path],
             ) -> Iterator[tuple[Item, str | None]]:
        for n, t in enumerate(texts, 1):
            yield from self._text(t, f"text-{n}" if len(texts) > 1 else "text", f"--text #{n}")
        for given in paths:
            if is_stdin(given) or given.suffix.lower() in TEXT_SUFFIXES:
                yield from self._read_text(given)
            elif given.suffix.lower() == ".csv" and not given.is_dir():
                yield from self._csv(given)
            else:
                for path in iter_image_files([given]):
                    yield from self._image(path)

    def _vendor(self, picture: Picture, path: Path | None = None) -> tuple[Finding, ...]:
        path = path or self.vendor_file
        if path is None:
            return ()
        data = read_limited(path, MAX_VENDOR_BYTES, allow_special=self.allow_special,
                            how_to_allow=SCREEN_HINT)
        return tuple(parse_vendor_findings(data, width=picture.width, height=picture.height,
                                           source=str(path)))

    def _vendor_for(self, item: Item) -> tuple[Finding, ...] | None:
        """An image's findings from its response in the ``--vendor-findings`` folder (none when
        it has no response there); ``None`` when its response is unusable (reported: the image
        is skipped rather than screened without what the vendor saw)."""
        if self.vendor_file is None or item.image is None:
            return ()
        response = vendor_response(self.vendor_file, item.name)
        if response is None:
            self.unmatched_images += 1
            return ()
        try:
            found = self._vendor(item.image, response)
        except InputError as exc:
            self.problems.append(Problem(exc.message.removeprefix(f"{response}: "),
                                         str(response),
                                         hint=f"{item.name} was skipped"))
            return None
        self.vendor_used += 1
        return found

    def batches(self, texts: Sequence[str], paths: Sequence[Path]) -> Iterator[Batch]:
        """Batches of items with their campaign and extra findings, read lazily (a folder of
        thousands of images is never all in memory). With a ``--vendor-findings`` folder each
        image gets its own saved response; with one file, exactly one image is screened."""
        stream = self._all(texts, paths)
        if self.vendor_file is not None and not self.vendor_file.is_dir():
            pending = list(stream)
            pictures = [i.image for i, _ in pending if i.image is not None]
            if len(pictures) != 1:
                raise InputError("--vendor-findings FILE belongs to one image: screen exactly "
                                 f"one image with it (got {len(pictures)} readable image(s))",
                                 problems=[Problem(
                                     "for several images give a folder of responses named "
                                     "after them (poster.jpg.json or poster.json)",
                                     str(self.vendor_file))])
            found = self._vendor(pictures[0])
            yield ([i for i, _ in pending],
                   [self._others(t) if i.kind == "text" else dict(self.campaign)
                    for i, t in pending],
                   [found if i.image is not None else () for i, _ in pending])
            return
        items: list[Item] = []
        others: list[dict[str, tuple[Finding, ...]]] = []
        extras: list[tuple[Finding, ...]] = []
        for item, text in stream:
            extra = self._vendor_for(item)
            if extra is None:
                continue
            items.append(item)
            others.append(self._others(text) if item.kind == "text" else dict(self.campaign))
            extras.append(extra)
            if len(items) == BATCH:
                yield items, others, extras
                items, others, extras = [], [], []
        if items:
            yield items, others, extras


def _sha_of(result: ScreenResult) -> str | None:
    if result.image is not None:
        return str(result.image["sha256"])
    source = result.source
    if source is not None and source.copy is not None:
        return hashlib.sha256(source.copy.text.encode("utf-8")).hexdigest()
    return None


def record_catalog_screenings(settings: Settings, screener: Screener, title: TitleContext,
                              results: Sequence[ScreenResult], *, actor: str) -> int:
    """Record the screening of every result whose content is one of ``title``'s versions (a
    file or text exactly equal to a catalog version); the others stay unrecorded. Returns how
    many were recorded (screenings already stored with the same inputs are not doubled)."""
    matched = [(r, title.versions[sha]) for r in results
               if (sha := _sha_of(r)) is not None and sha in title.versions]
    if not matched:
        return 0
    pairs = [(d.name, d.version) for d in screener.detectors]
    recorded = 0
    with ready_engine(settings.resolved_database_url) as engine, \
            session_scope(engine) as session:
        for result, version_id in matched:
            version = session.get(AssetVersion, version_id)
            if version is None:
                continue
            own = result.source.copy.text if result.source is not None and \
                result.source.copy is not None else None
            context = {ref: vid for ref, vid in title.copy_versions.items()
                       if vid != version_id and title.copies.get(ref) != own}
            inputs = ScreeningInputs(detectors_of(pairs, result.findings), context)
            _, created = record_screening(session, version, result, inputs, requested_by="cli",
                                          actor=actor)
            recorded += created
    return recorded
