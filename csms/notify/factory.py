"""Builds the alarm channels' senders from settings: SMS to Aliyun (live) or to the local emulator
(started here in emulator mode, as the WeChat one is), WeChat subscribe messages when a template is
set, signed webhooks always, e-mail when an SMTP server is set."""

from __future__ import annotations

from dataclasses import dataclass, field

from csms.keys import webhook_secret
from csms.notify.email import EmailSender, SmtpConfig
from csms.notify.emulator import SmsEmulator
from csms.notify.sms import AliyunCredentials, AliyunSms, SmsSender
from csms.notify.webhook import WebhookSender
from csms.notify.wechat import SubscribeSend, WechatSender
from csms.services.notifier import Sender
from csms.settings import Settings, SettingsError


@dataclass
class NotifyBundle:
    senders: dict[str, Sender]
    sms_emulator: SmsEmulator | None = None
    closers: list = field(default_factory=list)

    async def close(self) -> None:
        for close in self.closers:
            await close()
        if self.sms_emulator is not None:
            await self.sms_emulator.stop()


async def build_notify(settings: Settings, mini: SubscribeSend) -> NotifyBundle:
    n, sms = settings.notify, settings.sms
    webhook = WebhookSender(webhook_secret(settings), timeout=n.timeout)
    bundle = NotifyBundle({"webhook": webhook}, closers=[webhook.close])
    if settings.wechat.alarm_template_id:
        bundle.senders["wechat"] = WechatSender(mini, settings.wechat.alarm_template_id)
    if n.smtp_host:
        bundle.senders["email"] = EmailSender(SmtpConfig(n.smtp_host, n.smtp_port, n.smtp_from, n.smtp_username,
                                                         n.smtp_password, n.smtp_tls, n.timeout))
    if sms.mode == "off":
        return bundle
    endpoint, credentials = sms.endpoint, AliyunCredentials(sms.access_key_id, sms.access_key_secret)
    if sms.mode == "emulator":
        emulator = SmsEmulator(sms.sign_name, {sms.template_code})
        try:
            await emulator.start(port=sms.emulator_port)
        except OSError as exc:
            await emulator.stop()
            await bundle.close()
            raise SettingsError(f"setting sms.emulator_port: cannot listen on 127.0.0.1:{sms.emulator_port} "
                                f"({exc.strerror or exc}); set CSMS_SMS_EMULATOR_PORT (0 = any free port)") from None
        bundle.sms_emulator = emulator
        endpoint, credentials = emulator.url, AliyunCredentials(emulator.access_key_id, emulator.access_key_secret)
    provider = AliyunSms(endpoint, credentials, sms.sign_name, timeout=n.timeout)
    bundle.closers.append(provider.close)
    bundle.senders["sms"] = SmsSender(provider, sms.template_code)
    return bundle
