"""What an emulator is told: where its keys live, whose app it plays, how fast it retries."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# WeChat Pay's own notification retry schedule (seconds between attempts, 15 s ... 6 h, ~24 h in all)
WECHAT_RETRY_DELAYS: tuple[float, ...] = (15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600,
                                          10800, 10800, 10800, 21600, 21600)
PAY_KEY_MODES = ("certificate", "public_key", "both")


@dataclass(frozen=True)
class EmulatorConfig:
    data_dir: Path                         # keys are generated here once (e.g. var/wechat-emulator)
    appid: str = "wx0000000000000000"
    secret: str | None = None              # None: the generated one (emulator.json)
    mchid: str | None = None               # None: the generated one
    retry_delays: tuple[float, ...] = WECHAT_RETRY_DELAYS   # between notification attempts; tests: short
    refund_delay: float | None = 1.0       # seconds until a refund succeeds; None: only complete_refund()
    token_ttl: int = 7200                  # access token lifetime, seconds
    code_ttl: int = 300                    # login / phone code lifetime, seconds
    request_window: int = 300              # a v3 request's Authorization timestamp may be this far off
    # how WeChat Pay signs for this merchant: platform certificate, WeChat Pay public key, or both
    # (a merchant moving to the public key: answers follow the request's Wechatpay-Serial,
    # notifications are signed with the public key at random, ``public_key_share`` of them)
    pay_keys: str = "certificate"
    public_key_share: float = 0.5
    # service-provider (服务商) mode: the merchant (mchid) is a service provider and ``sub_mchid`` its
    # sub-merchant, to whom the mini-program ``appid`` is bound; ``sp_appid`` is the service provider's
    # AppID (None: ``appid``, i.e. the mini-program is the service provider's own)
    sub_mchid: str | None = None
    sp_appid: str | None = None
    # content security: seconds from mediaCheckAsync to the verdict's push (WeChat: up to 30 min;
    # None: only when complete_media_check() says so), and whether pushes are encrypted (safe mode)
    media_check_delay: float | None = 0.2
    push_safe: bool = True

    def __post_init__(self) -> None:
        if self.pay_keys not in PAY_KEY_MODES:
            raise ValueError(f"pay_keys must be one of {PAY_KEY_MODES}, not {self.pay_keys!r}")
