"""The content-check lifecycle: decided once, and nothing but WeChat's ``pass`` is published."""

from __future__ import annotations

from csms.domain.moderation import CONTENT_CHECK, verdict_state


def test_a_check_is_decided_once_pass_or_risky():
    assert CONTENT_CHECK.can("pending", "pass") and CONTENT_CHECK.can("pending", "risky")
    assert not CONTENT_CHECK.can("pass", "risky") and not CONTENT_CHECK.can("risky", "pass")
    assert not CONTENT_CHECK.can("pass", "pending")


def test_only_pass_publishes():
    assert [verdict_state(s) for s in ("pass", "review", "risky", "")] == ["pass", "risky", "risky", "risky"]
