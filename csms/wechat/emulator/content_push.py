"""What WeChat does after mediaCheckAsync: fetch the image from ``media_url`` (at most 10 MB), decide,
and push the verdict to the mini-program's message-push URL, signed with the Token and, in safe
mode, encrypted with the EncodingAESKey; a push not answered 2xx is tried again (three times in all)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import aiohttp

from csms.wechat import push
from csms.wechat.emulator.content import MediaCheck
from csms.wechat.emulator.state import EmulatorState

log = logging.getLogger(__name__)
MAX_MEDIA = 10 * 1024 * 1024
PUSH_ATTEMPTS = 3


async def fetch(session: aiohttp.ClientSession, url: str) -> tuple[bytes | None, str | None]:
    try:
        async with session.get(url) as resp:
            if resp.status != 200:
                return None, f"HTTP {resp.status}"
            data = await resp.content.read(MAX_MEDIA + 1)
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        return None, f"{type(exc).__name__}: {exc}"
    if len(data) > MAX_MEDIA:
        return None, "larger than 10 MB"
    return data, None


async def deliver(session: aiohttp.ClientSession, state: EmulatorState, check: MediaCheck) -> bool:
    """One push of the check's verdict; True when the server answered 2xx."""
    record: dict = {"at": datetime.now(UTC).isoformat()}
    if not state.push_url:
        record["error"] = "no message push URL configured"
        check.attempts.append(record)
        return False
    keys = state.keys
    query, body = push.seal(keys.push_token, state.appid, keys.push_aes_key, state.original_id, check.message or {},
                            safe=state.config.push_safe, openid=check.openid)
    try:
        async with session.post(state.push_url, params=query, data=body,
                                headers={"Content-Type": "application/json"}) as resp:
            await resp.read()
            record["status"] = resp.status
            check.delivered = 200 <= resp.status < 300
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        record["error"] = f"{type(exc).__name__}: {exc}"
    check.attempts.append(record)
    return check.delivered


async def run(session: aiohttp.ClientSession, state: EmulatorState, check: MediaCheck) -> None:
    """Fetch, decide (once) and push, retrying the push."""
    if check.message is None:
        data, error = await fetch(session, check.media_url)
        state.media_verdict(check, data, error)
    delays = (0.0, *state.config.retry_delays[:PUSH_ATTEMPTS - 1])
    for delay in delays:
        if delay:
            await asyncio.sleep(delay)
        if await deliver(session, state, check):
            return
    log.warning("wechat emulator: media check %s push never acknowledged", check.trace_id)


async def later(session: aiohttp.ClientSession, state: EmulatorState, check: MediaCheck, delay: float) -> None:
    await asyncio.sleep(delay)
    await run(session, state, check)
