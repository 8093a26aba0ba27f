"""Loading a project script that is not in a package (``bench/*.py``, a data folder's
``counts.py`` or ``generate.py``) as a module, for tests that call its functions."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType


def load_script(name: str, path: Path) -> ModuleType:
    """``path`` run as module ``name`` (registered in ``sys.modules`` first: dataclasses look
    their module up while the script runs)."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
