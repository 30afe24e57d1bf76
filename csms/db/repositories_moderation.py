"""SQL repository of content checks (interface: csms.domain.moderation.MediaCheckRepository)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from csms.db import tables_moderation as t
from csms.db.repositories import _Repo, _to
from csms.domain.moderation import MediaCheck


class SqlMediaCheckRepository(_Repo):
    async def create(self, *, upload: str, user_id: int, purpose: str) -> MediaCheck:
        """The upload's check, created pending once (a repeat returns the existing one)."""
        try:
            async with self.engine.begin() as conn:
                await conn.execute(t.media_checks.insert().values(
                    upload=upload, user_id=user_id, purpose=purpose, state="pending", created_at=self.clock.now()))
        except IntegrityError:
            pass
        return await self.get(upload)

    async def get(self, upload: str) -> MediaCheck | None:
        return _to(MediaCheck, await self._one(select(t.media_checks).where(t.media_checks.c.upload == upload)))

    async def by_trace(self, trace_id: str) -> MediaCheck | None:
        return _to(MediaCheck, await self._one(select(t.media_checks).where(t.media_checks.c.trace_id == trace_id)))

    async def many(self, uploads: list[str]) -> dict[str, MediaCheck]:
        if not uploads:
            return {}
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(t.media_checks).where(t.media_checks.c.upload.in_(uploads)))).all()
        return {r.upload: _to(MediaCheck, r) for r in rows}

    async def submitted(self, upload: str, trace_id: str, at: datetime) -> None:
        m = t.media_checks.c
        await self._write(update(t.media_checks).where(m.upload == upload, m.state == "pending")
                          .values(trace_id=trace_id, submitted_at=at))

    async def decide(self, check_id: int, state: str, label: int | None, at: datetime) -> MediaCheck | None:
        """pending -> ``state`` once (compare-and-set); None when it was decided already."""
        m = t.media_checks.c
        changed = await self._write(update(t.media_checks).where(m.id == check_id, m.state == "pending")
                                    .values(state=state, label=label, decided_at=at))
        if not changed:
            return None
        return _to(MediaCheck, await self._one(select(t.media_checks).where(m.id == check_id)))

    async def due(self, submitted_before: datetime, limit: int) -> list[MediaCheck]:
        """Pending checks never submitted, or submitted before ``submitted_before`` without a verdict."""
        m = t.media_checks.c
        async with self.engine.connect() as conn:
            rows = (await conn.execute(
                select(t.media_checks).where(m.state == "pending",
                                             or_(m.submitted_at.is_(None), m.submitted_at < submitted_before))
                .order_by(m.id).limit(limit))).all()
        return [_to(MediaCheck, r) for r in rows]
