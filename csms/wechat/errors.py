"""What can go wrong talking to WeChat. Every exception here derives from :class:`WechatFailure`."""

from __future__ import annotations


class WechatFailure(Exception):
    """Base of every WeChat integration error."""


class WechatUnavailable(WechatFailure):
    """WeChat could not be reached or answered garbage (network, timeout, HTTP 5xx): retry later."""


class WechatError(WechatFailure):
    """The mini-program server API answered ``errcode != 0``."""

    def __init__(self, errcode: int, errmsg: str = ""):
        super().__init__(f"WeChat error {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class SubscribeRefused(WechatError):
    """errcode 43101: the user has not accepted (or has used up) this subscribe-message template."""


class WechatPayError(WechatFailure):
    """WeChat Pay v3 answered an error: HTTP ``status`` with body ``{code, message}``."""

    def __init__(self, status: int, code: str, message: str = ""):
        super().__init__(f"WeChat Pay {status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


class WechatPayUnavailable(WechatPayError, WechatUnavailable):
    """WeChat Pay answered 5xx (SYSTEM_ERROR and the like) or could not be reached."""


class NotificationError(WechatFailure):
    """A WeChat Pay notification (or response) that must be refused."""


class BadSignature(NotificationError):
    """The Wechatpay-Signature does not verify with the platform certificate (or the serial is unknown)."""


class StaleNotification(NotificationError):
    """Wechatpay-Timestamp is more than the allowed window away from now."""


class BadNotification(NotificationError):
    """The notification body is not what WeChat sends, or its resource does not decrypt."""


class BillHashMismatch(WechatFailure):
    """The downloaded bill's SHA1 differs from the hash_value WeChat announced."""
