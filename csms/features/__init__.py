"""Feature modules: each OCPP functional area beyond the core (reservations, smart charging,
security, ...) installs its services, inbound handlers, command encoders and jobs into the
container here, so the composition root stays one list and each area is one room.

A feature module has ``install(container)``; it may:
- build its services and set them as attributes of the container (``container.reservations = ...``),
- add inbound handlers: ``container.routes["ocpp1.6"]["ReserveNow"] = handler``,
- add command encoders: ``container.encoders["ocpp2.0.1"][ReserveNow] = (encode, decode)``,
- add periodic jobs: ``container.jobs.append(("reservation-expiry", {"seconds": 10}, coroutine_fn))``
  (interval kwargs) or with another APScheduler trigger: ``("id", ("cron", {"hour": 10}), fn)``,
- subscribe to the bus: ``container.bus.subscribe(EventType, fn)``.
Its REST views live in api/views/<same name>.py and its tables in csms/db/tables_<same name>.py."""

from __future__ import annotations

import importlib

FEATURES = (
    "csms.features.reservations",
    "csms.features.smart_charging",
    "csms.features.security",
    "csms.features.tariffs",
    "csms.features.costs",
    "csms.features.driver_profile",
    "csms.features.drivers",
    "csms.features.invoices",
)


def install_features(container) -> None:
    for name in FEATURES:
        importlib.import_module(name).install(container)
