"""Every neutral command the CSMS can send to an OCPP 1.6 charge point: command type ->
(encode: command -> (action, payload), decode: (command, response) -> neutral result)."""

from __future__ import annotations

from csms.ocpp.routing import encoder_table
from csms.ocpp.v16 import commands, firmware, reservations, security, smart_charging

ENCODERS = encoder_table(
    "ocpp1.6",
    commands.ENCODERS,          # core: remote start/stop, reset, configuration, trigger, ...
    reservations.ENCODERS,      # Reservation and Local Auth List Management profiles
    smart_charging.ENCODERS,    # Smart Charging profile
    firmware.ENCODERS,          # Firmware Management, diagnostics, security extension logs/firmware
    security.ENCODERS,          # security extension: passwords, profiles, certificates
)
