"""Language per post: the platform's own tag when it sent one, else CLD3 on the text.

X tags every tweet (``lang``), Bluesky records carry ``langs``; Reddit and the CSV usually do not.
A platform's tag is kept (it saw more context than the text); otherwise Google's CLD3 (the
``cld3-py`` wheel, imported as ``gcld3``; about 22,000 short texts/s on one core here) reads the
text with URLs, @mentions and #hashtags taken out, and a language it is unsure of (not
``is_reliable``) or a text of fewer than 12 letters is ``und``. The answer is ISO 639-1 where one
exists (``en``, ``fr``), as the platforms write them.
"""

from __future__ import annotations

import re
from typing import Any, Final

from clearance.errors import DetectorUnavailable

UNKNOWN: Final = "und"
#: Fewer letters than this is not enough to tell a language.
MIN_LETTERS: Final = 12
_NOISE: Final = re.compile(r"https?://\S+|www\.\S+|[@#]\w+")


class LanguageId:
    """CLD3, loaded once per instance (the model is small; each worker makes its own)."""

    def __init__(self) -> None:
        try:
            import gcld3
        except ImportError as exc:  # pragma: no cover - the monitor extra is installed in CI
            raise DetectorUnavailable("language identification needs cld3-py: install the "
                                      "'monitor' extra (pip install 'clearance[monitor]')"
                                      ) from exc
        self._model: Any = gcld3.NNetLanguageIdentifier(min_num_bytes=0, max_num_bytes=512)

    def identify(self, text: str, declared: str | None = None) -> str:
        """The post's language: ``declared`` if given, else CLD3's reliable answer, else
        ``und``."""
        if declared:
            return declared
        cleaned = _NOISE.sub(" ", text)
        if sum(ch.isalpha() for ch in cleaned) < MIN_LETTERS:
            return UNKNOWN
        result = self._model.FindLanguage(text=cleaned)
        if not result.is_reliable:
            return UNKNOWN
        return str(result.language).split("-")[0]
