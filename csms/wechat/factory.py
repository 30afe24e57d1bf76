"""Builds the WeChat clients from settings: against the in-process emulator (``mode = "emulator"``)
or against WeChat itself (``mode = "live"``, which never starts or falls back to the emulator)."""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass
from pathlib import Path

from csms.settings import Settings, SettingsError
from csms.wechat.emulator import EmulatorConfig, WechatEmulator
from csms.wechat.miniprogram import MiniProgramClient
from csms.wechat.pay import WechatPayClient

EMULATOR_DIR = "wechat-emulator"
NOTIFY_PATH = "/api/v1/pay/wechat/notify"             # api/views/pay_notify.py
REFUND_NOTIFY_PATH = "/api/v1/pay/wechat/refund-notify"


@dataclass
class WechatBundle:
    mini: MiniProgramClient
    pay: WechatPayClient
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
        pay = WechatPayClient(appid=w.appid, mchid=w.mch_id, serial_no=w.mch_serial_no, private_key_pem=key_pem,
                              apiv3_key=w.apiv3_key, pay_base=w.pay_base, platform_cert_dir=w.platform_cert_dir,
                              notify_url=w.notify_url, refund_notify_url=w.refund_notify_url, timeout=w.http_timeout)
        mini = MiniProgramClient(w.appid, w.secret, w.api_base, timeout=w.http_timeout)
        try:
            await pay.start()
        except BaseException:
            await mini.close()
            raise
        return WechatBundle(mini=mini, pay=pay)
    if w.mode != "emulator":
        raise ValueError(f"wechat.mode must be emulator or live, not {w.mode!r}")

    config = emulator_config or EmulatorConfig(data_dir=data_dir / EMULATOR_DIR)
    config = dataclasses.replace(config, appid=w.appid, secret=w.secret or None, mchid=w.mch_id or None)
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
        pay = WechatPayClient(appid=w.appid, mchid=keys.mchid, serial_no=keys.merchant_serial,
                              private_key_pem=keys.merchant_key_pem, apiv3_key=keys.apiv3_key, pay_base=emulator.url,
                              platform_cert_dir=str(keys.platform_cert_dir),
                              notify_url=f"{api_url}{NOTIFY_PATH}" if api_url else w.notify_url,
                              refund_notify_url=f"{api_url}{REFUND_NOTIFY_PATH}" if api_url else w.refund_notify_url,
                              timeout=w.http_timeout)
        await pay.start()
    except BaseException:
        await emulator.stop()
        raise
    return WechatBundle(mini=mini, pay=pay, emulator=emulator)
