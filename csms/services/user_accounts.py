"""Drivers' accounts as operators handle them: search (an exact phone number through its lookup hash,
csms/services/pii.py, since numbers are stored encrypted), block and unblock (a blocked driver may not
start sessions or reserve: csms/services/charging_start.py refuse_blocked), and answers to feedback,
which reach the driver (subscribe message and live push)."""

from __future__ import annotations

import re
from typing import Callable

from csms.domain.clock import Clock
from csms.domain.models import Page
from csms.domain.orders import User
from csms.domain.profile import Feedback
from csms.services.driver_updates import DriverUpdates
from csms.services.profile import FeedbackService

_SEPARATORS = re.compile(r"[\s\-().]")
_MAINLAND = re.compile(r"^1[3-9]\d{9}$")


def phone_query(q: str | None) -> str | None:
    """The mainland mobile number a search names (``+86 138-0013-8000`` -> ``13800138000``), as WeChat
    gives it (purePhoneNumber) and its lookup hash was made from; None for anything else."""
    if not q:
        return None
    digits = _SEPARATORS.sub("", q.strip())
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix):]
            break
    return digits if _MAINLAND.match(digits) else None


class AccountError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code = status, code


class UserAccounts:
    def __init__(self, user_repo, lookup_hash: Callable[[str], str], feedback: FeedbackService,
                 updates: DriverUpdates, clock: Clock):
        self.users = user_repo
        self.lookup_hash = lookup_hash
        self.feedback = feedback
        self.updates = updates
        self.clock = clock

    async def search(self, q: str | None = None, *, blocked: bool | None = None, limit: int = 50,
                     offset: int = 0) -> Page:
        phone = phone_query(q)
        return await self.users.list(q=q or None, phone_hash=self.lookup_hash(phone) if phone else None,
                                     blocked=blocked, limit=limit, offset=offset)

    async def get(self, user_id: int) -> User:
        user = await self.users.get(user_id)
        if user is None:
            raise AccountError(404, "not_found", f"driver {user_id} not found")
        return user

    async def block(self, user_id: int, reason: str) -> tuple[User, User]:
        """(before, after). Blocking a blocked driver again changes the reason only."""
        before = await self.get(user_id)
        after = await self.users.update(user_id, blocked_at=before.blocked_at or self.clock.now(),
                                        blocked_reason=reason)
        await self.updates.notice(user_id, "account_blocked", {"reason": reason})
        return before, after

    async def unblock(self, user_id: int) -> tuple[User, User]:
        before = await self.get(user_id)
        after = await self.users.update(user_id, blocked_at=None, blocked_reason=None)
        if before.blocked_at is not None:
            await self.updates.notice(user_id, "account_unblocked", {})
        return before, after

    async def answer(self, feedback_id: int, *, status: str | None = None,
                     reply: str | None = None) -> tuple[Feedback | None, Feedback]:
        """Move a driver's feedback along and/or reply; a new reply or status reaches the driver."""
        before = await self.feedback.repo.get(feedback_id)
        after = await self.feedback.handle(feedback_id, status=status, reply=reply)
        if before is not None and (after.reply != before.reply or after.status != before.status):
            await self.updates.notice(after.user_id, "feedback", {"feedback_id": after.id, "status": after.status,
                                                                  "reply": after.reply})
            if after.reply and after.reply != before.reply:
                await self.updates.notices.feedback_reply(after.user_id, after.id, after.reply, after.status)
        return before, after
