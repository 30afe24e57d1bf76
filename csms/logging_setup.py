"""Logging as the settings say: readable text for a terminal (the default) or one JSON object per
line for ELK / Loki (``[log] json = true``), with the context of the line (charge point, OCPP
message and action, request id, operator or driver) and every secret masked."""

from __future__ import annotations

import logging
import sys
from typing import IO, Iterable

from pythonjsonlogger.json import JsonFormatter

from csms import log_context
from csms.log_redact import Redactor
from csms.settings import LogSettings, parse_levels

ACCESS_LOGGER = "csms.access"
_TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s%(context)s"
_SHORT = {"charge_point_id": "cp", "ocpp_message_id": "msg", "ocpp_action": "action", "request_id": "req",
          "actor": "by"}


class ContextFilter(logging.Filter):
    """Copies the bound context fields onto each record (a record's own ``extra`` wins)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in log_context.current().items():
            if not hasattr(record, name):
                setattr(record, name, value)
        return True


class TextFormatter(logging.Formatter):
    def __init__(self, redact: Redactor):
        super().__init__(_TEXT_FORMAT)
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        fields = [f"{short}={getattr(record, name)}" for name, short in _SHORT.items()
                  if getattr(record, name, None) is not None]
        record.context = f"  [{' '.join(fields)}]" if fields else ""
        return self.redact(super().format(record))


class JsonLineFormatter(JsonFormatter):
    """``{"time", "level", "logger", "message", ...context and extra fields}`` on one line."""

    def __init__(self, redact: Redactor):
        super().__init__("%(levelname)s %(name)s %(message)s", timestamp="time",   # ISO 8601, UTC, microseconds
                         rename_fields={"levelname": "level", "name": "logger"}, json_ensure_ascii=False)
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))


def configure(settings: LogSettings, secrets: Iterable[str] = (), stream: IO[str] | None = None) -> logging.Handler:
    """Install one handler on the root logger (replacing one installed before) and the levels."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "csms", False)]:
        root.removeHandler(old)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.csms = True
    redact = Redactor(secrets)
    handler.setFormatter(JsonLineFormatter(redact) if settings.json else TextFormatter(redact))
    handler.addFilter(ContextFilter())
    root.addHandler(handler)
    root.setLevel(settings.level.upper())
    for name, level in parse_levels(settings.levels).items():
        logging.getLogger(name).setLevel(level)
    logging.getLogger(ACCESS_LOGGER).disabled = not settings.access
    return handler
