"""Builds the WeChat clients from settings: against the emulator (``mode = "emulator"``: in-process,
or its own process at ``wechat.emulator_url``) or against WeChat itself (``mode = "live"``, which
never starts or falls back to the emulator)."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from csms.settings import Settings, SettingsError, WechatSettings
from csms.wechat.emulator import EmulatorConfig, EmulatorKeys, WechatEmulator, ensure_keys
from csms.wechat.miniprogram import MiniProgramClient
from csms.wechat.pay import PayConfig, WechatPayClient
from csms.wechat.push import PushReceiver

EMULATOR_DIR = "wechat-emulator"
NOTIFY_PATH = "/api/v1/pay/wechat/notify"             # api/views/pay_notify.py
REFUND_NOTIFY_PATH = "/api/v1/pay/wechat/refund-notify"
PUSH_PATH = "/api/v1/wechat/push"                      # api/views/wechat_push.py

log = logging.getLogger(__name__)


@dataclass
class WechatBundle:
    mini: MiniProgramClient
    pay: WechatPayClient
    push: PushReceiver                  # checks and opens WeChat's message pushes (image check verdicts)
    public_url: str = ""                # where WeChat reaches this API (fetching photos to check them)
    emulator: WechatEmulator | None = None

    async def close(self) -> None:
        await self.mini.close()
        await self.pay.close()
        if self.emulator is not None:
            await self.emulator.stop()


async def build_wechat(settings: Settings, data_dir: Path, emulator_config: EmulatorConfig | None = None,
                       api_url: str | None = None) -> WechatBundle:
    """Start (emulator mode) and configure the clients. ``notify_url``/``refund_notify_url`` come from
    settings; in emulator mode the emulator notifies this process's own API at ``api_url`` (its
    listening socket is bound before anything is built: api/server.py).
    ``emulator_config`` (emulator mode only) overrides the emulator's defaults, e.g. short retries."""
    w = settings.wechat
    if w.mode == "live":
        key_pem = await asyncio.to_thread(Path(w.mch_private_key).read_text)
        public_pem = await asyncio.to_thread(Path(w.pay_public_key).read_text) if w.pay_public_key else ""
        config = PayConfig(appid=w.appid, mchid=w.mch_id, serial_no=w.mch_serial_no, private_key_pem=key_pem,
                           apiv3_key=w.apiv3_key, pay_base=w.pay_base, platform_cert_dir=w.platform_cert_dir,
                           public_key_pem=public_pem, public_key_id=w.pay_public_key_id, sub_mchid=w.sub_mchid,
                           sp_appid=w.sp_appid, notify_url=w.notify_url, refund_notify_url=w.refund_notify_url,
                           timeout=w.http_timeout)
        pay = _pay_client(config)
        mini = MiniProgramClient(w.appid, w.secret, w.api_base, timeout=w.http_timeout)
        try:
            await pay.start()
        except BaseException:
            await mini.close()
            raise
        return WechatBundle(mini=mini, pay=pay, push=PushReceiver(w.push_token, w.appid, w.push_aes_key),
                            public_url=settings.api.public_url)
    if w.mode != "emulator":
        raise ValueError(f"wechat.mode must be emulator or live, not {w.mode!r}")

    config = emulator_settings(w, emulator_config or EmulatorConfig(data_dir=data_dir / EMULATOR_DIR))
    if w.emulator_url:
        return await _external_emulator(settings, config, api_url)
    emulator = WechatEmulator(config)
    try:
        await emulator.start(port=w.emulator_port)
    except OSError as exc:
        await emulator.stop()
        raise SettingsError(f"setting wechat.emulator_port: cannot listen on 127.0.0.1:{w.emulator_port} "
                            f"({exc.strerror or exc}); set CSMS_WECHAT_EMULATOR_PORT (0 = any free port)") from None
    try:
        keys = emulator.keys
        assert keys is not None
        mini = MiniProgramClient(w.appid, keys.secret, emulator.url, timeout=w.http_timeout)
        pay = WechatPayClient(emulator_pay_config(keys, w, emulator.url, api_url))
        await pay.start()
    except BaseException:
        await emulator.stop()
        raise
    if api_url:                         # the console's message push URL, as an operator would set it
        emulator.set_push_url(f"{api_url}{PUSH_PATH}")
    push = PushReceiver(keys.push_token, w.appid, keys.push_aes_key)
    return WechatBundle(mini=mini, pay=pay, push=push, public_url=settings.api.public_url or api_url or "",
                        emulator=emulator)


