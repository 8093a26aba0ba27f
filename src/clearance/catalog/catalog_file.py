"""Reader for Clearance's own catalog format (YAML or JSON; see ``docs/catalog-format.md``).

A catalog file carries what the Netflix CSV cannot: localised titles per locale, aliases and
hashtags, people with dates of birth, credits with characters, and assets with versions (text
inline or a file next to the catalog, a shoot date, the people depicted).

Every entry is validated with pydantic, one person or title at a time, so one bad title does not
hide the others: every problem is reported with the physical line of the offending node (ruamel
keeps line numbers for YAML, and JSON is read through the same parser) and the field's path,
like ``titles[0].credits[2].role``. A title with any problem is skipped; the rest are imported.

A version's ``file:`` is a path relative to the catalog file's folder and must stay inside it
(symbolic links resolved; absolute paths and ``..`` refused) unless the importer is asked to
allow more (``clearance catalog import --allow-files-outside``): a catalog file from elsewhere
must not be able to import ``/proc/self/environ`` or ``~/.ssh/id_rsa`` as an asset, where a
reviewer would read it. The bytes are type-checked against the asset's kind: an image kind's
file must be an image (by its magic number), a copy kind's file UTF-8 text; and read with the
intake's size limits, never a device or FIFO.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedBase, CommentedMap, CommentedSeq
from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from clearance.catalog.catalog_schema import (
    CatalogDocument,
    PersonEntry,
    TitleEntry,
    VersionEntry,
)
from clearance.catalog.records import (
    AssetRecord,
    CreditRecord,
    NameRecord,
    PersonRecord,
    TitleRecord,
    VersionRecord,
    clean_text,
)
from clearance.catalog.sources import ParsedCatalog, decode_utf8, read_bytes
from clearance.content.documents import parse_json, structure_problem
from clearance.content.images import IMAGE_MEDIA_TYPES, image_format
from clearance.content.reading import read_limited
from clearance.errors import ContentError, ImportProblem, Problem
from clearance.settings import DEFAULT_MAX_IMAGE_BYTES, DEFAULT_MAX_TEXT_BYTES

DOC_HINT: Final = "see docs/catalog-format.md"
TEXT_CONTENT_TYPE: Final = "text/plain; charset=utf-8"
#: Asset kinds whose versions are pictures, and those that are copy.
IMAGE_KINDS: Final = frozenset({"key_art", "thumbnail", "still"})
TEXT_KINDS: Final = frozenset({"synopsis", "tagline", "title_text"})
#: The most bytes a version file may have (the intake's defaults: 25 MB images, 1 MB copy).
MAX_FILE_BYTES: Final = {"image": DEFAULT_MAX_IMAGE_BYTES, "text": DEFAULT_MAX_TEXT_BYTES}
_PATH_HINT: Final = ("paths are relative to the catalog file's folder and stay inside it "
                     "(--allow-files-outside allows more)")


# -- locating problems -------------------------------------------------------------------------


def _line_of(node: Any, path: Sequence[str | int]) -> int | None:
    """The 1-based line of the deepest node along ``path`` that the parser gave a position."""
    line: int | None = node.lc.line if isinstance(node, CommentedBase) else None
    for key in path:
        if isinstance(node, CommentedMap) and key in node:
            line = node.lc.key(key)[0]
            node = node[key]
        elif isinstance(node, CommentedSeq) and isinstance(key, int) and 0 <= key < len(node):
            line = node.lc.item(key)[0]
            node = node[key]
        else:
            break
    return None if line is None else line + 1


def _path_text(path: Sequence[str | int]) -> str:
    text = ""
    for key in path:
        text += f"[{key}]" if isinstance(key, int) else (f".{key}" if text else str(key))
    return text


_HINTS: Final = {
    "extra_forbidden": f"check its spelling; {DOC_HINT}",
    "missing": DOC_HINT,
    "string_pattern_mismatch": "a locale is a BCP 47 tag like en, fr or pt-BR; a hashtag has "
    "no spaces",
}


_MESSAGES: Final = {"extra_forbidden": "unknown field", "missing": "required field missing"}


class _Locator:
    def __init__(self, root: Any, display: str) -> None:
        self.root = root
        self.display = display

    def problem(self, path: Sequence[str | int], message: str, hint: str | None = None) -> Problem:
        return Problem(
            message,
            file=self.display,
            line=_line_of(self.root, path),
            field=_path_text(path) or None,
            hint=hint,
        )

    def from_validation(self, prefix: Sequence[str | int], exc: ValidationError) -> list[Problem]:
        problems = []
        for error in exc.errors(include_url=False):
            loc = [part for part in error["loc"] if isinstance(part, str | int)]
            # Union and "function-after" wrappers add labels that are not keys in the file.
            loc = [p for p in loc if not (isinstance(p, str) and ("[" in p or p == "str"))]
            message = _MESSAGES.get(error["type"], error["msg"])
            message = message.removeprefix("Value error, ")
            problems.append(self.problem([*prefix, *loc], message, _HINTS.get(error["type"])))
        return problems


# -- reading -----------------------------------------------------------------------------------


#: The only YAML tags a catalog file may carry (explicitly or implicitly): plain data.
_PLAIN_TAGS: Final = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "seq", "map", "timestamp", "merge")
)


class _Constructor(RoundTripConstructor):
    """Round-trip YAML that keeps timestamps as text, so pydantic validates (and locates) dates,
    and refuses every tag but plain data's: ``!!python/object/apply:...`` is never executed by
    this loader, but the round-trip loader would quietly keep the tagged value as if it were
    data (and ``!!binary``, ``!!set`` make values no catalog field expects)."""

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        tag = str(getattr(node.tag, "value", node.tag))
        if tag not in _PLAIN_TAGS:
            raise ConstructorError(
                None, None, f"the tag {tag!r} is not allowed (a catalog file is plain data)",
                node.start_mark)
        return super().construct_object(node, deep)


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", RoundTripConstructor.construct_yaml_str)


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    return yaml


def _unusable(display: str, what: str, message: str, line: int | None = None) -> ImportProblem:
    return ImportProblem(
        f"{display}: not valid {what}; nothing was imported",
        problems=[Problem(message, file=display, line=line)],
    )


def _load(data: bytes, display: str, is_json: bool) -> Any:
    text = decode_utf8(data, display)
    what = "JSON" if is_json else "YAML"
    if is_json:
        try:
            plain = parse_json(text)
        except json.JSONDecodeError as exc:
            raise _unusable(display, what, exc.msg, exc.lineno) from exc
        except ContentError as exc:
            raise _unusable(display, what, exc.message, 1) from exc
    try:
        root = _yaml().load(text)
    except RecursionError as exc:
        if is_json:
            return plain  # JSON's parser read it: _check_shape judges its depth
        raise _unusable(display, what, "it is nested too deeply to read") from exc
    except MarkedYAMLError as exc:
        if is_json:
            return plain  # valid JSON that YAML reads differently: no line numbers, still usable
        mark = exc.problem_mark or exc.context_mark
        raise ImportProblem(
            f"{display}: not valid YAML; nothing was imported",
            problems=[
                Problem(
                    " ".join(f"{exc.context or ''} {exc.problem or ''}".split()) or str(exc),
                    file=display,
                    line=None if mark is None else mark.line + 1,
                )
            ],
        ) from exc
    except YAMLError as exc:  # e.g. a NUL or other character YAML does not allow
        if is_json:
            return plain
        position = getattr(exc, "position", None)
        line = text.count("\n", 0, position) + 1 if isinstance(position, int) else None
        reason = " ".join(str(getattr(exc, "reason", None) or exc).split())
        character = getattr(exc, "character", None)
        if isinstance(character, str) and len(character) == 1:
            character = ord(character)
        if isinstance(character, int):
            reason = f"character U+{character:04X}: {reason}"
        raise _unusable(display, what, reason, line) from exc
    return root


def _check_shape(root: Any, display: str, size: int) -> None:
    problem = structure_problem(root, source_chars=size)
    if problem is not None:
        raise ImportProblem(
            f"{display}: not a usable catalog file: {problem}; nothing was imported",
            problems=[Problem(problem, file=display, line=1, hint=DOC_HINT)],
        )


@dataclass(frozen=True, slots=True)
class _Files:
    """Where a catalog's ``file:`` references may lead."""

    base_dir: Path
    is_outside_allowed: bool = False

    def resolve(self, raw: str) -> tuple[Path | None, str | None]:
        """The file a reference names, or why it is refused."""
        name = raw.strip()
        relative = Path(name)
        if not self.is_outside_allowed:
            if relative.is_absolute() or name.startswith("~"):
                return None, f"absolute path {name!r} refused"
            if ".." in relative.parts:
                return None, f"path {name!r} leaves the catalog file's folder ('..')"
        full = self.base_dir / relative
        try:
            resolved = full.resolve(strict=True)
            root = self.base_dir.resolve()
        except FileNotFoundError:
            return None, f"no such file: {full}"
        except (OSError, RuntimeError, ValueError) as exc:  # loops, NUL in the name
            return None, f"cannot use {name!r}: {exc}"
        if not self.is_outside_allowed and not resolved.is_relative_to(root):
            return None, f"{name!r} leads outside the catalog file's folder (a symbolic link)"
        if not resolved.is_file():
            return None, f"{name!r} is not a regular file"
        return resolved, None


