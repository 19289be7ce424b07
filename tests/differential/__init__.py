"""Differential tests: the same byte exchanges against gearmand and geargate."""

from __future__ import annotations

import sys
from pathlib import Path

# The speaker imports the codec from the repository; make that work under plain `pytest` too.
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)
