"""Bundled charge-point simulator (OCPP-J 1.6 and 2.0.1): Python API, scenarios, load mode (1.6) and
the ``csms-sim`` CLI.

    from chargepoint_sim import ChargePoint16, ChargePoint201
    cp = ChargePoint201(url="ws://127.0.0.1:9000/ocpp", cp_id="CP1")   # same API as ChargePoint16
    await cp.connect()
"""

from .link import CallTimeout, NotConnected, SubprotocolRefused
from .protocol import CallError
from .station import SessionError, SessionRejected
from .v16 import ChargePoint16
from .v201 import ChargePoint201

__all__ = [
    "CallError",
    "CallTimeout",
    "ChargePoint16",
    "ChargePoint201",
    "NotConnected",
    "SessionError",
    "SessionRejected",
    "SubprotocolRefused",
]
