"""Content intake: what can be screened, checked before anything is decoded or stored.

* :mod:`clearance.content.images` — image bytes into a :class:`~clearance.content.picture.Picture`
  (format from the bytes, pixel limit before decoding, refusals that say what to do);
* :mod:`clearance.content.picture` — the decoded picture and the people it depicts;
* :mod:`clearance.content.text` — copy, checked and split into sentences;
* :mod:`clearance.content.csvrows` — rows of a catalog CSV, bad rows reported and skipped.
"""
