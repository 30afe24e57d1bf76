"""Content security: what drivers write and upload is checked with WeChat before others see it
(csms.domain.moderation has the states and why).

- Text: nicknames (scene profile), reviews and feedback (scene comment) go through msgSecCheck at
  once; anything but ``pass`` is refused (422 ``content_risky``, naming the field), and nothing is
  stored.
- Photos: when a driver attaches an upload (to feedback, or as the avatar) its check is created
  ``pending`` and submitted to mediaCheckAsync; WeChat's push decides it (:meth:`on_push`). Until
  then only the author sees it (:meth:`for_author`); others get only ``pass`` photos
  (:meth:`for_others`); a ``risky`` file is not served at all (:meth:`hidden`) and the author is
  told (a ContentChecked event: live push). A check WeChat never answered is submitted again."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta

from csms.domain.driver_events import ContentChecked
from csms.domain.moderation import (
    CONTENT_CHECK,
    LABELS,
    SCENE_COMMENT,
    SCENE_PROFILE,
    MediaCheck,
    verdict_state,
)
from csms.domain.profile import ProfileError, invalid
from csms.services.clock import Clock

log = logging.getLogger(__name__)
PURPOSES = {"photo": SCENE_COMMENT, "avatar": SCENE_PROFILE}
RESUBMIT_AFTER = timedelta(hours=1)      # WeChat answers within 30 minutes; after an hour, ask again


def refused(field: str, label: int) -> ProfileError:
    return ProfileError(422, "content_risky",
                        f"the {field} did not pass WeChat's content check ({LABELS.get(label, 'other')})", field)


def unavailable(exc: Exception) -> ProfileError:
    return ProfileError(503, "content_check_unavailable", f"WeChat's content check did not answer: {exc}")


class ModerationService:
    """``uploads``: csms.services.profile.UploadStore; ``mini``: the mini-program client (msgSecCheck,
    mediaCheckAsync); ``media_base``: the public origin WeChat fetches photos from."""

    def __init__(self, checks, users, uploads, mini, bus, clock: Clock, media_base: str = ""):
        self.checks = checks
        self.users = users
        self.uploads = uploads
        self.mini = mini
        self.bus = bus
        self.clock = clock
        self.media_base = media_base.rstrip("/")

    # --- text ----------------------------------------------------------------------------------------

    async def check_text(self, user_id: int, text: str, field: str, scene: int = SCENE_COMMENT) -> None:
        """Raises 422 ``content_risky`` unless WeChat says ``pass`` (503 when it cannot say)."""
        if not text.strip():
            return
        user = await self.users.get(user_id)
        try:
            verdict = await self.mini.msg_sec_check(user.openid, text, scene,
                                                    nickname=text if scene == SCENE_PROFILE else None)
        except Exception as exc:  # noqa: BLE001 - WeChat unreachable or an errcode: no verdict, nothing stored
            log.warning("msgSecCheck of user %s's %s failed: %s", user_id, field, exc)
            raise unavailable(exc) from None
        if verdict.suggest != "pass":
            log.info("user %s: %s refused by msgSecCheck (%s, label %s)", user_id, field, verdict.suggest,
                     verdict.label)
            raise refused(field, verdict.label)

    # --- photos --------------------------------------------------------------------------------------

    def _name(self, url: str, field: str) -> str:
        name = self.uploads.name_of(url)
        if name is None:
            raise invalid(field, f"{url!r} is not an uploaded photo (POST /api/v1/driver/uploads first)")
        return name

    async def attach(self, user_id: int, urls: Iterable[str], purpose: str, field: str) -> None:
        """The driver uses these uploads (feedback photos, the avatar): each gets its check, submitted
        once. Another driver's upload, or one WeChat found risky, is refused."""
        for url in urls:
            name = self._name(url, field)
            check = await self.checks.create(upload=name, user_id=user_id, purpose=purpose)
            if check.user_id != user_id:
                raise invalid(field, f"{url!r} is not one of your uploads")
            if check.state == "risky":
                raise refused(field, check.label or 21000)
            if check.state == "pending" and check.trace_id is None:
                await self._submit(check)

    async def _submit(self, check: MediaCheck) -> bool:
        user = await self.users.get(check.user_id)
        url = f"{self.media_base}/api/v1/uploads/{check.upload}"
        try:
            trace_id = await self.mini.media_check_async(user.openid, url, PURPOSES.get(check.purpose, SCENE_COMMENT))
        except Exception as exc:  # noqa: BLE001 - WeChat unreachable or an errcode: the job submits it again
            log.warning("media check of %s not submitted: %s", check.upload, exc)
            return False
        await self.checks.submitted(check.upload, trace_id, self.clock.now())
        return True

    async def on_push(self, message: dict) -> MediaCheck | None:
        """A message WeChat pushed: the verdict of an image check decides it once (a repeat, or an
        event that is no image check, changes nothing)."""
        if message.get("Event") != "wxa_media_check":
            return None
        check = await self.checks.by_trace(str(message.get("trace_id") or ""))
        if check is None:
            log.warning("media check verdict for unknown trace_id %r", message.get("trace_id"))
            return None
        result = message.get("result") or {}
        state = verdict_state(str(result.get("suggest") or "review"))
        if check.state != "pending":
            return check                      # decided before: WeChat's repeat changes nothing
        CONTENT_CHECK.check(check.state, state)
        decided = await self.checks.decide(check.id, state, int(result.get("label") or 0) or None, self.clock.now())
        if decided is None:
            return await self.checks.get(check.upload)
        self.bus.publish(ContentChecked(decided.user_id, {
            "upload": decided.upload, "url": self.uploads.url(decided.upload), "purpose": decided.purpose,
            "state": decided.state, "label": decided.label}))
        return decided

    async def resubmit_due(self, limit: int = 100) -> int:
        """The job: checks never submitted (WeChat was down) or never answered, submitted (again)."""
        done = 0
        for check in await self.checks.due(self.clock.now() - RESUBMIT_AFTER, limit):
            done += await self._submit(check)
        return done

    # --- who sees what -------------------------------------------------------------------------------

    async def _states(self, urls: list[str]) -> dict[str, str | None]:
        names = {url: self.uploads.name_of(url) for url in urls}
        checks = await self.checks.many([n for n in names.values() if n])
        return {url: (checks[n].state if n in checks else None) for url, n in names.items()}

    async def for_author(self, urls: Iterable[str]) -> dict[str, str]:
        """Every photo of the author with its state (pending | pass | risky): the author sees them all."""
        return {url: state or "pass" for url, state in (await self._states(list(urls))).items()}

    async def for_others(self, urls: Iterable[str]) -> list[str]:
        """Only photos whose check passed: nothing unchecked or risky is shown to anyone else."""
        return [url for url, state in (await self._states(list(urls))).items() if state == "pass"]

    async def hidden(self, upload: str) -> bool:
        """A file WeChat found risky is served to nobody."""
        check = await self.checks.get(upload)
        return check is not None and check.state == "risky"

    # --- the driver's profile -------------------------------------------------------------------------

    async def profile(self, user_id: int, nickname: str | None = None, avatar_url: str | None = None) -> dict:
        """The profile fields to store once checked: the nickname by msgSecCheck, the avatar (an
        upload of the driver's, or "" for none) submitted to mediaCheckAsync."""
        fields: dict[str, str] = {}
        if nickname is not None:
            await self.check_text(user_id, nickname, "nickname", SCENE_PROFILE)
            fields["nickname"] = nickname
        if avatar_url is not None:
            if avatar_url:
                await self.attach(user_id, [avatar_url], "avatar", "avatar_url")
                avatar_url = self.uploads.url(self._name(avatar_url, "avatar_url"))
            fields["avatar_url"] = avatar_url
        return fields
