"""Pure model of a charge point's hardware: connectors, their state machine, meters and transactions.

No I/O and no clock reads: callers pass monotonic time in seconds (``now``), so everything here is
deterministic and unit-testable. Shared by the OCPP 1.6 client (v16.py) and the 2.0.1 one (v201.py);
the state names are the OCPP 1.6 ChargePointStatus values (the 2.0.1 client maps them to its
ConnectorStatus and chargingState, see v201_messages.py). The configuration key store lives in config_store.py and is re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .config_store import ConfigKey, ConfigStore, core_keys_v16  # noqa: F401  (re-export)

AVAILABLE = "Available"
PREPARING = "Preparing"
CHARGING = "Charging"
SUSPENDED_EV = "SuspendedEV"
SUSPENDED_EVSE = "SuspendedEVSE"
FINISHING = "Finishing"
RESERVED = "Reserved"
UNAVAILABLE = "Unavailable"
FAULTED = "Faulted"

STATES = (AVAILABLE, PREPARING, CHARGING, SUSPENDED_EV, SUSPENDED_EVSE, FINISHING, RESERVED, UNAVAILABLE, FAULTED)

# Allowed transitions of a connector (> 0), from the OCPP 1.6 status transition table (section 4.9,
# rows A..I). A transition to the current state is a no-op and always allowed.
TRANSITIONS: dict[str, frozenset[str]] = {
    AVAILABLE: frozenset({PREPARING, CHARGING, SUSPENDED_EV, SUSPENDED_EVSE, RESERVED, UNAVAILABLE, FAULTED}),
    PREPARING: frozenset({AVAILABLE, CHARGING, SUSPENDED_EV, SUSPENDED_EVSE, FINISHING, FAULTED}),
    CHARGING: frozenset({AVAILABLE, SUSPENDED_EV, SUSPENDED_EVSE, FINISHING, UNAVAILABLE, FAULTED}),
    SUSPENDED_EV: frozenset({AVAILABLE, CHARGING, SUSPENDED_EVSE, FINISHING, UNAVAILABLE, FAULTED}),
    SUSPENDED_EVSE: frozenset({AVAILABLE, CHARGING, SUSPENDED_EV, FINISHING, UNAVAILABLE, FAULTED}),
    FINISHING: frozenset({AVAILABLE, PREPARING, UNAVAILABLE, FAULTED}),
    RESERVED: frozenset({AVAILABLE, PREPARING, UNAVAILABLE, FAULTED}),
    UNAVAILABLE: frozenset({AVAILABLE, PREPARING, CHARGING, SUSPENDED_EV, SUSPENDED_EVSE, FAULTED}),
    FAULTED: frozenset({AVAILABLE, PREPARING, CHARGING, SUSPENDED_EV, SUSPENDED_EVSE, FINISHING, RESERVED, UNAVAILABLE}),
}
# Connector 0 stands for the whole charge point and only has these three states.
TRANSITIONS_CP: dict[str, frozenset[str]] = {
    AVAILABLE: frozenset({UNAVAILABLE, FAULTED}),
    UNAVAILABLE: frozenset({AVAILABLE, FAULTED}),
    FAULTED: frozenset({AVAILABLE, UNAVAILABLE}),
}
TX_STATES = frozenset({CHARGING, SUSPENDED_EV, SUSPENDED_EVSE})


class InvalidTransition(ValueError):
    pass


class SessionError(RuntimeError):
    """A local session action is not possible (connector busy, faulted, no transaction ...)."""


class SessionRejected(SessionError):
    """The id tag was not accepted (Authorize or StartTransaction idTagInfo.status != Accepted)."""

    def __init__(self, status: str, message: str | None = None):
        super().__init__(message or f"id tag rejected: {status}")
        self.status = status


def can_transition(connector_id: int, current: str, new: str) -> bool:
    table = TRANSITIONS_CP if connector_id == 0 else TRANSITIONS
    return new == current or new in table.get(current, ())


def transition_path(connector_id: int, current: str, target: str) -> list[str]:
    """Shortest sequence of allowed transitions from ``current`` to ``target`` (excluding ``current``);
    e.g. Preparing -> Unavailable is not in the table, so it goes via Available."""
    if current == target:
        return []
    table = TRANSITIONS_CP if connector_id == 0 else TRANSITIONS
    paths = {current: []}
    frontier = [current]
    while frontier:
        nxt = []
        for state in frontier:
            for follower in sorted(table.get(state, ())):
                if follower not in paths:
                    paths[follower] = paths[state] + [follower]
                    if follower == target:
                        return paths[follower]
                    nxt.append(follower)
        frontier = nxt
    raise InvalidTransition(f"connector {connector_id}: no path {current} -> {target}")


def power_curve(max_power_w: float, elapsed_s: float, soc: float, ramp_s: float = 10.0, taper_soc: float = 80.0) -> float:
    """Charging power in W: linear ramp-up over ``ramp_s``, plateau at ``max_power_w``, then a linear
    taper above ``taper_soc`` % down to 5 % of max just below 100 % SoC; 0 at 100 %."""
    if soc >= 100.0 or max_power_w <= 0:
        return 0.0
    ramp = 1.0 if ramp_s <= 0 else min(1.0, max(0.0, elapsed_s) / ramp_s)
    taper = 1.0
    if soc > taper_soc:
        taper = max(0.05, (100.0 - soc) / (100.0 - taper_soc))
    return max_power_w * ramp * taper


class Meter:
    """Energy meter of one connector plus a simple EV battery behind it.

    ``energy_wh`` is the cumulative import register (integer Wh, never decreases). While a session
    flows, ``update(now)`` integrates the power curve over the elapsed (scaled) time.
    """

    def __init__(
        self,
        max_power_w: float,
        *,
        register_wh: int = 0,
        voltage_v: float | None = None,
        capacity_wh: float = 60_000.0,
        ramp_s: float = 10.0,
        taper_soc: float = 80.0,
        time_scale: float = 1.0,
    ):
        self.max_power_w = float(max_power_w)
        self.voltage_v = float(voltage_v) if voltage_v else (230.0 if max_power_w <= 22_000 else 400.0)
        self.capacity_wh = float(capacity_wh)
        self.ramp_s = ramp_s
        self.taper_soc = taper_soc
        self.time_scale = time_scale
        self._energy = float(register_wh)  # exact accumulator; exposed truncated to Wh
        self.soc = 0.0
        self.power = 0.0
        self.flowing = False  # energy transfer on (Charging); off when idle/suspended
        self._last: float | None = None
        self._elapsed = 0.0  # seconds of flow since the session began (drives the ramp)

    @property
    def energy_wh(self) -> int:
        return int(self._energy + 1e-6)  # tolerate float summation error

    @property
    def power_w(self) -> int:
        return int(round(self.power))

    @property
    def current_a(self) -> float:
        return self.power / self.voltage_v if self.voltage_v else 0.0

    def begin(self, now: float, soc: float = 20.0) -> None:
        """An EV is connected and a session starts flowing at ``now``."""
        self.soc = min(100.0, max(0.0, soc))
        self._elapsed = 0.0
        self._last = now
        self.flowing = True
        self.power = power_curve(self.max_power_w, 0.0, self.soc, self.ramp_s, self.taper_soc)

    def set_flowing(self, flowing: bool, now: float) -> None:
        """Pause (suspended, faulted) or resume the energy flow; the ramp restarts on resume."""
        self.update(now)
        if flowing and not self.flowing:
            self._elapsed = 0.0
        self.flowing = flowing
        self.power = power_curve(self.max_power_w, self._elapsed, self.soc, self.ramp_s, self.taper_soc) if flowing else 0.0
        self._last = now

    def end(self, now: float) -> None:
        self.update(now)
        self.flowing = False
        self.power = 0.0
        self._last = None

    def update(self, now: float) -> None:
        """Integrate energy up to ``now`` in steps of at most one simulated second."""
        if self._last is None:
            self._last = now
            return
        dt = (now - self._last) * self.time_scale
        self._last = now
        if not self.flowing or dt <= 0:
            return
        while dt > 0:
            step = min(1.0, dt)
            mid = power_curve(self.max_power_w, self._elapsed + step / 2, self.soc, self.ramp_s, self.taper_soc)
            wh = mid * step / 3600.0
            self._energy += wh
            if self.capacity_wh > 0:
                self.soc = min(100.0, self.soc + wh / self.capacity_wh * 100.0)
            self._elapsed += step
            dt -= step
        self.power = power_curve(self.max_power_w, self._elapsed, self.soc, self.ramp_s, self.taper_soc)


@dataclass(slots=True)
class Transaction:
    """A transaction as the charge point sees it. ``id`` is the transactionId: in 1.6 the central system's
    integer, None while the StartTransaction has not been answered (e.g. the transaction began offline);
    in 2.0.1 a string the station makes up itself. ``meter_stop`` is set when it ends, so
    ``energy_wh`` (meter_stop - meter_start) is what the station delivered."""

    connector_id: int
    id_tag: str | None
    meter_start: int
    timestamp: str
    local_id: int
    id: int | str | None = None
    begin_values: list = field(default_factory=list)  # sampled values at Transaction.Begin
    rejected: bool = False  # StartTransaction answered with an idTagInfo status other than Accepted
    remote: bool = False
    ended: bool = False
    meter_stop: int | None = None

    @property
    def energy_wh(self) -> int | None:
        return None if self.meter_stop is None else self.meter_stop - self.meter_start


class Connector:
    """One connector (``id`` > 0) or, with ``id`` 0, the charge point as a whole."""

    def __init__(self, connector_id: int, meter: Meter | None = None):
        self.id = connector_id
        self.state = AVAILABLE
        self.error_code = "NoError"
        self.info: str | None = None
        self.plugged = False
        self.operative = True  # ChangeAvailability Operative/Inoperative
        self.scheduled_operative: bool | None = None  # availability change waiting for the tx to end
        self.faulted = False
        self.transaction: Transaction | None = None
        self.last_transaction: Transaction | None = None  # the most recent one that ended
        self.reservation: dict | None = None  # ReserveNow (id, idTag, expiry ...): rests Reserved while set
        self.meter = meter

    def __repr__(self) -> str:
        return f"<Connector {self.id} {self.state} tx={self.transaction_id}>"

    @property
    def transaction_id(self) -> int | str | None:
        return self.transaction.id if self.transaction else None

    @property
    def meter_wh(self) -> int:
        return self.meter.energy_wh if self.meter else 0

    @property
    def power_w(self) -> int:
        return self.meter.power_w if self.meter else 0

    def transition(self, new: str, error_code: str = "NoError", info: str | None = None) -> bool:
        """Move to ``new``; return True if the reported status changed. Raise InvalidTransition if the
        OCPP table does not allow it."""
        if new not in STATES:
            raise InvalidTransition(f"unknown state {new!r}")
        if not can_transition(self.id, self.state, new):
            raise InvalidTransition(f"connector {self.id}: {self.state} -> {new} not allowed")
        changed = new != self.state or error_code != self.error_code
        self.state, self.error_code, self.info = new, error_code, info
        return changed

    def usable(self) -> bool:
        """Can a new transaction start here?"""
        return (
            self.id > 0
            and self.operative
            and not self.faulted
            and self.transaction is None
            and self.state in (AVAILABLE, PREPARING, FINISHING, RESERVED)
        )

    def resting_state(self) -> str:
        """The state the connector belongs in given its flags (after a fault clears, availability changes,
        a transaction ends ...)."""
        if self.faulted:
            return FAULTED
        if not self.operative:
            return UNAVAILABLE
        if self.id == 0:
            return AVAILABLE
        if self.transaction is not None:
            return self.state if self.state in TX_STATES else CHARGING
        if self.plugged:
            return FINISHING if self.state in (FINISHING, *TX_STATES) else PREPARING
        return RESERVED if self.reservation is not None else AVAILABLE

    def settle_path(self) -> list[str]:
        """The legal sequence of states leading to ``resting_state()`` (empty if already there)."""
        return transition_path(self.id, self.state, self.resting_state())
