"""Ways out for alarm notifications (the Sender of csms/services/notifier.py per channel type): SMS
through a provider (Aliyun SMS, with its local emulator in csms/notify/emulator/), WeChat subscribe
messages, signed webhooks, e-mail over SMTP. Built from settings by csms/notify/factory.py."""
