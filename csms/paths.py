"""Where the files the CSMS ships and keeps live, in a source checkout and in an installed package.

A source checkout (``pip install -e .`` or running from the tree) has ``config/``, ``migrations/``
and ``console/dist`` beside the ``csms`` package. A wheel carries copies of them inside the package
(``csms/_bundle/config``, ``csms/_bundle/migrations``, ``csms/_console``: setup.py's build step puts
them there), since nothing outside the package directory is installed."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
CHECKOUT = PACKAGE.parent
BUNDLE = PACKAGE / "_bundle"
PACKAGED_CONSOLE = PACKAGE / "_console"
SYSTEM_DATA_DIR = Path("/var/lib/csms")


def in_checkout() -> bool:
    """Running from a source tree (as opposed to an installed wheel)."""
    return (CHECKOUT / "setup.cfg").is_file() and (CHECKOUT / "migrations" / "env.py").is_file()


def shipped(relative: str) -> Path:
    """A file or directory the project ships: from the checkout when there is one, else from the bundle."""
    return CHECKOUT / relative if in_checkout() else BUNDLE / relative


def default_data_dir() -> Path:
    return CHECKOUT / "var" if in_checkout() else SYSTEM_DATA_DIR


def default_console_dir() -> Path:
    return CHECKOUT / "console" / "dist" if in_checkout() else PACKAGED_CONSOLE


DEFAULT_CONFIG = shipped("config/default.toml")
MIGRATIONS = shipped("migrations")
