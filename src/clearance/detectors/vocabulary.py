"""What findings can say: every label, and per label the attributes its emitters declare.

The policy loader checks each ``finding:`` label and each ``where`` against this, so a rule on a
misspelt label, attribute or value is refused when the policy is loaded instead of silently
never firing. It is assembled from the declarations themselves (each detector's ``emits``, each
vendor importer's ``EMITS``), never written twice.

Several emitters may declare one label (``suggestive.text``: the lexicon, the semantic stage and
OCR; ``minor.apparent``: the age detector and two vendors). Their attributes are merged: an
attribute is known when any of them declares it; it may be null when any says so; a closed set of
string values stays closed only while every emitter closes it; an ``int`` and a ``float`` make a
``float``. Two emitters declaring one attribute with other types (a string and a number) is a
:class:`~clearance.errors.RegistryError`: a policy value could not be right for both.

Labels of the taxonomy that no emitter produces yet (``match.withdrawn``) are labels all the same,
with no attributes, so a ``where`` on them is refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from clearance.errors import RegistryError
from clearance.findings import Attr, Emits, Label, Schema


def merge_attr(a: Attr, b: Attr, where: str) -> Attr:
    """One declaration for an attribute that two emitters declare (see the module docstring)."""
    if a.type is b.type:
        kind = a.type
    elif {a.type, b.type} == {int, float}:
        kind = float
    else:
        raise RegistryError(f"{where} is declared as {a.type.__name__} and as {b.type.__name__}")
    values = a.values | b.values if a.values and b.values else frozenset()
    return replace(a, type=kind, nullable=a.nullable or b.nullable, values=values,
                   doc=a.doc or b.doc)


def merge_schemas(schemas: Iterable[Schema], label: str) -> dict[str, Attr]:
    out: dict[str, Attr] = {}
    for schema in schemas:
        for name, attr in schema.items():
            out[name] = merge_attr(out[name], attr, f"'{name}' of {label}") \
                if name in out else attr
    return out


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """Labels -> merged attribute declarations, and who emits each label."""

    attributes: Mapping[str, Mapping[str, Attr]]
    emitters: Mapping[str, tuple[str, ...]]

    @classmethod
    def of(cls, emitters: Iterable[tuple[str, Emits]],
           taxonomy: Iterable[str] = Label.ALL) -> Vocabulary:
        """The vocabulary of ``(emitter name, emits)`` pairs, plus the ``taxonomy`` labels that
        no emitter declares yet."""
        by_label: dict[str, list[Schema]] = {}
        names: dict[str, list[str]] = {}
        for name, emits in emitters:
            for label, schema in emits.items():
                by_label.setdefault(label, []).append(schema)
                names.setdefault(label, []).append(name)
        for label in taxonomy:
            by_label.setdefault(label, [])
        return cls({label: merge_schemas(schemas, label)
                    for label, schemas in sorted(by_label.items())},
                   {label: tuple(names.get(label, ())) for label in sorted(by_label)})

    @property
    def labels(self) -> list[str]:
        return list(self.attributes)

    def matching(self, pattern: str) -> list[str]:
        """The labels a policy's ``finding:`` matches: itself, or, for ``prefix*``, every label
        starting with the prefix."""
        if pattern.endswith("*"):
            return [lbl for lbl in self.attributes if lbl.startswith(pattern[:-1])]
        return [pattern] if pattern in self.attributes else []

    def attributes_of(self, labels: Iterable[str]) -> dict[str, Attr]:
        """The attributes any of ``labels`` carries, merged."""
        return merge_schemas((self.attributes[lbl] for lbl in labels), ", ".join(labels))


def builtin_vocabulary() -> Vocabulary:
    """The vocabulary of this release: every built-in detector (the optional semantic stage and
    copy classifier too) and every vendor importer."""
    from clearance.detectors.registry import default_registry
    from clearance.detectors.semantic import SemanticSuggestiveDetector
    from clearance.detectors.sexualised import SexualisedMinorDetector
    from clearance.vendors import VENDOR_EMITS

    detectors = [*default_registry(), SemanticSuggestiveDetector, SexualisedMinorDetector]
    return Vocabulary.of([*((d.name, d.emits) for d in detectors), *VENDOR_EMITS.items()])
