"""Configuration key store of a simulated charge point (OCPP 1.6 section 9 keys), pure, no I/O.

ChangeConfiguration semantics: unknown key -> NotSupported; read-only key or invalid value -> Rejected;
otherwise Accepted. GetConfiguration returns the requested keys plus the list of unknown ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# Measurands the simulated meter can produce (for the *SampledData / *AlignedData keys).
SUPPORTED_MEASURANDS = (
    "Energy.Active.Import.Register",
    "Power.Active.Import",
    "Current.Import",
    "Voltage",
    "SoC",
    "Power.Offered",
    "Current.Offered",
)


@dataclass(slots=True)
class ConfigKey:
    name: str
    value: str
    readonly: bool = False
    kind: str = "str"  # "int" | "bool" | "csl" (comma separated list) | "str"
    minimum: int | None = None
    members: tuple[str, ...] | None = None  # allowed members of a "csl" value
    max_items: int | None = None  # max members of a "csl" value
    writeonly: bool = False  # GetConfiguration lists the key without its value (AuthorizationKey)

    def valid(self, value: str) -> bool:
        if not isinstance(value, str) or len(value) > 500:
            return False
        if self.kind == "int":
            try:
                number = int(value.strip())
            except ValueError:
                return False
            return self.minimum is None or number >= self.minimum
        if self.kind == "bool":
            return value.strip().lower() in ("true", "false")
        if self.kind == "csl":
            items = [item.strip() for item in value.split(",") if item.strip()]
            if self.max_items is not None and len(items) > self.max_items:
                return False
            return self.members is None or all(item in self.members for item in items)
        return True


class ConfigStore:
    def __init__(self, keys: Iterable[ConfigKey]):
        self._keys: dict[str, ConfigKey] = {key.name: key for key in keys}
        self._lower = {name.lower(): name for name in self._keys}

    def _find(self, name: str) -> ConfigKey | None:
        key = self._keys.get(name)
        if key is None and isinstance(name, str):
            exact = self._lower.get(name.lower())
            key = self._keys.get(exact) if exact else None
        return key

    def __contains__(self, name: str) -> bool:
        return self._find(name) is not None

    def __getitem__(self, name: str) -> str:
        key = self._find(name)
        if key is None:
            raise KeyError(name)
        return key.value

    def names(self) -> list[str]:
        return list(self._keys)

    def get(self, name: str, default: str | None = None) -> str | None:
        key = self._find(name)
        return key.value if key else default

    def get_int(self, name: str, default: int = 0) -> int:
        try:
            return int(self.get(name, str(default)))
        except (TypeError, ValueError):
            return default

    def get_bool(self, name: str, default: bool = False) -> bool:
        value = self.get(name)
        return default if value is None else value.strip().lower() == "true"

    def get_list(self, name: str) -> list[str]:
        return [item.strip() for item in (self.get(name) or "").split(",") if item.strip()]

    def set(self, name: str, value: str | int | bool) -> None:
        """Set a value from the charge point's own side (read-only keys included). Adds unknown keys."""
        text = str(value).lower() if isinstance(value, bool) else str(value)
        key = self._find(name)
        if key is None:
            self._keys[name] = ConfigKey(name, text)
            self._lower[name.lower()] = name
        else:
            key.value = text

    def add(self, key: ConfigKey) -> None:
        self._keys[key.name] = key
        self._lower[key.name.lower()] = key.name

    def change(self, name: str, value: str) -> str:
        """Apply a ChangeConfiguration request; return its status."""
        key = self._find(name)
        if key is None:
            return "NotSupported"
        if key.readonly or not key.valid(value):
            return "Rejected"
        key.value = value.strip() if key.kind in ("int", "bool") else value
        if key.kind == "bool":
            key.value = key.value.lower()
        return "Accepted"

    def get_configuration(self, names: list[str] | None = None) -> dict:
        """Build a GetConfiguration.conf payload; no or empty ``names`` means every key."""
        if not names:
            found, unknown = list(self._keys.values()), []
        else:
            found, unknown = [], []
            for name in names:
                key = self._find(name)
                if key is None:
                    unknown.append(name)
                elif key not in found:
                    found.append(key)
        payload: dict = {"configurationKey": [{"key": k.name, "readonly": k.readonly}
                                              | ({} if k.writeonly else {"value": k.value}) for k in found]}
        if unknown:
            payload["unknownKey"] = unknown
        return payload


