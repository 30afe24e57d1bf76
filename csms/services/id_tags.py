"""Who may charge: id tag lookup and the rules that turn a stored tag into an answer."""

from __future__ import annotations

from csms.domain.models import IdTag, IdTagInfo
from csms.domain.repositories import IdTagRepository
from csms.services.clock import Clock


class IdTagService:
    def __init__(self, id_tags: IdTagRepository, clock: Clock):
        self.id_tags = id_tags
        self.clock = clock

    async def authorize(self, id_tag: str | None) -> IdTagInfo:
        if not id_tag:
            return IdTagInfo("Invalid")
        tag = await self.id_tags.get(id_tag)
        if tag is None:
            return IdTagInfo("Unknown")      # 1.6 says Invalid, 2.0.1 Unknown: the adapters map it
        return self.info(tag)

    def info(self, tag: IdTag) -> IdTagInfo:
        status = tag.status
        if status == "Accepted" and tag.expiry_date is not None and tag.expiry_date <= self.clock.now():
            status = "Expired"
        return IdTagInfo(status, tag.expiry_date, tag.group_id)

    async def put(self, tag: IdTag) -> tuple[IdTag, bool]:
        return await self.id_tags.put(tag)