def read_catalog_file(path: Path, display: str, *,
                      allow_files_outside: bool = False) -> ParsedCatalog:
    """Read a YAML/JSON catalog; a file that cannot be read at all raises ImportProblem.
    ``allow_files_outside`` lets versions' ``file:`` name files outside the catalog's folder."""
    data = read_bytes(path, display)
    root = _load(data, display, path.suffix.lower() == ".json")
    _check_shape(root, display, len(data))
    base_dir = _Files(path.parent, allow_files_outside)
    where = _Locator(root, display)
    if not isinstance(root, dict):
        raise ImportProblem(
            f"{display}: a catalog file must be a mapping with 'people' and 'titles'",
            problems=[where.problem([], "not a mapping", DOC_HINT)],
        )
    try:
        document = CatalogDocument.model_validate(dict(root))
    except ValidationError as exc:
        raise ImportProblem(
            f"{display}: not a Clearance catalog; nothing was imported",
            problems=where.from_validation([], exc),
        ) from exc
    parsed = ParsedCatalog()
    people = _read_people(document.people, where, parsed)
    seen: dict[str, int | None] = {}
    for index, raw in enumerate(document.titles):
        at: list[str | int] = ["titles", index]
        problems = _reference_problems(raw, at, people, where, base_dir)
        try:
            entry = TitleEntry.model_validate(raw)
        except ValidationError as exc:
            problems.extend(where.from_validation(at, exc))
            entry = None
        if entry is not None and entry.id in seen:
            problems.append(
                where.problem(
                    [*at, "id"],
                    f"duplicate title id {entry.id!r} (first at line "
                    f"{seen[entry.id]}); title skipped",
                )
            )
        if entry is not None and not problems:
            record = _title_record(entry, at, people, where, base_dir, problems)
            if not problems:
                seen[entry.id] = record.line
                parsed.titles.append(record)
                continue
        parsed.problems.extend(sorted(problems, key=lambda p: p.line or 0))
        parsed.skipped += 1
    return parsed


