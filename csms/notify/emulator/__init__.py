"""The local Aliyun SMS emulator (csms/notify/emulator/app.py), started in emulator mode as the WeChat one."""

from csms.notify.emulator.app import SmsEmulatorState, create_sms_emulator
from csms.notify.emulator.server import SmsEmulator

__all__ = ["SmsEmulator", "SmsEmulatorState", "create_sms_emulator"]
