"""How setting values are read: cast to the declared type, TOML files, and the small text formats
some settings use (rates, networks, per-logger levels). Errors are :class:`SettingsError`, one line."""

from __future__ import annotations

import dataclasses
import ipaddress
import tomllib
from dataclasses import field
from pathlib import Path
from typing import Any


def setting(default: Any = dataclasses.MISSING, doc: str = "", *, env: str | None = None,
            aliases: tuple[str, ...] = (), secret: bool = False, example: Any = None) -> Any:
    """A settings field with its help text. ``env`` overrides the variable name the contract fixes;
    ``aliases`` are older variable names still read; ``secret`` values are kept out of logs and
    ``--help``; ``example`` is what default.toml shows for a field that has no default."""
    meta: dict[str, Any] = {"help": doc, "secret": secret, "aliases": aliases}
    if env:
        meta["env"] = env
    if example is not None:
        meta["example"] = example
    return field(default=default, metadata=meta)


class SettingsError(Exception):
    """A setting is missing or invalid; ``str()`` is a one-line message naming the key."""


def _cast(value: Any, typ: Any, key: str, source: str) -> Any:
    typ = {"int": int, "float": float, "bool": bool, "str": str}.get(typ, typ) if isinstance(typ, str) else typ
    try:
        if typ is bool:
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off", ""):
                return False
            raise ValueError
        if typ is int:
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            return int(str(value).strip()) if not isinstance(value, (int, float)) else int(value)
        if typ is float:
            if isinstance(value, bool):
                raise ValueError
            return float(value)
        if isinstance(value, (dict, list)):
            raise ValueError
        return str(value)
    except (TypeError, ValueError):
        raise SettingsError(
            f"setting {key}: expected {typ.__name__}, got {value!r} (from {source})"
        ) from None


def _read_toml(path: Path, what: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise SettingsError(f"setting config: file not found: {path} ({what})") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"setting config: {path} is not valid TOML: {exc}") from None


_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def parse_levels(text: str) -> dict[str, str]:
    """``"websockets=WARNING, csms.ocpp=debug"`` -> {"websockets": "WARNING", "csms.ocpp": "DEBUG"}."""
    levels = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, level = part.partition("=")
        if not name.strip() or level.strip().upper() not in _LEVELS:
            raise ValueError(repr(part))
        levels[name.strip()] = level.strip().upper()
    return levels


def parse_networks(text: str) -> tuple:
    """``"10.0.0.0/8, 127.0.0.1"`` -> ip_network objects."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip())


def parse_rate(text: str) -> tuple[int, float]:
    """``"10/60"`` -> (10, 60.0): at most 10 in any 60 seconds."""
    count, _, seconds = text.partition("/")
    n, secs = int(count), float(seconds)
    if n <= 0 or secs <= 0:
        raise ValueError(text)
    return n, secs


def parse_pairs(text: str) -> dict[str, str]:
    """``"a=1, b = x"`` -> {"a": "1", "b": "x"} (values checked by the caller)."""
    pairs = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = part.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise ValueError(repr(part))
        pairs[name.strip()] = value.strip()
    return pairs


def parse_message_log(mode: str) -> int:
    """ocpp.message_log: ``all`` -> 1, ``off`` -> 0, ``sample:N`` -> N (N >= 1); ValueError otherwise."""
    mode = mode.strip().lower()
    if mode in ("all", "off"):
        return 1 if mode == "all" else 0
    kind, _, n = mode.partition(":")
    if kind == "sample" and n.isdigit() and int(n) >= 1:
        return int(n)
    raise ValueError(f"expected all, off or sample:N, got {mode!r}")
