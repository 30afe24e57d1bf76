"""WeChat's content security in the emulator: msgSecCheck (v2, synchronous, text) and
mediaCheckAsync (v2, images: WeChat fetches the URL and pushes the verdict to the mini-program's
message-push URL later). Everything passes unless a test marked a keyword or an image's bytes
risky. A mixin of :class:`csms.wechat.emulator.state.EmulatorState`; fetching and pushing are
content_push.py's."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from csms.wechat.emulator.records import MiniError

VISIT_WINDOW = timedelta(hours=2)     # WeChat checks only users who opened the mini-program this recently
MAX_TEXT = 2500
PASS_LABEL = 100


def trace_id() -> str:
    return "-".join(secrets.token_hex(4) for _ in range(3))


@dataclass
class MediaCheck:
    trace_id: str
    openid: str
    media_url: str
    scene: int
    created_at: datetime
    suggest: str | None = None              # set when the verdict is made
    label: int | None = None
    fetch_error: str | None = None
    message: dict[str, Any] | None = None   # the push, once made
    attempts: list[dict[str, Any]] = field(default_factory=list)
    delivered: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"trace_id": self.trace_id, "openid": self.openid, "media_url": self.media_url, "scene": self.scene,
                "suggest": self.suggest, "label": self.label, "fetch_error": self.fetch_error,
                "attempts": self.attempts, "delivered": self.delivered}


def _verdict(suggest: str, label: int) -> dict[str, Any]:
    return {"result": {"suggest": suggest, "label": label},
            "detail": [{"strategy": "content_model", "errcode": 0, "suggest": suggest, "label": label,
                        "prob": 90 if suggest != "pass" else 0}]}


class ContentSecurityState:
    @property
    def original_id(self) -> str:
        """The mini-program's original id (gh_...), the ToUserName of its pushes."""
        return "gh_" + hashlib.sha1(self.appid.encode()).hexdigest()[:12]

    # --- test control ------------------------------------------------------------------------------

    def mark_risky_text(self, keyword: str, suggest: str = "risky", label: int = 20001) -> None:
        """Text containing ``keyword`` gets this verdict (label 20001 politics, 20002 porn, ...)."""
        self.risky_texts[keyword.lower()] = (suggest, label)

    def mark_risky_image(self, image: bytes | str, suggest: str = "risky", label: int = 20002) -> str:
        """An image with these bytes (or this SHA-256 hex) gets this verdict; returns the SHA-256."""
        digest = hashlib.sha256(image).hexdigest() if isinstance(image, bytes) else image.lower()
        self.risky_images[digest] = (suggest, label)
        return digest

    # --- WeChat's API ------------------------------------------------------------------------------

    def _checked_user(self, body: dict[str, Any]) -> str:
        if body.get("version") != 2:
            raise MiniError(47001, "data format error: version must be 2")
        if body.get("scene") not in (1, 2, 3, 4):
            raise MiniError(47001, "data format error: scene must be 1, 2, 3 or 4")
        openid = body.get("openid")
        if not isinstance(openid, str) or not openid:
            raise MiniError(40003, "invalid openid")
        seen = self.last_visit.get(openid)
        if seen is None or self.clock() - seen > VISIT_WINDOW:
            raise MiniError(61010, "user is not in mini program access record in the last 2 hours")
        return openid

    def msg_sec_check(self, body: dict[str, Any]) -> dict[str, Any]:
        """POST /wxa/msg_sec_check (v2)."""
        content = body.get("content")
        if not isinstance(content, str) or not content or len(content) > MAX_TEXT:
            raise MiniError(47001, f"data format error: content must be 1-{MAX_TEXT} characters")
        self._checked_user(body)
        text = " ".join(str(body.get(k) or "") for k in ("title", "nickname", "content")).lower()
        suggest, label = next((v for k, v in self.risky_texts.items() if k in text), ("pass", PASS_LABEL))
        return {"errcode": 0, "errmsg": "ok", **_verdict(suggest, label), "trace_id": trace_id()}

    def media_check_async(self, body: dict[str, Any]) -> MediaCheck:
        """POST /wxa/media_check_async (v2): the check is accepted; the verdict comes by push."""
        url = body.get("media_url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise MiniError(47001, "data format error: media_url must be an http(s) URL")
        if body.get("media_type") not in (1, 2):
            raise MiniError(47001, "data format error: media_type must be 1 (audio) or 2 (image)")
        openid = self._checked_user(body)
        check = MediaCheck(trace_id(), openid, url, int(body["scene"]), self.clock())
        self.media_checks[check.trace_id] = check
        return check

    def media_verdict(self, check: MediaCheck, data: bytes | None, fetch_error: str | None = None) -> dict[str, Any]:
        """Decide on the fetched image and make the push (event wxa_media_check). An image WeChat could
        not fetch is ``review`` with a failing detail errcode (what WeChat sends then is not documented)."""
        if data is None:
            check.fetch_error = fetch_error or "not fetched"
            suggest, label, verdict = "review", 21000, _verdict("review", 21000)
            verdict["detail"][0]["errcode"] = -1
        else:
            suggest, label = self.risky_images.get(hashlib.sha256(data).hexdigest(), ("pass", PASS_LABEL))
            verdict = _verdict(suggest, label)
        check.suggest, check.label = suggest, label
        check.message = {
            "ToUserName": self.original_id, "FromUserName": check.openid,
            "CreateTime": int(self.clock().timestamp()), "MsgType": "event", "Event": "wxa_media_check",
            "appid": self.appid, "trace_id": check.trace_id, "version": 2, **verdict, "errcode": 0, "errmsg": "ok",
        }
        return check.message
