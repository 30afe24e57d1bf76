"""Which charge points are in tolerant mode, and the bookkeeping of their deviations.

Strict by default. A charge point is tolerant when its record says so (``tolerant``), or when its
vendor (or vendor/model) is listed in ``ocpp.tolerant_models``. Each repaired deviation is counted in
metrics (csms_ocpp_deviations_total) and logged once per charge point and kind."""

from __future__ import annotations

import logging

from csms import metrics
from csms.domain.repositories import ChargePointRepository
from csms.ocpp.tolerance import normalise

log = logging.getLogger(__name__)


def parse_models(text: str) -> frozenset[str]:
    return frozenset(p.strip().lower() for p in text.split(",") if p.strip())


class ToleranceService:
    def __init__(self, charge_points: ChargePointRepository, models: frozenset[str]):
        self.charge_points = charge_points
        self.models = models
        self._enabled: dict[str, bool] = {}
        self._logged: set[tuple[str, str]] = set()

    def _listed(self, vendor: str | None, model: str | None) -> bool:
        v = (vendor or "").lower()
        return bool(v) and (v in self.models or f"{v}/{(model or '').lower()}" in self.models)

    async def enabled(self, cp_id: str, payload: dict | None = None) -> bool:
        known = self._enabled.get(cp_id)
        if known is None:
            cp = await self.charge_points.get(cp_id)
            known = bool(cp and (cp.tolerant or self._listed(cp.vendor, cp.model)))
            self._enabled[cp_id] = known
        if not known and payload is not None and "chargePointVendor" in payload:   # a 1.6 boot names it
            return self._listed(str(payload.get("chargePointVendor")), str(payload.get("chargePointModel")))
        if not known and payload is not None and isinstance(payload.get("chargingStation"), dict):
            station = payload["chargingStation"]
            return self._listed(str(station.get("vendorName")), str(station.get("model")))
        return known

    def forget(self, cp_id: str) -> None:
        self._enabled.pop(cp_id, None)

    def booted(self, cp_id: str, vendor: str | None, model: str | None) -> None:
        """The boot names vendor and model (stored a moment later, in a batch): listed ones are tolerant
        at once; otherwise the record decides."""
        if self._listed(vendor, model):
            self._enabled[cp_id] = True
        else:
            self._enabled.pop(cp_id, None)

    async def tolerate(self, cp_id: str, version: str, action: str, payload: dict, response: bool = False) -> dict:
        """The repaired payload, or the strict OcppError if the charge point is strict or the
        violation is not a known deviation."""
        if not await self.enabled(cp_id, payload):
            from csms.ocpp import schemas
            schemas.validate(version, action, payload, response)
            return payload
        fixed, kinds = normalise(version, action, payload, response)
        for kind in kinds:
            metrics.OCPP_DEVIATIONS.labels(kind).inc()
            if (cp_id, kind) not in self._logged:
                self._logged.add((cp_id, kind))
                log.warning("%s (tolerant mode): repaired %s in %s%s; further ones are counted, not logged",
                            cp_id, kind, action, " response" if response else "")
        return fixed
