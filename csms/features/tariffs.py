"""Feature module: time-of-use tariffs (see csms/features/__init__.py).

Per station effective-dated tariff versions and their prices (csms/services/tariffs.py on the pure
csms/services/billing.py); REST views in api/views/tariffs.py."""

from __future__ import annotations

from csms.db.repositories_tariffs import SqlTariffRepository
from csms.services.tariffs import TariffService

CACHE_TTL = 60.0     # seconds another node may price with a tariff replaced elsewhere


def install(container) -> None:
    c = container
    c.tariff_repo = SqlTariffRepository(c.sessions_factory)
    c.tariffs = TariffService(c.tariff_repo, c.clock, cache_ttl=CACHE_TTL)
