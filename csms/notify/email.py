"""Alarm e-mail over SMTP (aiosmtplib): plain text, one message per address, STARTTLS, implicit TLS
or none as configured (notify.smtp_tls), with a login when a user name is set."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import aiosmtplib

from csms.services.notifier import AlarmMessage


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    sender: str
    username: str = ""
    password: str = ""
    tls: str = "starttls"           # starttls | tls | none
    timeout: float = 10.0


class EmailSender:
    def __init__(self, config: SmtpConfig):
        self.config = config

    async def send(self, address: str, message: AlarmMessage) -> None:
        c = self.config
        mail = EmailMessage()
        mail["From"] = c.sender
        mail["To"] = address
        mail["Subject"] = message.title
        mail["Date"] = formatdate(message.at.timestamp(), usegmt=True)
        mail["Message-ID"] = make_msgid("alarm")
        mail["X-CSMS-Alarm"] = str(message.alarm.id)
        mail.set_content(f"{message.title}\n\n{message.text}\n")
        await aiosmtplib.send(mail, hostname=c.host, port=c.port, username=c.username or None,
                              password=c.password or None, use_tls=c.tls == "tls",
                              start_tls=True if c.tls == "starttls" else False, timeout=c.timeout)
