"""What a standalone emulator (``csms wechat-emulator``) keeps across a restart, as WeChat's servers
do: users' codes, access tokens, subscribe quotas and messages, orders, refunds and notifications.
Written when the emulator stops (SIGTERM / SIGINT), read when it starts; a notification not yet
acknowledged is delivered again after the start. A killed emulator (SIGKILL) forgets what changed
since its last start."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

from csms.wechat.emulator.state import EmulatorState, Notification

KEPT = ("login_codes", "phone_codes", "tokens", "stable_token", "quota", "messages", "transactions", "by_prepay",
        "refunds", "notifications", "push_url")


def save(state: EmulatorState, path: Path) -> None:
    """Atomically: a crash while writing leaves the previous file."""
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(pickle.dumps({name: getattr(state, name) for name in KEPT}))
    os.replace(tmp, path)


def load(state: EmulatorState, path: Path) -> list[Notification]:
    """Restore what ``save`` wrote (nothing when there is no file); returns the notifications still
    to deliver. The file is the emulator's own, written by ``save`` (pickle: never load another's)."""
    if not path.exists():
        return []
    kept = pickle.loads(path.read_bytes())
    for name in KEPT:
        if name in kept:
            setattr(state, name, kept[name])
    return [note for note in state.notifications.values() if not note.delivered]