def core_keys_v16(
    number_of_connectors: int,
    *,
    heartbeat_interval: int = 300,
    meter_value_sample_interval: int = 60,
    feature_profiles: str = "Core,RemoteTrigger",
) -> ConfigStore:
    """The OCPP 1.6 Core profile keys (plus the RemoteTrigger ones) with typical defaults."""
    measurands = SUPPORTED_MEASURANDS
    n = number_of_connectors
    return ConfigStore(
        [
            ConfigKey("AllowOfflineTxForUnknownId", "true", kind="bool"),
            ConfigKey("AuthorizationCacheEnabled", "true", kind="bool"),
            ConfigKey("AuthorizeRemoteTxRequests", "false", kind="bool"),
            ConfigKey("BlinkRepeat", "3", kind="int", minimum=0),
            ConfigKey("ClockAlignedDataInterval", "0", kind="int", minimum=0),
            ConfigKey("ConnectionTimeOut", "60", kind="int", minimum=0),
            ConfigKey("ConnectorPhaseRotation", ",".join(f"{i}.RST" for i in range(n + 1)), kind="csl"),
            ConfigKey("ConnectorPhaseRotationMaxLength", str(n + 1), readonly=True, kind="int"),
            ConfigKey("GetConfigurationMaxKeys", "50", readonly=True, kind="int"),
            ConfigKey("HeartbeatInterval", str(heartbeat_interval), kind="int", minimum=0),
            ConfigKey("LightIntensity", "50", kind="int", minimum=0),
            ConfigKey("LocalAuthorizeOffline", "true", kind="bool"),
            ConfigKey("LocalPreAuthorize", "false", kind="bool"),
            ConfigKey("MaxEnergyOnInvalidId", "0", kind="int", minimum=0),
            ConfigKey("MeterValuesAlignedData", "Energy.Active.Import.Register", kind="csl",
                      members=measurands, max_items=len(measurands)),
            ConfigKey("MeterValuesAlignedDataMaxLength", str(len(measurands)), readonly=True, kind="int"),
            ConfigKey("MeterValuesSampledData",
                      "Energy.Active.Import.Register,Power.Active.Import,Current.Import,Voltage,SoC",
                      kind="csl", members=measurands, max_items=len(measurands)),
            ConfigKey("MeterValuesSampledDataMaxLength", str(len(measurands)), readonly=True, kind="int"),
            ConfigKey("MeterValueSampleInterval", str(meter_value_sample_interval), kind="int", minimum=0),
            ConfigKey("MinimumStatusDuration", "0", kind="int", minimum=0),
            ConfigKey("NumberOfConnectors", str(n), readonly=True, kind="int"),
            ConfigKey("ResetRetries", "3", kind="int", minimum=0),
            ConfigKey("StopTransactionOnEVSideDisconnect", "true", kind="bool"),
            ConfigKey("StopTransactionOnInvalidId", "true", kind="bool"),
            ConfigKey("StopTxnAlignedData", "", kind="csl", members=measurands, max_items=len(measurands)),
            ConfigKey("StopTxnAlignedDataMaxLength", str(len(measurands)), readonly=True, kind="int"),
            ConfigKey("StopTxnSampledData", "Energy.Active.Import.Register", kind="csl",
                      members=measurands, max_items=len(measurands)),
            ConfigKey("StopTxnSampledDataMaxLength", str(len(measurands)), readonly=True, kind="int"),
            ConfigKey("SupportedFeatureProfiles", feature_profiles, readonly=True, kind="csl"),
            ConfigKey("SupportedFeatureProfilesMaxLength", "6", readonly=True, kind="int"),
            ConfigKey("TransactionMessageAttempts", "3", kind="int", minimum=1),
            ConfigKey("TransactionMessageRetryInterval", "60", kind="int", minimum=0),
            ConfigKey("UnlockConnectorOnEVSideDisconnect", "true", kind="bool"),
            ConfigKey("WebSocketPingInterval", "0", kind="int", minimum=0),
        ]
    )
