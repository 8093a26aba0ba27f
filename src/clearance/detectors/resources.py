"""What a Screener hands its detectors instead of letting each build its own.

A :class:`Resources` object is made once per :class:`~clearance.screening.Screener` (from the
settings) and given to every detector's ``from_settings(settings, resources)``:

* ``models`` — a :class:`~clearance.detectors.models.ModelShelf`: each model loaded on first use,
  once, and shared by the detectors that use it;
* ``regions`` and ``faces`` — the finders that make up the per-picture analysis the image
  detectors share (:meth:`analyse`); the face finder is a replaceable part, built by default from
  ``CLEARANCE_FACE_MIN_PX``.

* ``bank`` — the hash bank's index (:class:`clearance.bank.index.BankIndex`), handed to the
  ``match.withdrawn`` detector; the service, the demo and ``clearance bank`` give one, a
  Screener made without one finds no near-copies.

Later resources (a team lexicon) are added here, so a detector that needs one
is handed it instead of loading it from settings behind the Screener's back. Nothing in here is
process-wide: two Screeners with different settings never see each other's models or faces.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clearance.content.picture import Picture
from clearance.detectors.analysis import FaceFinder, PictureAnalysis, RegionFinder
from clearance.detectors.faces import DEFAULT_MIN_FACE_PX
from clearance.detectors.finder import MtcnnRetinaFaces
from clearance.detectors.models import ModelShelf
from clearance.detectors.regions import NudeNetRegions
from clearance.settings import Settings

if TYPE_CHECKING:
    from clearance.detectors.bank import BankLookup


class Resources:
    """The models and shared parts of one Screener."""

    __slots__ = ("bank", "faces", "models", "regions")

    def __init__(self, *, models: ModelShelf | None = None,
                 face_min_px: int = DEFAULT_MIN_FACE_PX, regions: RegionFinder | None = None,
                 faces: FaceFinder | None = None, bank: BankLookup | None = None) -> None:
        """``models``: the shelf to load into (a new one by default). ``face_min_px``: the
        smallest face the default face finder looks for. ``regions`` / ``faces`` replace the
        default finders (NudeNet; MTCNN + RetinaFace). ``bank``: the hash bank's index, which the
        ``match.withdrawn`` detector looks items up in (none: that detector finds nothing)."""
        self.models = models if models is not None else ModelShelf()
        self.bank = bank
        self.regions: RegionFinder = regions if regions is not None \
            else NudeNetRegions(self.models)
        self.faces: FaceFinder = faces if faces is not None \
            else MtcnnRetinaFaces(self.models, min_face_px=face_min_px)

    @classmethod
    def from_settings(cls, settings: Settings, *, models: ModelShelf | None = None,
                      bank: BankLookup | None = None) -> Resources:
        return cls(models=models, face_min_px=settings.face_min_px, bank=bank)

    def faces_key(self) -> str:
        """What the face finder's findings depend on besides the picture (its model and smallest
        face): part of the findings-cache key of the detectors that read faces."""
        return f"faces={self.faces.model_name};min_px={getattr(self.faces, 'min_face_px', '')}"

    def analyse(self, picture: Picture) -> PictureAnalysis:
        """A new analysis of ``picture``: its parts are computed when a detector first asks."""
        return PictureAnalysis(picture, regions=self.regions, faces=self.faces)
