"""The catalog: titles, their names and people, and marketing assets with immutable versions.

Write with the idempotent upserts (:func:`upsert_title`, :func:`upsert_person`,
:func:`upsert_credit`, :func:`upsert_asset`, :func:`add_asset_version`) or import whole files
with :func:`import_catalog`; read with :func:`get_title`, :func:`title_assets` and
:func:`known_minors`, which return frozen public views. All functions take the session (and the
blob store, where content is involved) explicitly; none keeps hidden state.
"""

from clearance.catalog.importer import ImportReport, import_catalog, read_catalog
from clearance.catalog.people import Outcome, PersonIndex, upsert_person
from clearance.catalog.queries import (
    count_titles,
    get_asset_version,
    get_title,
    known_minors,
    list_titles,
    title_assets,
)
from clearance.catalog.views import (
    ADULT_AGE,
    AssetPublic,
    AssetVersionPublic,
    CreditPublic,
    KnownMinor,
    PersonPublic,
    TitleNamePublic,
    TitlePublic,
    TitleSummary,
    age_on,
)
from clearance.catalog.write import (
    add_asset_version,
    add_depicted,
    add_title_name,
    require_title,
    upsert_asset,
    upsert_credit,
    upsert_title,
)

__all__ = [
    "ADULT_AGE",
    "AssetPublic",
    "AssetVersionPublic",
    "CreditPublic",
    "ImportReport",
    "KnownMinor",
    "Outcome",
    "PersonIndex",
    "PersonPublic",
    "TitleNamePublic",
    "TitlePublic",
    "TitleSummary",
    "add_asset_version",
    "add_depicted",
    "add_title_name",
    "age_on",
    "count_titles",
    "get_asset_version",
    "get_title",
    "import_catalog",
    "known_minors",
    "list_titles",
    "read_catalog",
    "require_title",
    "title_assets",
    "upsert_asset",
    "upsert_credit",
    "upsert_person",
    "upsert_title",
]
