"""WeChat integration: mini-program login, phone number and subscribe messages
(:mod:`csms.wechat.miniprogram`), WeChat Pay v3 (:mod:`csms.wechat.pay`), the signatures both use
(:mod:`csms.wechat.signing`), and a local emulator of WeChat's servers (:mod:`csms.wechat.emulator`).
Build them with :func:`csms.wechat.factory.build_wechat`. See docs/wechat.md."""

from csms.wechat.errors import (
    BadNotification,
    BadSignature,
    BillHashMismatch,
    NotificationError,
    StaleNotification,
    SubscribeRefused,
    WechatError,
    WechatFailure,
    WechatPayError,
    WechatPayUnavailable,
    WechatUnavailable,
)
from csms.wechat.miniprogram import MiniProgramClient, PhoneInfo, Session
from csms.wechat.pay import Notification, WechatPayClient

__all__ = [
    "BadNotification", "BadSignature", "BillHashMismatch", "MiniProgramClient", "Notification",
    "NotificationError", "PhoneInfo", "Session", "StaleNotification", "SubscribeRefused", "WechatError",
    "WechatFailure", "WechatPayClient", "WechatPayError", "WechatPayUnavailable", "WechatUnavailable",
]
