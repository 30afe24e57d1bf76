"""Feature: driver accounts and the API's guards: WeChat login and phone binding, refresh tokens,
phone numbers encrypted at rest, request signatures' nonces and rate limits (in-process, or Redis
when configured), the reverse proxies whose X-Forwarded-For is believed."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from csms.db.catalog import Repositories
from csms.keys import load_pii_key
from csms.services.clock import Clock
from csms.services.driver_auth import DriverAuthService, MiniProgram
from csms.services.nonces import NonceStore, make_nonce_store
from csms.services.pii import PiiCipher, mask_phone
from csms.services.ratelimit import RateLimiter, make_rate_limiter
from csms.settings import Settings, parse_networks

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Accounts:
    pii: PiiCipher
    driver_auth: DriverAuthService
    nonces: NonceStore
    rate_limiter: RateLimiter
    trusted_proxies: tuple[Network, ...]


def build(repos: Repositories, settings: Settings, *, mini: MiniProgram, redis, clock: Clock) -> Accounts:
    pii = PiiCipher(load_pii_key(settings))
    return Accounts(
        pii=pii,
        driver_auth=DriverAuthService(repos.users, repos.refresh_tokens, repos.subscriptions, mini, pii, mask_phone,
                                      clock, settings.driver.refresh_ttl),
        nonces=make_nonce_store(redis), rate_limiter=make_rate_limiter(redis),
        trusted_proxies=tuple(parse_networks(settings.api.trusted_proxies)))
