"""Driver accounts: WeChat login (wx.login code -> code2session -> user by openid), refresh tokens
with rotation and reuse detection, phone binding (getPhoneNumber code), subscribe-message quotas.
Access tokens themselves are the API layer's business (api/auth.py)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from csms.domain.orders import User
from csms.services.clock import Clock


class InvalidRefreshToken(Exception):
    pass


class MiniProgram(Protocol):
    async def code2session(self, code: str): ...
    async def phone_number(self, code: str) -> str: ...


class Cipher(Protocol):
    def encrypt(self, text: str) -> str: ...
    def decrypt(self, token: str) -> str: ...
    def lookup_hash(self, text: str) -> str: ...


@dataclass(frozen=True)
class Login:
    user: User
    refresh_token: str
    created: bool


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class DriverAuthService:
    def __init__(self, users, refresh_tokens, subscriptions, mini: MiniProgram, cipher: Cipher, mask_phone,
                 clock: Clock, refresh_ttl: int):
        self.users = users
        self.refresh_tokens = refresh_tokens
        self.subscriptions = subscriptions
        self.mini = mini
        self.cipher = cipher
        self.mask_phone = mask_phone
        self.clock = clock
        self.refresh_ttl = refresh_ttl

    async def login(self, code: str, nickname: str | None = None, avatar_url: str | None = None) -> Login:
        """Exchange a wx.login code (WechatError / WechatUnavailable propagate) for the user."""
        session = await self.mini.code2session(code)
        profile = {k: v for k, v in (("nickname", nickname), ("avatar_url", avatar_url)) if v}
        user, created = await self.users.upsert_by_openid(session.openid, unionid=session.unionid, **profile)
        if not created and profile:
            user = await self.users.update(user.id, **profile)
        token = await self._new_refresh(user.id, secrets.token_hex(8))
        return Login(user, token, created)

    async def _new_refresh(self, user_id: int, family: str) -> str:
        token = secrets.token_urlsafe(32)
        await self.refresh_tokens.add(_hash(token), user_id, family, self.clock.now() + timedelta(seconds=self.refresh_ttl))
        return token

    async def refresh(self, token: str) -> tuple[User, str]:
        """Rotate: the old token stops working. Presenting a rotated token again means it leaked:
        the whole family is revoked."""
        row = await self.refresh_tokens.get(_hash(token))
        now = self.clock.now()
        if row is None or row.revoked_at is not None or row.expires_at <= now:
            raise InvalidRefreshToken("unknown, expired or revoked refresh token")
        if not await self.refresh_tokens.rotate(row.id, now):
            await self.refresh_tokens.revoke_family(row.family, now)
            raise InvalidRefreshToken("refresh token reused; every session of this login is revoked")
        user = await self.users.get(row.user_id)
        if user is None or not user.active:
            raise InvalidRefreshToken("no such user")
        return user, await self._new_refresh(user.id, row.family)

    async def logout(self, token: str) -> None:
        row = await self.refresh_tokens.get(_hash(token))
        if row is not None:
            await self.refresh_tokens.revoke_family(row.family, self.clock.now())

    async def bind_phone(self, user_id: int, code: str) -> User:
        phone = await self.mini.phone_number(code)
        return await self.users.update(user_id, phone_enc=self.cipher.encrypt(phone),
                                       phone_hash=self.cipher.lookup_hash(phone), phone_masked=self.mask_phone(phone))

    def phone_of(self, user: User) -> str | None:
        return self.cipher.decrypt(user.phone_enc) if user.phone_enc else None

    async def subscribe(self, user_id: int, results: dict[str, str]) -> dict[str, int]:
        for template_id, result in results.items():
            if result == "accept":
                await self.subscriptions.add(user_id, template_id, 1)
        return await self.subscriptions.quotas(user_id)
