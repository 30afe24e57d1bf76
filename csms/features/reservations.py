"""Feature module: reservations (see csms/features/__init__.py)."""

from __future__ import annotations


def install(container) -> None:
    pass
