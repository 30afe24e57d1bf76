"""Alarm subscribe messages to operators who bound their WeChat (csms.services.notification_config
OperatorWechat), through the mini-program server API. The template (wechat.alarm_template_id) has the
fields: character_string1 the alarm id, thing2 what and where, phrase3 the severity, time4 when it was
raised (Beijing time), thing5 the message ("thing" fields hold 20 characters, "phrase" 5)."""

from __future__ import annotations

from typing import Any, Protocol
from zoneinfo import ZoneInfo

from csms.domain.alarms import place
from csms.services.notifier import AlarmMessage

CHINA = ZoneInfo("Asia/Shanghai")
SEVERITY_WORDS = {"info": "提示", "warning": "警告", "major": "严重", "critical": "紧急"}


class SubscribeSend(Protocol):
    async def send_subscribe(self, openid: str, template_id: str, data: dict[str, str], page: str | None = None,
                             state: str = "formal", lang: str = "zh_CN") -> Any: ...


class WechatSender:
    def __init__(self, mini: SubscribeSend, template_id: str):
        self.mini = mini
        self.template_id = template_id

    async def send(self, address: str, message: AlarmMessage) -> None:
        alarm = message.alarm
        data = {"character_string1": str(alarm.id), "thing2": f"{alarm.kind} {place(alarm)}"[:20],
                "phrase3": SEVERITY_WORDS.get(alarm.severity, alarm.severity)[:5],
                "time4": alarm.raised_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M"),
                "thing5": alarm.message[:20]}
        await self.mini.send_subscribe(address, self.template_id, data)
