"""SQL repositories of notification channels and rules, delivery attempts and operators' WeChat
bindings (csms/domain/repositories_alarms.py). List fields are stored as JSON arrays."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update

from csms.db import tables_alarms as t
from csms.db.repositories import _Repo
from csms.domain.models import Page
from csms.domain.notifications import Channel, Delivery, Rule

_LISTS = {"targets", "channel_ids", "station_ids", "kinds", "events"}


def _in(fields: dict) -> dict:
    return {k: json.dumps(list(v)) if k in _LISTS else v for k, v in fields.items()}


def _out(cls, row):
    if row is None:
        return None
    values = {k: tuple(json.loads(v)) if k in _LISTS else v for k, v in row._mapping.items()}
    return cls(**values)


class _Configured(_Repo):
    """Channels and rules: small tables an admin edits, read whole by the notifier."""
    table = None
    cls: type = object

    async def create(self, **fields: Any):
        now = self.clock.now()
        new_id = await self._insert_unique(self.table, {**_in(fields), "created_at": now, "updated_at": now},
                                           self.cls.__name__.lower(), "name")
        return await self.get(new_id)

    async def get(self, item_id: int):
        return _out(self.cls, await self._one(select(self.table).where(self.table.c.id == item_id)))

    async def list(self) -> list:
        async with self.engine.connect() as s:
            rows = (await s.execute(select(self.table).order_by(self.table.c.id))).all()
        return [_out(self.cls, r) for r in rows]

    async def update(self, item_id: int, **fields: Any):
        if fields:
            await self._write(update(self.table).where(self.table.c.id == item_id)
                              .values(**_in(fields), updated_at=self.clock.now()))
        return await self.get(item_id)

    async def delete(self, item_id: int) -> bool:
        return await self._write(delete(self.table).where(self.table.c.id == item_id)) > 0


class SqlChannelRepository(_Configured):
    table = t.notification_channels
    cls = Channel

    async def create(self, *, name: str, type: str, targets: tuple[str, ...], enabled: bool) -> Channel:
        return await super().create(name=name, type=type, targets=targets, enabled=enabled)


class SqlRuleRepository(_Configured):
    table = t.notification_rules
    cls = Rule


class SqlDeliveryRepository(_Repo):
    async def add(self, delivery: Delivery) -> Delivery:
        values = {k: v for k, v in asdict(delivery).items() if k != "id"}
        values["error"] = values["error"][:512] if values["error"] else None
        values["target"] = values["target"][:255]
        async with self.engine.begin() as s:
            new_id = (await s.execute(t.notification_deliveries.insert().values(**values))).inserted_primary_key[0]
        return Delivery(**{**values, "id": new_id})

    async def list(self, *, alarm_id: int | None = None, channel_id: int | None = None, status: str | None = None,
                   limit: int = 50, offset: int = 0) -> Page:
        c = t.notification_deliveries.c
        where = [c[name] == value for name, value in (("alarm_id", alarm_id), ("channel_id", channel_id),
                                                      ("status", status)) if value is not None]
        return await self._page(Delivery, t.notification_deliveries, where, [c.id.desc()], limit, offset)


class SqlOperatorContactRepository(_Repo):
    async def bind(self, operator_id: int, username: str, openid: str, at: datetime) -> None:
        async with self.engine.begin() as s:
            c = t.operator_wechat.c
            found = (await s.execute(select(c.operator_id).where(c.operator_id == operator_id))).first()
            values = dict(username=username, openid=openid, bound_at=at)
            if found is None:
                await s.execute(t.operator_wechat.insert().values(operator_id=operator_id, **values))
            else:
                await s.execute(update(t.operator_wechat).where(c.operator_id == operator_id).values(**values))

    async def unbind(self, operator_id: int) -> bool:
        return await self._write(delete(t.operator_wechat).where(t.operator_wechat.c.operator_id == operator_id)) > 0

    async def get(self, operator_id: int) -> tuple[str, datetime] | None:
        c = t.operator_wechat.c
        row = await self._one(select(c.openid, c.bound_at).where(c.operator_id == operator_id))
        return (row.openid, row.bound_at) if row is not None else None

    async def openids(self, usernames: tuple[str, ...] = ()) -> list[tuple[str, str]]:
        c = t.operator_wechat.c
        stmt = select(c.username, c.openid).order_by(c.username)
        if usernames:
            stmt = stmt.where(c.username.in_(usernames))
        async with self.engine.connect() as s:
            return [(r.username, r.openid) for r in (await s.execute(stmt)).all()]

