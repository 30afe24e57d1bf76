"""The local authorization list, version-neutral: what the CSMS last had a charge point accept
(version and entries), full and differential updates, and a full list made from our own id tags."""

from __future__ import annotations

from csms.domain.models import IdTag
from csms.domain.repositories import IdTagRepository
from csms.domain.reservations import (
    GetLocalListVersion,
    LocalAuthEntry,
    LocalList,
    LocalListRepository,
    SendLocalList,
)
from csms.services.clock import Clock
from csms.services.id_tags import IdTagService
from csms.services.reservations import Gateway, InvalidRequest

UPDATE_TYPES = ("Full", "Differential")


class LocalListService:
    def __init__(self, lists: LocalListRepository, gateway: Gateway, id_tags: IdTagService,
                 id_tag_repo: IdTagRepository, clock: Clock):
        self.lists = lists
        self.gateway = gateway
        self.id_tags = id_tags
        self.id_tag_repo = id_tag_repo
        self.clock = clock

    async def send(self, cp_id: str, *, update_type: str, entries: list[LocalAuthEntry] | None = None,
                   version: int | None = None, from_id_tags: bool = False) -> dict:
        """Send a list update; the version is the stored one + 1 unless given. Stored only when the
        charge point answers Accepted."""
        entries = list(entries or ())
        if update_type not in UPDATE_TYPES:
            raise InvalidRequest("update_type", "update_type must be Full or Differential")
        if from_id_tags:
            if update_type != "Full":
                raise InvalidRequest("from_id_tags", "from_id_tags makes a Full list")
            if entries:
                raise InvalidRequest("entries", "give entries or from_id_tags, not both")
            entries = await self._from_id_tags()
        if update_type == "Full" and any(e.status is None for e in entries):
            raise InvalidRequest("entries", "every entry of a Full list needs a status")
        tags = [e.id_tag for e in entries]
        if len(set(tags)) != len(tags):
            raise InvalidRequest("entries", "an id tag appears twice")
        if version is None:
            version = (await self.lists.get(cp_id)).version + 1
        result = await self.gateway.execute(cp_id, SendLocalList(version, update_type, tuple(entries)))
        if result["status"] == "Accepted":
            at = self.clock.now()
            if update_type == "Full":
                await self.lists.replace(cp_id, version, entries, at)
            else:
                await self.lists.apply(cp_id, version, [e for e in entries if e.status is not None],
                                       [e.id_tag for e in entries if e.status is None], at)
        return {"status": result["status"], "version": version}

    async def get_version(self, cp_id: str) -> dict:
        return await self.gateway.execute(cp_id, GetLocalListVersion())

    async def current(self, cp_id: str) -> LocalList:
        return await self.lists.get(cp_id)

    async def _from_id_tags(self) -> list[LocalAuthEntry]:
        out, offset = [], 0
        while True:
            page = await self.id_tag_repo.list(limit=500, offset=offset)
            out.extend(self._entry(tag) for tag in page.items)
            offset += len(page.items)
            if not page.items or offset >= page.total:
                return out

    def _entry(self, tag: IdTag) -> LocalAuthEntry:
        info = self.id_tags.info(tag)
        return LocalAuthEntry(tag.id_tag, info.status, tag.expiry_date, tag.group_id)
