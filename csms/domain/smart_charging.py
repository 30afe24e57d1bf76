"""Smart charging and display messages, version-neutral: charging profiles, the stacking rules,
the commands an operator sends, and the records the CSMS keeps. Pure: no I/O.

Units: a schedule's limits are in A or W (``charging_rate_unit``), as the charge point applies them.
Purposes use the 1.6 words; 2.0.1's ChargingStationMaxProfile is ChargePointMaxProfile here, and
ChargingStationExternalConstraints (2.0.1, reported only) keeps its name."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

MAX_PROFILE = "ChargePointMaxProfile"
TX_DEFAULT = "TxDefaultProfile"
TX_PROFILE = "TxProfile"
EXTERNAL = "ChargingStationExternalConstraints"
PURPOSES = (MAX_PROFILE, TX_DEFAULT, TX_PROFILE, EXTERNAL)
KINDS = ("Absolute", "Recurring", "Relative")
RECURRENCY = ("Daily", "Weekly")
RATE_UNITS = ("A", "W")


class InvalidProfile(ValueError):
    """A profile that breaks a rule of the standard (the API answers 400 with ``field``)."""

    def __init__(self, message: str, field_name: str):
        super().__init__(message)
        self.field = field_name


@dataclass(frozen=True)
class SchedulePeriod:
    start_period: int                 # seconds from the start of the schedule
    limit: float                      # in the schedule's unit (A or W)
    number_phases: int | None = None


@dataclass(frozen=True)
class ChargingSchedule:
    charging_rate_unit: str           # A | W
    periods: tuple[SchedulePeriod, ...]
    duration: int | None = None       # seconds; None = until the next period / forever
    start_schedule: datetime | None = None
    min_charging_rate: float | None = None


@dataclass(frozen=True)
class ChargingProfile:
    id: int
    stack_level: int
    purpose: str
    kind: str
    schedule: ChargingSchedule
    recurrency_kind: str | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    transaction_id: int | None = None   # ours (TxProfile only)


@dataclass(frozen=True)
class InstalledProfile:
    """A profile the CSMS believes is installed on an EVSE (0 = the whole charge point)."""
    charge_point_id: str
    evse_id: int
    profile: ChargingProfile
    source: str = "CSO"                 # CSO (set by us) | EMS | SO | Other (reported by the station)
    ocpp_transaction_id: str | None = None
    updated_at: datetime | None = None


def check_profile(profile: ChargingProfile, evse_id: int) -> None:
    """The rules a profile must keep before it is sent (OCPP 1.6 3.13 / 2.0.1 K01)."""
    if profile.purpose not in (MAX_PROFILE, TX_DEFAULT, TX_PROFILE):
        raise InvalidProfile(f"purpose {profile.purpose} cannot be set by the CSMS", "profile.purpose")
    if profile.purpose == MAX_PROFILE and evse_id != 0:
        raise InvalidProfile("a ChargePointMaxProfile is set on connector 0 only", "connector_id")
    if profile.purpose == TX_PROFILE:
        if profile.transaction_id is None:
            raise InvalidProfile("a TxProfile needs the transaction it limits", "profile.transaction_id")
        if evse_id == 0:
            raise InvalidProfile("a TxProfile is set on the connector of its transaction", "connector_id")
    elif profile.transaction_id is not None:
        raise InvalidProfile("only a TxProfile names a transaction", "profile.transaction_id")
    if profile.kind == "Recurring" and profile.recurrency_kind is None:
        raise InvalidProfile("a Recurring profile needs recurrency_kind", "profile.recurrency_kind")
    if profile.kind != "Recurring" and profile.recurrency_kind is not None:
        raise InvalidProfile("recurrency_kind is for Recurring profiles", "profile.recurrency_kind")
    if profile.kind == "Relative" and profile.schedule.start_schedule is not None:
        raise InvalidProfile("a Relative profile has no start_schedule", "profile.schedule.start_schedule")
    if profile.kind in ("Absolute", "Recurring") and profile.schedule.start_schedule is None:
        raise InvalidProfile(f"an {profile.kind} profile needs start_schedule", "profile.schedule.start_schedule")
    starts = [p.start_period for p in profile.schedule.periods]
    if not starts or starts[0] != 0:
        raise InvalidProfile("the first period starts at 0", "profile.schedule.periods")
    if any(b <= a for a, b in zip(starts, starts[1:])):
        raise InvalidProfile("periods must start in increasing order", "profile.schedule.periods")
    if profile.valid_from and profile.valid_to and profile.valid_to <= profile.valid_from:
        raise InvalidProfile("valid_to must be after valid_from", "profile.valid_to")


def replaced_by(new: InstalledProfile, old: InstalledProfile) -> bool:
    """Stacking: a new profile replaces one with the same id, or one on the same EVSE with the same
    purpose and stack level (for TxProfiles: of the same transaction)."""
    if old.charge_point_id != new.charge_point_id:
        return False
    if old.profile.id == new.profile.id:
        return True
    p, q = new.profile, old.profile
    return (old.evse_id == new.evse_id and p.purpose == q.purpose and p.stack_level == q.stack_level
            and (p.purpose != TX_PROFILE or p.transaction_id == q.transaction_id))


def cleared_by(installed: InstalledProfile, *, profile_id: int | None, evse_id: int | None,
               purpose: str | None, stack_level: int | None) -> bool:
    """ClearChargingProfile: by id, or by every criterion given (none given = all)."""
    if profile_id is not None:
        return installed.profile.id == profile_id
    return ((evse_id is None or installed.evse_id == evse_id)
            and (purpose is None or installed.profile.purpose == purpose)
            and (stack_level is None or installed.profile.stack_level == stack_level))


# -- commands ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SetChargingProfile:
    evse_id: int                       # 1.6 connectorId / 2.0.1 evseId
    profile: ChargingProfile
    ocpp_transaction_id: str | None = None   # filled in by the service for a TxProfile


@dataclass(frozen=True)
class ClearChargingProfile:
    profile_id: int | None = None
    evse_id: int | None = None
    purpose: str | None = None
    stack_level: int | None = None


@dataclass(frozen=True)
class GetCompositeSchedule:
    evse_id: int
    duration: int
    charging_rate_unit: str | None = None


@dataclass(frozen=True)
class GetChargingProfiles:
    request_id: int
    evse_id: int | None = None
    purpose: str | None = None
    stack_level: int | None = None
    profile_ids: tuple[int, ...] = ()
    sources: tuple[str, ...] = ()


# -- display messages (2.0.1 block O) -----------------------------------------------------------------
@dataclass(frozen=True)
class DisplayMessage:
    id: int
    priority: str                      # AlwaysFront | InFront | NormalCycle
    format: str                        # ASCII | HTML | URI | UTF8
    content: str
    language: str | None = None
    state: str | None = None           # Charging | Faulted | Idle | Unavailable
    start_at: datetime | None = None
    end_at: datetime | None = None
    transaction_id: str | None = None  # the station's transaction id
    evse_id: int | None = None
    source: str = "csms"               # csms (set by us) | reported (NotifyDisplayMessages)
    updated_at: datetime | None = None


@dataclass(frozen=True)
class SetDisplayMessage:
    message: DisplayMessage


@dataclass(frozen=True)
class GetDisplayMessages:
    request_id: int
    ids: tuple[int, ...] = ()
    priority: str | None = None
    state: str | None = None


@dataclass(frozen=True)
class ClearDisplayMessage:
    id: int


@dataclass(frozen=True)
class ChargingReport:
    """What a station told us about limits and EV needs (2.0.1 K12-K17): kept as reported."""
    charge_point_id: str
    # charging_limit | charging_limit_cleared | ev_charging_needs | ev_charging_schedule
    kind: str
    evse_id: int | None
    data: dict = field(default_factory=dict)
    at: datetime | None = None
    id: int | None = None
