"""SQL repository of the tariffs feature (interface: csms.domain.tariffs.TariffRepository)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import orjson
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from csms.db import tables as core
from csms.db import tables_tariffs as t
from csms.db.repositories import _Repo
from csms.domain.repositories import Conflict
from csms.domain.tariffs import (
    PeriodPrice,
    StationTariffs,
    TariffVersion,
    parse_segments,
    prices_doc,
    segments_doc,
)

_CHUNK = 5000        # station ids per IN (...): SQLite allows 32766 parameters, MariaDB far more


def _version(row) -> TariffVersion:
    prices = {k: PeriodPrice(v["energy_fen_per_kwh"], v["service_fen_per_kwh"])
              for k, v in orjson.loads(row.prices).items()}
    return TariffVersion(id=row.version_id, station_id=row.station_id, effective_from=row.effective_from,
                         segments=parse_segments(orjson.loads(row.segments)), prices=prices,
                         idle_fee_fen_per_min=row.idle_fee_fen_per_min, idle_grace_minutes=row.idle_grace_minutes,
                         created_at=row.created_at)


class SqlTariffRepository(_Repo):
    async def add(self, version: TariffVersion) -> TariffVersion:
        created_at = self.clock.now()
        values = {"station_id": version.station_id, "effective_from": version.effective_from,
                  "segments": orjson.dumps(segments_doc(version.segments)).decode(),
                  "prices": orjson.dumps(prices_doc(version.prices)).decode(),
                  "idle_fee_fen_per_min": version.idle_fee_fen_per_min,
                  "idle_grace_minutes": version.idle_grace_minutes, "created_at": created_at}
        try:
            async with self.engine.begin() as s:
                res = await s.execute(t.tariff_versions.insert().values(**values))
        except IntegrityError:
            raise Conflict(f"station {version.station_id} has a tariff version from "
                           f"{version.effective_from.isoformat()} already") from None
        return replace(version, id=res.inserted_primary_key[0], created_at=created_at)

    async def load(self, station_ids: Sequence[int]) -> dict[int, StationTariffs]:
        ids = sorted(set(station_ids))
        st, tv = core.stations, t.tariff_versions
        found: dict[int, tuple[str, list[TariffVersion]]] = {}
        async with self.engine.connect() as s:
            for i in range(0, len(ids), _CHUNK):
                stmt = (select(st.c.id.label("sid"), st.c.timezone, tv.c.id.label("version_id"), tv.c.station_id,
                               tv.c.effective_from, tv.c.segments, tv.c.prices, tv.c.idle_fee_fen_per_min,
                               tv.c.idle_grace_minutes, tv.c.created_at)
                        .select_from(st.outerjoin(tv, tv.c.station_id == st.c.id))
                        .where(st.c.id.in_(ids[i:i + _CHUNK]))
                        .order_by(st.c.id, tv.c.effective_from))
                for row in (await s.execute(stmt)).all():
                    entry = found.setdefault(row.sid, (row.timezone, []))
                    if row.version_id is not None:
                        entry[1].append(_version(row))
        return {sid: StationTariffs(tz, tuple(vs)) for sid, (tz, vs) in found.items()}
