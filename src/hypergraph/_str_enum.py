"""``_StrEnum``: the base of the library's string enums (Python 3.10 has no ``enum.StrEnum``).

Members are ``str`` instances: they compare equal to their values (``status == "completed"``),
and ``str()``/``print`` show the value alone (``completed``, not ``RunStatus.COMPLETED``).
"""

from __future__ import annotations

from enum import Enum

__all__ = ["_StrEnum"]


class _StrEnum(str, Enum):
    """An enum whose members are their string values, printed as those values."""

    __str__ = str.__str__
