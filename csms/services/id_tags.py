"""Who may charge: id tag lookup and the rules that turn a stored tag into an answer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from csms.domain.models import IdTag, IdTagInfo
from csms.domain.repositories import IdTagRepository
from csms.services.clock import Clock

# charge point id -> its MasterPassGroupId (2.0.1 AuthCtrlr), None when it has none or is not known
MasterPassGroup = Callable[[str], Awaitable[str | None]]


class IdTagService:
    def __init__(self, id_tags: IdTagRepository, clock: Clock, master_pass_group: MasterPassGroup | None = None):
        self.id_tags = id_tags
        self.clock = clock
        self.master_pass_group = master_pass_group    # set by the feature that knows the device model

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

    async def is_master_pass(self, cp_id: str, info: IdTagInfo) -> bool:
        """2.0.1 C16: a token whose group is the charge point's MasterPassGroupId may stop any
        transaction and start none. Looked up only for tokens that have a group."""
        if not info.group_id or self.master_pass_group is None:
            return False
        return info.group_id == await self.master_pass_group(cp_id)

    async def put(self, tag: IdTag) -> tuple[IdTag, bool]:
        return await self.id_tags.put(tag)