def emulator_settings(w: WechatSettings, config: EmulatorConfig) -> EmulatorConfig:
    """The emulator plays the app and merchant the settings name (``csms wechat-emulator`` too)."""
    return dataclasses.replace(config, appid=w.appid, secret=w.secret or None, mchid=w.mch_id or None,
                               pay_keys=w.emulator_pay_keys, sub_mchid=w.sub_mchid or None,
                               sp_appid=w.sp_appid or None)


async def _external_emulator(settings: Settings, config: EmulatorConfig, api_url: str | None) -> WechatBundle:
    """``wechat.emulator_url``: the emulator runs as its own process (``csms wechat-emulator``), so it
    outlives this one; the keys it generated are read from the shared key directory, and its message
    push URL is pointed at this API when the emulator answers (a later start sets it again)."""
    w, url = settings.wechat, settings.wechat.emulator_url.rstrip("/")
    keys = await asyncio.to_thread(ensure_keys, config.data_dir, config.mchid, config.secret)
    mini = MiniProgramClient(w.appid, keys.secret, url, timeout=w.http_timeout)
    pay = WechatPayClient(emulator_pay_config(keys, w, url, api_url))
    try:
        await pay.start()
    except BaseException:
        await mini.close()
        raise
    if api_url:
        await _set_push_url(url, f"{api_url}{PUSH_PATH}", w.http_timeout)
    return WechatBundle(mini=mini, pay=pay, push=PushReceiver(keys.push_token, w.appid, keys.push_aes_key),
                        public_url=settings.api.public_url or api_url or "")


async def _set_push_url(emulator_url: str, push_url: str, timeout: float) -> None:
    try:
        async with (aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as http,
                    http.post(f"{emulator_url}/emulator/push-url", json={"url": push_url}) as resp):
            await resp.read()
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        log.warning("WeChat emulator at %s not reachable to set its push URL: %s", emulator_url, exc)


def _pay_client(config: PayConfig) -> WechatPayClient:
    try:
        return WechatPayClient(config)
    except (ValueError, TypeError) as exc:      # a file that is not the PEM key it should be
        key = "wechat.pay_public_key" if config.public_key_pem else "wechat.mch_private_key"
        raise SettingsError(f"setting {key}: cannot load the key: {exc}") from None


def emulator_pay_config(keys: EmulatorKeys, w: WechatSettings, url: str, api_url: str | None = None) -> PayConfig:
    """The client configured from the emulator's generated keys exactly as live settings would be,
    in the verification mode the emulator plays (``wechat.emulator_pay_keys``); notifications go to
    this process's API at ``api_url`` when given."""
    return PayConfig(appid=w.appid, mchid=keys.mchid, serial_no=keys.merchant_serial,
                     private_key_pem=keys.merchant_key_pem, apiv3_key=keys.apiv3_key, pay_base=url,
                     platform_cert_dir=str(keys.platform_cert_dir) if w.emulator_pay_keys != "public_key" else "",
                     public_key_pem=keys.public_key_pem if w.emulator_pay_keys != "certificate" else "",
                     public_key_id=keys.public_key_id if w.emulator_pay_keys != "certificate" else "",
                     sub_mchid=w.sub_mchid, sp_appid=w.sp_appid,
                     notify_url=f"{api_url}{NOTIFY_PATH}" if api_url else w.notify_url,
                     refund_notify_url=f"{api_url}{REFUND_NOTIFY_PATH}" if api_url else w.refund_notify_url,
                     timeout=w.http_timeout)
