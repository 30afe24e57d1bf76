"""Content security of what drivers write and upload before others see it (no I/O).

Text (nicknames, reviews, feedback) is checked synchronously with WeChat's msgSecCheck and refused
when it is not ``pass``. Photos (feedback photos, avatars) are checked asynchronously with
mediaCheckAsync; each upload has one :class:`MediaCheck` whose lifecycle is :data:`CONTENT_CHECK`:

- ``pending``: the verdict has not arrived: the photo is shown to its author only;
- ``pass``: shown to everyone it is meant for;
- ``risky``: hidden from everyone (the file is no longer served) and the author is told.

WeChat's ``review`` (a person should look) is treated as ``risky``: nothing unchecked is published."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from csms.domain.states import StateMachine

CONTENT_CHECK = StateMachine("content check", {
    "pending": {"pass", "risky"},
    "pass": set(),
    "risky": set(),
})
CHECK_STATES = ("pending", "pass", "risky")
# WeChat's content-security scenes (v2): 1 profile (资料), 2 comment (评论), 3 forum, 4 social log
SCENE_PROFILE, SCENE_COMMENT = 1, 2


def verdict_state(suggest: str) -> str:
    """The state WeChat's ``suggest`` (pass | review | risky) leads to."""
    return "pass" if suggest == "pass" else "risky"


# WeChat's labels, for the author's message
LABELS = {100: "normal", 10001: "advertising", 20001: "politics", 20002: "pornography", 20003: "abuse",
          20006: "illegal", 20008: "fraud", 20012: "vulgar", 20013: "copyright", 21000: "other"}


@dataclass(frozen=True)
class MediaCheck:
    id: int
    upload: str                       # the upload's name (csms.services.profile.UploadStore)
    user_id: int                      # its author
    state: str
    created_at: datetime
    purpose: str = "photo"            # photo (feedback) | avatar
    trace_id: str | None = None       # WeChat's, once submitted
    label: int | None = None
    submitted_at: datetime | None = None
    decided_at: datetime | None = None


class MediaCheckRepository(Protocol):
    async def create(self, *, upload: str, user_id: int, purpose: str) -> MediaCheck: ...   # idempotent per upload
    async def get(self, upload: str) -> MediaCheck | None: ...
    async def by_trace(self, trace_id: str) -> MediaCheck | None: ...
    async def many(self, uploads: list[str]) -> dict[str, MediaCheck]: ...
    async def submitted(self, upload: str, trace_id: str, at: datetime) -> None: ...
    async def decide(self, check_id: int, state: str, label: int | None, at: datetime) -> MediaCheck | None: ...
    async def due(self, submitted_before: datetime, limit: int) -> list[MediaCheck]: ...   # pending, to (re)submit