#: ref -> person, or ``None`` for an entry that has problems of its own.
_People = dict[str, PersonRecord | None]


def _read_people(raw_people: list[Any], where: _Locator, parsed: ParsedCatalog) -> _People:
    people: _People = {}
    lines: dict[str, int | None] = {}
    for index, raw in enumerate(raw_people):
        path: list[str | int] = ["people", index]
        try:
            entry = PersonEntry.model_validate(raw)
        except ValidationError as exc:
            parsed.problems.extend(where.from_validation(path, exc))
            if isinstance(raw, dict):
                ref = raw.get("ref") or raw.get("name")
                if isinstance(ref, str):
                    people.setdefault(ref.strip(), None)
            continue
        ref = entry.ref or entry.name
        line = _line_of(where.root, path)
        if ref in lines:
            parsed.problems.append(
                where.problem(
                    path,
                    f"duplicate person {ref!r} (first at line {lines[ref]})",
                    "give people who share a name distinct 'ref' values",
                )
            )
            people[ref] = None
            continue
        lines[ref] = line
        person = PersonRecord(clean_text(entry.name), entry.date_of_birth)
        people[ref] = person
        parsed.people.append((person, line))
    return people


def _person(
    ref: str, path: list[str | int], people: _People, where: _Locator, problems: list[Problem]
) -> PersonRecord | None:
    if ref not in people:
        problems.append(
            where.problem(
                path, f"unknown person {ref!r}", "list every person under 'people' (by name or ref)"
            )
        )
        return None
    person = people[ref]
    if person is None:
        problems.append(where.problem(path, f"person {ref!r} has problems of its own"))
    return person


def _reference_problems(
    raw: Any, at: list[str | int], people: _People, where: _Locator, base_dir: _Files
) -> list[Problem]:
    """People and files a title refers to, checked on the raw entry (even if it is invalid)."""
    problems: list[Problem] = []
    if not isinstance(raw, dict):
        return problems
    for i, credit in _items(raw.get("credits")):
        if isinstance(credit, dict) and isinstance(credit.get("person"), str):
            _person(credit["person"], [*at, "credits", i, "person"], people, where, problems)
    for i, asset in _items(raw.get("assets")):
        versions = asset.get("versions") if isinstance(asset, dict) else None
        for j, version in _items(versions):
            if not isinstance(version, dict):
                continue
            path: list[str | int] = [*at, "assets", i, "versions", j]
            for k, ref in _items(version.get("depicted")):
                if isinstance(ref, str):
                    _person(ref, [*path, "depicted", k], people, where, problems)
            file = version.get("file")
            if isinstance(file, str) and file.strip():
                _, refused = base_dir.resolve(file)
                if refused is not None:
                    problems.append(where.problem([*path, "file"], refused, _PATH_HINT))
    return problems


