"""Feature module: security (see csms/features/__init__.py)."""

from __future__ import annotations


def install(container) -> None:
    pass
