"""Builds the WeChat clients from settings: against the in-process emulator (``mode = "emulator"``)
or against WeChat itself (``mode = "live"``, which never starts or falls back to the emulator)."""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass
from pathlib import Path

from csms.settings import Settings, SettingsError, WechatSettings
from csms.wechat.emulator import EmulatorConfig, EmulatorKeys, WechatEmulator
from csms.wechat.miniprogram import MiniProgramClient
from csms.wechat.pay import PayConfig, WechatPayClient
from csms.wechat.push import PushReceiver

EMULATOR_DIR = "wechat-emulator"


@dataclass
class WechatBundle:
    mini: MiniProgramClient
    pay: WechatPayClient
    push: PushReceiver                  # checks and opens WeChat's message pushes (image check verdicts)
    emulator: WechatEmulator | None = None

    async def close(self) -> None:
        await self.mini.close()
        await self.pay.close()
        if self.emulator is not None:
            await self.emulator.stop()


async def build_wechat(settings: Settings, var_dir: Path, emulator_config: EmulatorConfig | None = None) -> WechatBundle:
    """Start (emulator mode) and configure the clients. ``notify_url``/``refund_notify_url`` come from
    settings; in emulator mode they are usually empty and the composition root sets
    ``bundle.pay.notify_url`` / ``.refund_notify_url`` once the API's port is known.
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
        return WechatBundle(mini=mini, pay=pay, push=PushReceiver(w.push_token, w.appid, w.push_aes_key))
    if w.mode != "emulator":
        raise ValueError(f"wechat.mode must be emulator or live, not {w.mode!r}")

    config = emulator_config or EmulatorConfig(data_dir=var_dir / EMULATOR_DIR)
    config = dataclasses.replace(config, appid=w.appid, secret=w.secret or None, mchid=w.mch_id or None,
                                 pay_keys=w.emulator_pay_keys, sub_mchid=w.sub_mchid or None, sp_appid=w.sp_appid or None)
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
        pay = WechatPayClient(emulator_pay_config(keys, w, emulator.url))
        await pay.start()
    except BaseException:
        await emulator.stop()
        raise
    push = PushReceiver(keys.push_token, w.appid, keys.push_aes_key)
    return WechatBundle(mini=mini, pay=pay, push=push, emulator=emulator)


def _pay_client(config: PayConfig) -> WechatPayClient:
    try:
        return WechatPayClient(config)
    except (ValueError, TypeError) as exc:      # a file that is not the PEM key it should be
        key = "wechat.pay_public_key" if config.public_key_pem else "wechat.mch_private_key"
        raise SettingsError(f"setting {key}: cannot load the key: {exc}") from None


def emulator_pay_config(keys: EmulatorKeys, w: WechatSettings, url: str) -> PayConfig:
    """The client configured from the emulator's generated keys exactly as live settings would be,
    in the verification mode the emulator plays (``wechat.emulator_pay_keys``)."""
    return PayConfig(appid=w.appid, mchid=keys.mchid, serial_no=keys.merchant_serial,
                     private_key_pem=keys.merchant_key_pem, apiv3_key=keys.apiv3_key, pay_base=url,
                     platform_cert_dir=str(keys.platform_cert_dir) if w.emulator_pay_keys != "public_key" else "",
                     public_key_pem=keys.public_key_pem if w.emulator_pay_keys != "certificate" else "",
                     public_key_id=keys.public_key_id if w.emulator_pay_keys != "certificate" else "",
                     sub_mchid=w.sub_mchid, sp_appid=w.sp_appid, notify_url=w.notify_url,
                     refund_notify_url=w.refund_notify_url, timeout=w.http_timeout)
