"""Operator accounts: creation, login. Passwords hashed with Argon2id."""

from __future__ import annotations

import logging

from csms.domain.models import Operator
from csms.domain.repositories import Conflict, OperatorRepository
from csms.services.passwords import hash_password, verify_password

log = logging.getLogger(__name__)
_DUMMY_HASH: str | None = None


class OperatorService:
    def __init__(self, operators: OperatorRepository):
        self.operators = operators

    async def create(self, username: str, password: str, role: str = "operator") -> Operator:
        return await self.operators.create(username, await hash_password(password), role)

    async def ensure_admin(self, username: str, password: str) -> Operator | None:
        """Create this admin if no admin exists yet (CSMS_ADMIN_USERNAME / _PASSWORD)."""
        if not username or await self.operators.count("admin") > 0:
            return None
        try:
            op = await self.create(username, password, "admin")
        except Conflict:
            return None
        log.info("created admin %r", username)
        return op

    async def list(self, limit: int = 50, offset: int = 0):
        return await self.operators.list(limit=limit, offset=offset)

    async def change(self, operator_id: int, *, role: str | None = None, active: bool | None = None) -> Operator | None:
        """A new role or (de)activation: it applies from the operator's next login (tokens carry the role)."""
        fields = {k: v for k, v in (("role", role), ("active", active)) if v is not None}
        return await self.operators.update(operator_id, **fields)

    async def login(self, username: str, password: str) -> Operator | None:
        global _DUMMY_HASH
        op = await self.operators.get_by_username(username)
        if op is None or not op.active:
            # spend the same time as a real check, so user names cannot be probed by timing
            _DUMMY_HASH = _DUMMY_HASH or await hash_password("not-a-password")
            await verify_password(_DUMMY_HASH, password)
            return None
        return op if await verify_password(op.password_hash, password) else None
