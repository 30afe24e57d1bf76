"""Bundled charge-point simulator (OCPP-J 1.6): Python API, scenarios, load mode and ``csms-sim`` CLI.

    from chargepoint_sim import ChargePoint16
    cp = ChargePoint16(url="ws://127.0.0.1:9000/ocpp", cp_id="CP1")
    await cp.connect()
"""

from .link import CallTimeout, NotConnected, SubprotocolRefused
from .protocol import CallError
from .station import SessionError, SessionRejected
from .v16 import ChargePoint16

__all__ = [
    "CallError",
    "CallTimeout",
    "ChargePoint16",
    "NotConnected",
    "SessionError",
    "SessionRejected",
    "SubprotocolRefused",
]
