from chargepoint_sim.station import ConfigKey, ConfigStore, core_keys_v16

CORE_KEYS = {
    "AllowOfflineTxForUnknownId", "AuthorizationCacheEnabled", "AuthorizeRemoteTxRequests", "ClockAlignedDataInterval",
    "ConnectionTimeOut", "GetConfigurationMaxKeys", "HeartbeatInterval", "LocalAuthorizeOffline", "LocalPreAuthorize",
    "MeterValuesAlignedData", "MeterValuesSampledData", "MeterValueSampleInterval", "NumberOfConnectors",
    "ResetRetries", "ConnectorPhaseRotation", "StopTransactionOnEVSideDisconnect", "StopTransactionOnInvalidId",
    "StopTxnAlignedData", "StopTxnSampledData", "SupportedFeatureProfiles", "TransactionMessageAttempts",
    "TransactionMessageRetryInterval", "UnlockConnectorOnEVSideDisconnect",
}


def test_core_keys_present_with_readonly_flags():
    store = core_keys_v16(3)
    assert CORE_KEYS <= set(store.names())
    config = {k["key"]: k for k in store.get_configuration()["configurationKey"]}
    assert config["NumberOfConnectors"] == {"key": "NumberOfConnectors", "readonly": True, "value": "3"}
    assert config["SupportedFeatureProfiles"]["readonly"] is True
    assert config["HeartbeatInterval"]["readonly"] is False
    assert all(isinstance(k["value"], str) for k in config.values())


def test_change_configuration_statuses():
    store = core_keys_v16(2)
    assert store.change("HeartbeatInterval", "120") == "Accepted"
    assert store.get_int("HeartbeatInterval") == 120
    assert store.change("NumberOfConnectors", "5") == "Rejected"  # read-only
    assert store.get("NumberOfConnectors") == "2"
    assert store.change("NoSuchKey", "1") == "NotSupported"
    assert store.change("HeartbeatInterval", "soon") == "Rejected"  # not an integer
    assert store.change("HeartbeatInterval", "-5") == "Rejected"
    assert store.change("AuthorizeRemoteTxRequests", "TRUE") == "Accepted"
    assert store.get_bool("AuthorizeRemoteTxRequests") is True and store.get("AuthorizeRemoteTxRequests") == "true"
    assert store.change("AuthorizeRemoteTxRequests", "yes") == "Rejected"
    assert store.change("MeterValuesSampledData", "Energy.Active.Import.Register,SoC") == "Accepted"
    assert store.get_list("MeterValuesSampledData") == ["Energy.Active.Import.Register", "SoC"]
    assert store.change("MeterValuesSampledData", "Energy.Active.Import.Register,Frequency") == "Rejected"
    assert store.change("heartbeatinterval", "30") == "Accepted"  # key lookup tolerates case
    assert store.get_int("HeartbeatInterval") == 30


def test_get_configuration_with_unknown_keys():
    store = core_keys_v16(1)
    payload = store.get_configuration(["MeterValueSampleInterval", "Bogus", "HeartbeatInterval", "Other"])
    assert [k["key"] for k in payload["configurationKey"]] == ["MeterValueSampleInterval", "HeartbeatInterval"]
    assert payload["unknownKey"] == ["Bogus", "Other"]
    assert "unknownKey" not in store.get_configuration(["HeartbeatInterval"])
    assert len(store.get_configuration([])["configurationKey"]) == len(store.names())


def test_internal_set_bypasses_readonly_and_adds_keys():
    store = ConfigStore([ConfigKey("A", "1", readonly=True, kind="int")])
    store.set("A", 7)
    store.set("Vendor.Flag", True)
    assert store["A"] == "7" and store.get("Vendor.Flag") == "true"
    assert "vendor.flag" in store and "Nope" not in store
