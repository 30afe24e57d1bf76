"""How much a 2.0.1 station takes in one request (B06.FR.05 and the DeviceDataCtrlr limits), and the
split of the CSMS's GetVariables / SetVariables / GetReport requests so that none exceeds it.

The limits are the station's DeviceDataCtrlr.ItemsPerMessage and DeviceDataCtrlr.BytesPerMessage, each
with the request as variable instance (GetVariables, SetVariables, GetReport). The CSMS learns them from
NotifyReport and GetVariables results (stored in the device model like every reported variable); an
operator can set them too, stored the same way (a later report from the station replaces them). A limit
not known is no limit. Bytes are those of the whole CALL frame as sent (UTF-8)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Protocol

from csms.domain.provisioning import DeviceVariable

REQUESTS = ("GetVariables", "SetVariables", "GetReport")
COMPONENT = "DeviceDataCtrlr"
ITEMS, BYTES = "ItemsPerMessage", "BytesPerMessage"
CACHE_TTL = 60.0          # s: a value set through another node is seen at the latest after this


class MessageTooLarge(Exception):
    """One item alone is larger than the station's BytesPerMessage: it cannot be sent."""


@dataclass(frozen=True)
class Limit:
    items: int | None = None
    bytes: int | None = None


class DeviceModel(Protocol):
    async def put_variables(self, variables: list[DeviceVariable]) -> None: ...
    async def set_value(self, cp_id: str, component: str, variable: str, value: str, **key: Any) -> bool: ...
    async def variables(self, cp_id: str, *, component: str | None = None, variable: str | None = None,
                        limit: int = 500, offset: int = 0): ...


Size = Callable[[list], Awaitable[int]]


def _int(value: str | None) -> int | None:
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return n if n > 0 else None


class MessageLimits:
    def __init__(self, device_model: DeviceModel, clock):
        self.device_model = device_model
        self.clock = clock
        self._cache: dict[str, tuple[dict[str, Limit], float]] = {}

    def forget(self, cp_id: str) -> None:
        self._cache.pop(cp_id, None)

    @staticmethod
    def concerns(component: str | None, variable: str | None) -> bool:
        return component == COMPONENT and variable in (ITEMS, BYTES)

    async def limits(self, cp_id: str) -> dict[str, Limit]:
        hit = self._cache.get(cp_id)
        if hit is not None and hit[1] > time.monotonic():
            return hit[0]
        page = await self.device_model.variables(cp_id, component=COMPONENT, limit=500)
        found: dict[str, dict[str, int | None]] = {r: {} for r in REQUESTS}
        for v in page.items:
            if v.variable in (ITEMS, BYTES) and v.variable_instance in REQUESTS and v.attribute_type == "Actual" \
                    and not v.component_instance and v.evse_id is None:
                found[v.variable_instance][v.variable] = _int(v.value)
        limits = {r: Limit(found[r].get(ITEMS), found[r].get(BYTES)) for r in REQUESTS}
        self._cache[cp_id] = (limits, time.monotonic() + CACHE_TTL)
        return limits

    async def set(self, cp_id: str, request: str, items: int | None, bytes_: int | None) -> None:
        """The operator's limits for ``request`` (None: not known, no limit)."""
        for variable, value in ((ITEMS, items), (BYTES, bytes_)):
            text = "" if value is None else str(value)
            key = dict(attribute_type="Actual", component_instance=None, variable_instance=request, evse_id=None,
                       connector_id=None)
            if not await self.device_model.set_value(cp_id, COMPONENT, variable, text, **key):
                await self.device_model.put_variables([DeviceVariable(
                    cp_id, COMPONENT, variable, value=text, mutability="ReadOnly", updated_at=self.clock.now(),
                    **key)])
        self.forget(cp_id)

    async def split(self, cp_id: str, request: str, items: list, size: Size) -> list[list]:
        """``items`` in consecutive chunks, each within the limits (in order; one chunk when none bind).
        ``size(chunk)`` is the byte size of the CALL that would carry ``chunk``."""
        limit = (await self.limits(cp_id))[request]
        if limit.items is None and limit.bytes is None:
            return [items]
        chunks: list[list] = []
        current: list = []
        for item in items:
            candidate = current + [item]
            if (limit.items is not None and len(candidate) > limit.items) or (
                    limit.bytes is not None and await size(candidate) > limit.bytes):
                if not current:
                    raise MessageTooLarge(f"one {request} item alone exceeds {limit.bytes} bytes")
                chunks.append(current)
                current = [item]
                if limit.bytes is not None and await size(current) > limit.bytes:
                    raise MessageTooLarge(f"one {request} item alone exceeds {limit.bytes} bytes")
            else:
                current = candidate
        if current or not chunks:
            chunks.append(current)
        return chunks
