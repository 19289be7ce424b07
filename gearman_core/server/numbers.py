"""Number parsing with C library leniency, as gearmand reads numbers off the wire."""

from __future__ import annotations

import re

_LEADING_INT = re.compile(rb"[ \t\n\r\v\f]*([+-]?[0-9]+)")

INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)


def c_strtoll(text: bytes) -> int | None:
    """The leading decimal integer of ``text`` (0 when there is none), like strtoll.

    Returns None when the number does not fit in a signed 64-bit value, where strtoll
    would report ERANGE.
    """
    match = _LEADING_INT.match(text)
    if match is None:
        return 0
    value = int(match.group(1))
    if value > INT64_MAX or value < INT64_MIN:
        return None
    return value


def c_atoi(text: bytes) -> int:
    """The leading decimal integer of ``text``, 0 when there is none, clamped to int32."""
    match = _LEADING_INT.match(text)
    if match is None:
        return 0
    return max(-(2**31), min(2**31 - 1, int(match.group(1))))
