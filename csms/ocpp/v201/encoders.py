"""Every neutral command the CSMS can send to an OCPP 2.0.1 charging station: command type ->
(encode: command -> (action, payload), decode: (command, response) -> neutral result)."""

from __future__ import annotations

from csms.ocpp.routing import encoder_table
from csms.ocpp.v201 import (commands, costs, firmware, provisioning, reservations, security, smart_charging,
                            smart_charging_display)

ENCODERS = encoder_table(
    "ocpp2.0.1",
    commands.ENCODERS,                  # core: remote start/stop, reset, variables, trigger, ...
    reservations.ENCODERS,              # blocks H (reservation) and D (local authorization list)
    smart_charging.ENCODERS,            # block K
    smart_charging_display.ENCODERS,    # block O (display messages)
    firmware.ENCODERS,                  # blocks L (firmware) and N (logs)
    security.ENCODERS,                  # blocks A and M (security, certificates)
    provisioning.ENCODERS,              # blocks B and N (device model, monitoring, customer information)
    costs.ENCODERS,                     # block I (CostUpdated)
)
