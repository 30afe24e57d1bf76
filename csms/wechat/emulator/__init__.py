"""A local emulator of WeChat's servers (mini-program API and WeChat Pay v3) that signs, verifies
and encrypts exactly as WeChat does, so the real clients run against it. See docs/wechat.md."""

from csms.wechat.emulator.app import create_emulator
from csms.wechat.emulator.config import WECHAT_RETRY_DELAYS, EmulatorConfig
from csms.wechat.emulator.keys import EmulatorKeys, ensure_keys
from csms.wechat.emulator.server import WechatEmulator

__all__ = [
           "WECHAT_RETRY_DELAYS",
           "EmulatorConfig",
           "EmulatorKeys",
           "WechatEmulator",
           "create_emulator",
           "ensure_keys",
]
