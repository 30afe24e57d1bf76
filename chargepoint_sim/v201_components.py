"""The standard components and variables of a simulated OCPP 2.0.1 charging station (the controllers of
part 2 appendix 3 a real station reports, plus ChargingStation / EVSE / Connector), with typical
defaults. Live values (availability, power, problems, clock) come from callbacks into the station.
"""

from __future__ import annotations

from collections.abc import Callable

from .config_store import SUPPORTED_MEASURANDS
from .device_model import DeviceModel, Variable
from .protocol import utc_now

TX_POINTS = ("ParkingBayOccupancy", "EVConnected", "Authorized", "DataSigned", "PowerPathClosed", "EnergyTransfer")
AVAILABILITY = ("Available", "Occupied", "Reserved", "Unavailable", "Faulted")
TIME_SOURCES = ("Heartbeat", "NTP", "GPS", "RealTimeClock", "MobileNetwork", "RadioTimeTransmitter")
MEASURANDS = SUPPORTED_MEASURANDS
NETWORK_SLOTS = ("0", "1", "2", "3")  # configuration slots of network connection profiles (slot 0: the URL given)


def _int(component, name, value, *, unit=None, minimum=0, mutability="ReadWrite", **kw) -> Variable:
    return Variable(component, name, str(value), "integer", mutability, unit=unit, min_limit=minimum, **kw)


def _bool(component, name, value, mutability="ReadWrite", **kw) -> Variable:
    return Variable(component, name, "true" if value else "false", "boolean", mutability, **kw)


def _members(component, name, value, members, kind="MemberList", mutability="ReadWrite", **kw) -> Variable:
    return Variable(component, name, value, kind, mutability, values_list=tuple(members), **kw)


def _ro(component, name, value, data_type="string", **kw) -> Variable:
    return Variable(component, name, str(value), data_type, "ReadOnly", **kw)


