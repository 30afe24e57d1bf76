"""Provisioning and monitoring (OCPP 2.0.1 blocks B and N, and customer information): neutral
commands and records. No I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# Standard 2.0.1 variables that say a component is in trouble: an Alerting/Delta event on one of
# them with a true-ish value raises an alarm, and a later event saying it is over clears it.
PROBLEM_VARIABLES = frozenset({"Problem", "Tripped", "Fallback", "Overload", "Fault", "Tamper"})
FALSE_VALUES = frozenset({"false", "0", "no", "off", ""})


@dataclass(frozen=True)
class VariableRef:
    """A component (and optionally a variable) of a charging station's device model."""
    component: str
    variable: str | None = None
    component_instance: str | None = None
    variable_instance: str | None = None
    evse_id: int | None = None
    connector_id: int | None = None
    attribute_type: str | None = None   # Actual | Target | MinSet | MaxSet


@dataclass(frozen=True)
class DeviceVariable:
    charge_point_id: str
    component: str
    variable: str
    attribute_type: str = "Actual"
    value: str | None = None
    mutability: str | None = None
    persistent: bool | None = None
    constant: bool | None = None
    component_instance: str | None = None
    variable_instance: str | None = None
    evse_id: int | None = None
    connector_id: int | None = None
    characteristics: dict | None = None  # unit, dataType, minLimit, maxLimit, valuesList, supportsMonitoring
    request_id: int | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class Monitor:
    charge_point_id: str
    monitor_id: int
    component: str
    variable: str
    type: str                           # UpperThreshold | LowerThreshold | Delta | Periodic | PeriodicClockAligned
    value: float
    severity: int
    transaction: bool = False
    component_instance: str | None = None
    variable_instance: str | None = None
    evse_id: int | None = None
    connector_id: int | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class DeviceEvent:
    charge_point_id: str
    event_id: int
    timestamp: datetime
    trigger: str                        # Alerting | Delta | Periodic
    actual_value: str
    notification_type: str              # HardWiredNotification | HardWiredMonitor | PreconfiguredMonitor | CustomMonitor
    component: str
    variable: str
    cause: int | None = None
    tech_code: str | None = None
    tech_info: str | None = None
    cleared: bool = False
    transaction_id: str | None = None
    variable_monitoring_id: int | None = None
    component_instance: str | None = None
    variable_instance: str | None = None
    evse_id: int | None = None
    connector_id: int | None = None
    received_at: datetime | None = None
    id: int | None = None

    @property
    def problem_key(self) -> str:
        where = f"/evse{self.evse_id}" if self.evse_id is not None else ""
        return f"{self.component}{where}/{self.variable}"

    def is_problem(self) -> bool:
        return self.trigger in ("Alerting", "Delta") and self.variable in PROBLEM_VARIABLES

    def problem_active(self) -> bool:
        return not self.cleared and self.actual_value.strip().lower() not in FALSE_VALUES


@dataclass(frozen=True)
class CustomerInformationPart:
    charge_point_id: str
    request_id: int
    seq_no: int
    data: str
    tbc: bool
    generated_at: datetime
    id: int | None = None


# -- commands ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GetBaseReport:
    report_base: str                    # ConfigurationInventory | FullInventory | SummaryInventory
    request_id: int


@dataclass(frozen=True)
class GetReport:
    request_id: int
    component_criteria: tuple[str, ...] = ()        # Active | Available | Enabled | Problem
    component_variables: tuple[VariableRef, ...] = ()


@dataclass(frozen=True)
class SetVariable:
    ref: VariableRef
    value: str


@dataclass(frozen=True)
class SetVariables:
    variables: tuple[SetVariable, ...]


@dataclass(frozen=True)
class GetVariables:
    variables: tuple[VariableRef, ...]


@dataclass(frozen=True)
class MonitorSetting:
    ref: VariableRef
    type: str
    value: float
    severity: int
    id: int | None = None
    transaction: bool | None = None


@dataclass(frozen=True)
class SetVariableMonitoring:
    monitors: tuple[MonitorSetting, ...]


@dataclass(frozen=True)
class ClearVariableMonitoring:
    ids: tuple[int, ...]


@dataclass(frozen=True)
class SetMonitoringBase:
    monitoring_base: str                # All | FactoryDefault | HardWiredOnly


@dataclass(frozen=True)
class SetMonitoringLevel:
    severity: int                       # 0..9


@dataclass(frozen=True)
class GetMonitoringReport:
    request_id: int
    monitoring_criteria: tuple[str, ...] = ()       # ThresholdMonitoring | DeltaMonitoring | PeriodicMonitoring
    component_variables: tuple[VariableRef, ...] = ()


@dataclass(frozen=True)
class CustomerInformation:
    request_id: int
    report: bool
    clear: bool
    customer_identifier: str | None = None
    id_token: dict | None = None        # 2.0.1 IdTokenType
    customer_certificate: dict | None = None