def _items(value: Any) -> list[tuple[int, Any]]:
    return list(enumerate(value)) if isinstance(value, list) else []


def _content(
    entry: VersionEntry,
    kind: str,
    path: list[str | int],
    where: _Locator,
    base_dir: _Files,
    problems: list[Problem],
) -> tuple[bytes, str] | None:
    if entry.text is not None:
        return entry.text.strip().encode("utf-8"), entry.content_type or TEXT_CONTENT_TYPE
    file, refused = base_dir.resolve(entry.file or "")
    if file is None:
        problems.append(where.problem([*path, "file"], refused or "unusable path", _PATH_HINT))
        return None
    family = "image" if kind in IMAGE_KINDS else "text"
    try:
        content = read_limited(file, MAX_FILE_BYTES[family])
    except ContentError as exc:
        problems.append(where.problem([*path, "file"], exc.message))
        return None
    checked = _typed(content, kind, family, entry.content_type)
    if isinstance(checked, Problem):
        problems.append(where.problem([*path, "file"], checked.message, checked.hint))
        return None
    return content, checked


def _typed(content: bytes, kind: str, family: str, declared: str | None) -> str | Problem:
    """The content type of a version file's bytes, or the problem with them: an image kind
    needs an image, a copy kind UTF-8 text, and a declared ``content_type`` must agree."""
    if declared is not None and not declared.lower().startswith(f"{family}/"):
        return Problem(f"content_type {declared!r} does not fit a {kind} ({family}/...)")
    if family == "image":
        fmt = image_format(content)
        if fmt is None:
            return Problem(f"the file is not an image; a {kind} needs one",
                           hint="JPEG, PNG, WebP, GIF, BMP or TIFF, recognised from its bytes")
        return declared or IMAGE_MEDIA_TYPES[fmt]
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return Problem(f"the file is not UTF-8 text (byte {exc.start}); a {kind} is copy",
                       hint="save it as UTF-8")
    if any(ch in text for ch in "\x00\x1b") or not text.strip():
        return Problem(f"the file is not plain text; a {kind} is copy")
    return declared or TEXT_CONTENT_TYPE


def _title_record(
    entry: TitleEntry,
    path: list[str | int],
    people: _People,
    where: _Locator,
    base_dir: _Files,
    problems: list[Problem],
) -> TitleRecord:
    names = [
        NameRecord("localised", clean_text(t), loc) for loc, t in entry.localised_titles.items()
    ]
    names += [NameRecord("alias", clean_text(t)) for t in entry.aliases]
    names += [NameRecord("hashtag", "#" + t.lstrip("#")) for t in entry.hashtags]
    names += [NameRecord("handle", "@" + t.lstrip("@")) for t in entry.handles]
    credits = []
    for i, credit in enumerate(entry.credits):
        person = _person(credit.person, [*path, "credits", i, "person"], people, where, problems)
        if person is not None:
            credits.append(CreditRecord(person, credit.role, credit.character))
    assets = []
    for i, asset in enumerate(entry.assets):
        versions = []
        for j, version in enumerate(asset.versions):
            version_path: list[str | int] = [*path, "assets", i, "versions", j]
            depicted = [
                _person(ref, [*version_path, "depicted", k], people, where, problems)
                for k, ref in enumerate(version.depicted)
            ]
            content = _content(version, asset.kind, version_path, where, base_dir, problems)
            if content is None:
                continue
            versions.append(
                VersionRecord(
                    content[0],
                    content[1],
                    created_by=version.created_by,
                    shoot_date=version.shoot_date,
                    depicted=tuple(p for p in depicted if p is not None),
                    line=_line_of(where.root, version_path),
                )
            )
        assets.append(AssetRecord(asset.kind, asset.locale, asset.channel, tuple(versions)))
    return TitleRecord(
        id=entry.id,
        original_title=clean_text(entry.original_title),
        type=entry.type,
        rating=entry.rating,
        audience=entry.audience,
        release_year=entry.release_year,
        genres=None if entry.genres is None else tuple(dict.fromkeys(entry.genres)),
        countries=None if entry.countries is None else tuple(dict.fromkeys(entry.countries)),
        names=tuple(names),
        credits=tuple(credits),
        assets=tuple(assets),
        line=_line_of(where.root, path),
    )