def standard_device_model(
    *,
    evses: int,
    cp_id: str,
    vendor: str,
    model: str,
    serial: str,
    firmware: str,
    max_power_w: float,
    password: str | None = None,
    security_profile: int = 1,
    heartbeat_interval: int = 300,
    sample_interval: int = 60,
    items_per_message: int = 20,
    availability: Callable[[int], str] = lambda evse: "Available",
    enabled: Callable[[int], bool] = lambda evse: True,
    problem: Callable[[int], bool] = lambda evse: False,
    power: Callable[[int], float] = lambda evse: 0.0,
) -> DeviceModel:
    """A device model for a station with ``evses`` EVSEs of one connector each. The callbacks get the
    EVSE id (0 = the station as a whole)."""
    comm, sampled, aligned = "OCPPCommCtrlr", "SampledDataCtrlr", "AlignedDataCtrlr"
    tx, auth, cache, sec, data = "TxCtrlr", "AuthCtrlr", "AuthCacheCtrlr", "SecurityCtrlr", "DeviceDataCtrlr"
    tx_measurands = "Energy.Active.Import.Register,Power.Active.Import,Current.Import,Voltage,SoC"
    variables = [
        _int(comm, "HeartbeatInterval", heartbeat_interval, unit="s"),
        _int(comm, "WebSocketPingInterval", 0, unit="s"),
        _int(comm, "MessageTimeout", 30, unit="s", minimum=1, instance="Default"),
        _int(comm, "MessageAttempts", 3, minimum=1, instance="TransactionEvent"),
        _int(comm, "MessageAttemptInterval", 60, unit="s", instance="TransactionEvent"),
        _members(comm, "NetworkConfigurationPriority", "0", NETWORK_SLOTS, "SequenceList", reboot_required=True),
        _int(comm, "NetworkProfileConnectionAttempts", 3, minimum=1),
        _int(comm, "OfflineThreshold", 60, unit="s"),
        _int(comm, "ResetRetries", 3),
        _bool(comm, "UnlockOnEVSideDisconnect", True),
        _int(comm, "RetryBackOffRepeatTimes", 3),
        _int(comm, "RetryBackOffRandomRange", 10, unit="s"),
        _int(comm, "RetryBackOffWaitMinimum", 3, unit="s"),
        _members(comm, "FileTransferProtocols", "HTTPS", ("HTTP", "HTTPS", "FTP", "FTPS", "SFTP"),
                 mutability="ReadOnly"),
        _bool(sampled, "Enabled", True),
        _members(sampled, "TxStartedMeasurands", "Energy.Active.Import.Register", MEASURANDS),
        _members(sampled, "TxUpdatedMeasurands", tx_measurands, MEASURANDS),
        _int(sampled, "TxUpdatedInterval", sample_interval, unit="s"),
        _members(sampled, "TxEndedMeasurands", "Energy.Active.Import.Register", MEASURANDS),
        _int(sampled, "TxEndedInterval", 0, unit="s"),
        _bool(sampled, "RegisterValuesWithoutPhases", True),
        _bool(aligned, "Enabled", True),
        _members(aligned, "Measurands", "Energy.Active.Import.Register", MEASURANDS),
        _int(aligned, "Interval", 0, unit="s"),
        _members(aligned, "TxEndedMeasurands", "", MEASURANDS),
        _int(aligned, "TxEndedInterval", 0, unit="s"),
        _bool(aligned, "SendDuringIdle", True),
        _int(tx, "EVConnectionTimeOut", 60, unit="s"),
        _bool(tx, "StopTxOnEVSideDisconnect", True),
        _bool(tx, "StopTxOnInvalidId", True),
        _int(tx, "MaxEnergyOnInvalidId", 0, unit="Wh"),
        _members(tx, "TxStartPoint", "PowerPathClosed", TX_POINTS),
        _members(tx, "TxStopPoint", "EVConnected,Authorized", TX_POINTS),
        _bool(auth, "Enabled", True),
        _bool(auth, "AuthorizeRemoteStart", False),
        _bool(auth, "LocalAuthorizeOffline", True),
        _bool(auth, "LocalPreAuthorize", False),
        _bool(auth, "OfflineTxForUnknownIdEnabled", True),
        _bool(auth, "DisableRemoteAuthorization", False),
        _bool(cache, "Enabled", True),
        _bool(cache, "Available", True, mutability="ReadOnly"),
        _int(cache, "LifeTime", 86400, unit="s"),
        _members(cache, "Policy", "LRU", ("LRU", "LFU", "FIFO", "CUSTOM"), "OptionList"),
        Variable(sec, "BasicAuthPassword", password or "", "string", "WriteOnly", max_limit=40),
        _ro(sec, "SecurityProfile", security_profile, "integer"),
        _ro(sec, "Identity", cp_id),
        Variable(sec, "OrganizationName", "csms-sim"),
        _ro(sec, "CertificateEntries", 0, "integer"),
        _ro(sec, "MaxCertificateChainSize", 10000, "integer"),
        _int(sec, "CertSigningWaitMinimum", 60, unit="s", minimum=1),
        _int(sec, "CertSigningRepeatTimes", 3),
        _ro("ClockCtrlr", "DateTime", "", "dateTime", getter=utc_now, persistent=False),
        _members("ClockCtrlr", "TimeSource", "Heartbeat", TIME_SOURCES, "SequenceList"),
        _ro("ChargingStation", "Model", model, constant=True),
        _ro("ChargingStation", "VendorName", vendor, constant=True),
        _ro("ChargingStation", "SerialNumber", serial, constant=True),
        _ro("ChargingStation", "FirmwareVersion", firmware),
        _ro("ChargingStation", "SupplyPhases", 3, "integer"),
    ]
    for kind in ("GetReport", "GetVariables", "SetVariables"):
        variables.append(_ro(data, "ItemsPerMessage", items_per_message if kind == "GetReport" else 50, "integer",
                             instance=kind))
        variables.append(_ro(data, "BytesPerMessage", 65000, "integer", instance=kind))
    variables += [_ro(data, "ConfigurationValueSize", 1000, "integer"),
                  _ro(data, "ReportingValueSize", 2500, "integer")]
    variables += _live("ChargingStation", 0, None, availability, enabled, problem)
    for evse in range(1, evses + 1):
        variables += _live("EVSE", evse, None, availability, enabled, problem)
        variables.append(_ro("EVSE", "Power", "", "decimal", evse=evse, unit="W", max_limit=float(max_power_w),
                             getter=lambda e=evse: f"{power(e):.0f}", persistent=False))
        variables.append(_ro("EVSE", "SupplyPhases", 3, "integer", evse=evse))
        variables += _live("Connector", evse, 1, availability, enabled, problem)
        variables.append(_ro("Connector", "ConnectorType", "cCCS2" if max_power_w > 22_000 else "cType2",
                             evse=evse, connector=1, constant=True))
    return DeviceModel(variables)


def _live(component: str, evse: int, connector: int | None, availability, enabled, problem) -> list[Variable]:
    where = {} if evse == 0 else {"evse": evse, "connector": connector}
    return [
        Variable(component, "AvailabilityState", "", "OptionList", "ReadOnly", values_list=AVAILABILITY,
                 getter=lambda: availability(evse), persistent=False, **where),
        Variable(component, "Available", "true", "boolean", "ReadOnly", constant=True, **where),
        Variable(component, "Enabled", "", "boolean", "ReadOnly",
                 getter=lambda: "true" if enabled(evse) else "false", persistent=False, **where),
        Variable(component, "Problem", "", "boolean", "ReadOnly",
                 getter=lambda: "true" if problem(evse) else "false", persistent=False, **where),
    ]
