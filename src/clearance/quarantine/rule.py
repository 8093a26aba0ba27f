"""When content is quarantined: findings that put a known or apparent minor together with an
exposed intimate region.

Such content may be illegal to hold or to show (child sexual abuse material), so it is never put
in front of a reviewer, even blurred: only the ``legal`` role sees it, through the legal
reporting path (:mod:`clearance.quarantine`). The rule is deliberately blunt: any
``minor.known`` or ``minor.apparent`` finding and any ``exposure.<region>.exposed`` finding of an
intimate region on the same version, whatever their scores and wherever their boxes, since a
false alarm costs a legal reviewer a look and a miss puts the material in a review queue.

Intimate regions: genitalia (``genitalia``, ``genitalia_female``, ``genitalia_male``),
``buttocks``, ``anus`` and the female breast (``breast_female``). ``breast_male`` is not one: a
shirtless boy on a beach poster is not what this path is for (the policy still sends it to
review). ``docs/labels.md`` lists the labels.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

#: The labels of a minor, known (the catalog's dates of birth) or apparent (a face's age).
MINOR_LABELS: Final = frozenset({"minor.known", "minor.apparent"})
#: The regions whose exposure next to a minor quarantines the content.
INTIMATE_REGIONS: Final = frozenset({"genitalia", "genitalia_female", "genitalia_male",
                                     "buttocks", "anus", "breast_female"})
#: The exposure labels of those regions.
INTIMATE_LABELS: Final = frozenset(f"exposure.{r}.exposed" for r in INTIMATE_REGIONS)


def quarantine_labels(findings: Iterable[Mapping[str, Any]]) -> tuple[str, ...]:
    """The labels that quarantine content with these findings (as stored: mappings with a
    ``label``), sorted; empty when it is not to be quarantined."""
    labels = {str(f.get("label", "")) for f in findings}
    minors, exposed = labels & MINOR_LABELS, labels & INTIMATE_LABELS
    return tuple(sorted(minors | exposed)) if minors and exposed else ()
