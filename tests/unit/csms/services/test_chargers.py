from __future__ import annotations

from datetime import timedelta

import pytest

from csms import metrics
from csms.domain import events
from csms.services.chargers import ACCEPT, NOT_FOUND, UNAUTHORIZED, BootInfo, ChargerConfig, ChargerService
from csms.services.passwords import hash_sync

PASSWORD = "correct horse battery"


@pytest.fixture
def password_hash():
    return hash_sync(PASSWORD)


async def a_registered(charge_points, cp_id="CP1", **fields):
    return await charge_points.create(id=cp_id, **{"registration_status": "Accepted", **fields})


# -- handshake ---------------------------------------------------------------------------------------
async def test_an_unknown_charge_point_is_not_found(chargers, charge_points):
    assert await chargers.authenticate("NOBODY", None, tls=False, client_cn=None) == NOT_FOUND
    assert await charge_points.get("NOBODY") is None


async def test_an_unknown_charge_point_is_registered_when_auto_register_is_on(charge_points, connectors, bus, batch,
                                                                              clock, presence):
    chargers = ChargerService(charge_points, connectors, bus, batch, clock, presence,
                              ChargerConfig(auto_register=True))

    assert await chargers.authenticate("NEWCOMER", None, tls=False, client_cn=None) == ACCEPT
    assert (await charge_points.get("NEWCOMER")).registration_status == "Accepted"
    # a second handshake of the same newcomer finds it registered
    assert await chargers.authenticate("NEWCOMER", None, tls=False, client_cn=None) == ACCEPT


async def test_a_charge_point_without_security_needs_no_password(chargers, charge_points):
    await a_registered(charge_points, security_profile=0)

    assert await chargers.authenticate("CP1", None, tls=False, client_cn=None) == ACCEPT


@pytest.mark.parametrize("offered", [None, "wrong password", ""])
async def test_a_stored_password_must_be_offered_and_match(chargers, charge_points, password_hash, offered):
    await a_registered(charge_points, security_profile=1, password_hash=password_hash)

    assert await chargers.authenticate("CP1", offered, tls=False, client_cn=None) == UNAUTHORIZED


async def test_the_right_password_opens(chargers, charge_points, password_hash):
    await a_registered(charge_points, security_profile=1, password_hash=password_hash)

    assert await chargers.authenticate("CP1", PASSWORD, tls=False, client_cn=None) == ACCEPT
    assert await chargers.authenticate("CP1", PASSWORD, tls=False, client_cn=None) == ACCEPT   # cached
    assert await chargers.authenticate("CP1", PASSWORD + "x", tls=False, client_cn=None) == UNAUTHORIZED


async def test_a_changed_password_hash_is_not_answered_from_the_cache(chargers, charge_points, password_hash):
    await a_registered(charge_points, security_profile=1, password_hash=password_hash)
    assert await chargers.authenticate("CP1", PASSWORD, tls=False, client_cn=None) == ACCEPT

    await charge_points.update("CP1", password_hash=hash_sync("a new password"))

    assert await chargers.authenticate("CP1", PASSWORD, tls=False, client_cn=None) == UNAUTHORIZED


@pytest.mark.parametrize("profile,tls", [(1, False), (2, True)])
async def test_a_profile_demanding_a_password_without_one_stored_refuses(chargers, charge_points, profile, tls):
    await a_registered(charge_points, security_profile=profile, password_hash=None)

    assert await chargers.authenticate("CP1", "anything", tls=tls, client_cn=None) == UNAUTHORIZED
    assert await chargers.authenticate("CP1", None, tls=tls, client_cn=None) == UNAUTHORIZED


@pytest.mark.parametrize("profile", [2, 3])
async def test_profile_2_and_up_refuse_a_plain_connection(chargers, charge_points, password_hash, profile):
    await a_registered(charge_points, security_profile=profile, password_hash=password_hash)

    assert await chargers.authenticate("CP1", PASSWORD, tls=False, client_cn="CP1") == UNAUTHORIZED


async def test_profile_2_opens_over_tls_with_the_password(chargers, charge_points, password_hash):
    await a_registered(charge_points, security_profile=2, password_hash=password_hash)

    assert await chargers.authenticate("CP1", PASSWORD, tls=True, client_cn=None) == ACCEPT


async def test_profile_3_needs_a_client_certificate_naming_the_charge_point(chargers, charge_points):
    await a_registered(charge_points, security_profile=3)

    assert await chargers.authenticate("CP1", None, tls=True, client_cn="CP1") == ACCEPT
    assert await chargers.authenticate("CP1", None, tls=True, client_cn="CP2") == UNAUTHORIZED
    assert await chargers.authenticate("CP1", None, tls=True, client_cn=None) == UNAUTHORIZED


# -- presence ----------------------------------------------------------------------------------------
async def test_connect_and_disconnect_set_online_and_publish(chargers, charge_points, bus, clock, batch):
    await a_registered(charge_points)

    await chargers.connected("CP1", "ocpp1.6")
    await batch.flush()                      # presence is written in batches
    assert ((await charge_points.get("CP1")).online, (await charge_points.get("CP1")).last_seen) == (True, clock.now())
    clock.advance(60)
    await chargers.disconnected("CP1", current=True)
    await batch.flush()

    cp = await charge_points.get("CP1")
    assert (cp.online, cp.last_seen) == (False, clock.now())
    assert [type(e) for e in bus.events] == [events.ChargePointConnected, events.ChargePointDisconnected]


async def test_the_close_of_a_replaced_connection_leaves_the_charge_point_online(chargers, charge_points, bus, batch):
    await a_registered(charge_points)
    await chargers.connected("CP1", "ocpp1.6")

    await chargers.disconnected("CP1", current=False)
    await batch.flush()

    assert (await charge_points.get("CP1")).online is True
    assert bus.of(events.ChargePointDisconnected) == []


async def test_close_stale_closes_only_silent_connections(chargers, presence, clock, charger_config):
    silence = timedelta(seconds=charger_config.heartbeat_interval * charger_config.heartbeat_grace)
    presence.connect("SILENT", clock.now() - silence - timedelta(seconds=1))
    presence.connect("QUIET", clock.now() - silence + timedelta(seconds=1))
    presence.connect("CHATTY", clock.now())

    closed = await chargers.close_stale()

    assert closed == ["SILENT"]
    assert [cp_id for cp_id, _ in presence.closed] == ["SILENT"]
    assert {cp_id for cp_id, _ in presence.connected()} == {"QUIET", "CHATTY"}


async def test_record_presence_queues_last_seen_of_live_connections(chargers, presence, batch, charge_points, clock):
    await a_registered(charge_points)
    presence.connect("CP1", clock.now() - timedelta(seconds=5))

    chargers.record_presence()
    await batch.flush()

    assert (await charge_points.get("CP1")).last_seen == clock.now() - timedelta(seconds=5)


async def test_record_presence_writes_a_connection_at_most_once_a_minute_and_only_after_a_frame(
        chargers, presence, batch, charge_points, clock):
    await a_registered(charge_points)
    start = clock.now()
    presence.connect("CP1", start)
    chargers.record_presence()
    await batch.flush()
    presence.connect("CP1", start + timedelta(seconds=30))     # a frame 30 s later: not written yet
    chargers.record_presence()
    await batch.flush()
    assert (await charge_points.get("CP1")).last_seen == start

    presence.connect("CP1", start + timedelta(seconds=61))     # a minute after the last write: written
    chargers.record_presence()
    await batch.flush()
    assert (await charge_points.get("CP1")).last_seen == start + timedelta(seconds=61)
    await charge_points.touch_many({"CP1": start})             # nothing new since: nothing written again
    chargers.record_presence()
    await batch.flush()
    assert (await charge_points.get("CP1")).last_seen == start


async def test_view_overlays_live_presence_on_the_stored_record(chargers, charge_points, presence, clock):
    await a_registered(charge_points, online=False, last_seen=clock.now() - timedelta(hours=1), protocol="ocpp1.6")
    await a_registered(charge_points, "GONE", online=True, last_seen=clock.now() - timedelta(hours=1))
    presence.connect("CP1", clock.now(), protocol="ocpp2.0.1")

    live, _connectors = await chargers.view("CP1")
    gone, _ = await chargers.view("GONE")

    assert (live.online, live.last_seen, live.protocol) == (True, clock.now(), "ocpp2.0.1")
    assert gone.online is False
    assert await chargers.view("NOBODY") is None


# -- boot ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("registration,expected_interval", [
    ("Accepted", "heartbeat_interval"), ("Pending", "boot_retry_interval"), ("Rejected", "boot_retry_interval")])
async def test_boot_answers_the_registration_status_with_its_interval(chargers, charge_points, clock, charger_config,
                                                                      registration, expected_interval):
    await a_registered(charge_points, registration_status=registration)

    result = await chargers.boot("CP1", BootInfo("ACME", "Fast-50", "SN-1", "1.2.3"))

    assert result.status == registration
    assert result.interval == getattr(charger_config, expected_interval)
    assert result.current_time == clock.now()


async def test_boot_stores_what_the_charge_point_says_of_itself(chargers, charge_points, bus, clock, batch):
    await a_registered(charge_points)

    await chargers.boot("CP1", BootInfo("ACME", "Fast-50", "SN-1", "1.2.3"))
    await batch.flush()                      # written with the next batch

    cp = await charge_points.get("CP1")
    assert (cp.vendor, cp.model, cp.serial_number, cp.firmware_version) == ("ACME", "Fast-50", "SN-1", "1.2.3")
    assert cp.last_boot_at == clock.now()
    [booted] = bus.of(events.ChargePointBooted)
    assert (booted.status, booted.vendor, booted.model, booted.firmware_version) == \
        ("Accepted", "ACME", "Fast-50", "1.2.3")


async def test_boot_of_an_unregistered_charge_point_is_rejected(chargers, charger_config):
    result = await chargers.boot("STRANGER", BootInfo("ACME", "X"))

    assert (result.status, result.interval) == ("Rejected", charger_config.boot_retry_interval)


# -- status --------------------------------------------------------------------------------------------
async def seen(chargers, cp_id="CP1"):
    """The charge point and its connectors as operators see them (batched writes flushed first)."""
    cp, connectors = await chargers.view(cp_id)
    return cp, {(c.evse_id, c.connector_id): c for c in connectors}


async def test_status_of_connector_0_is_the_charge_points_own(chargers, charge_points, bus):
    await a_registered(charge_points)

    await chargers.status("CP1", 0, 0, status="Unavailable", error_code="PowerMeterFailure")

    cp, connectors = await seen(chargers)
    assert (cp.status, cp.error_code) == ("Unavailable", "PowerMeterFailure")
    assert connectors == {}
    [changed] = bus.of(events.ConnectorStatusChanged)
    assert (changed.connector_id, changed.status) == (0, "Unavailable")


async def test_status_of_a_connector_is_stored_with_the_previous_one_published(chargers, charge_points, bus, clock):
    await a_registered(charge_points)

    await chargers.status("CP1", 1, 1, status="Available", error_code="NoError", at=clock.now())
    await chargers.status("CP1", 1, 1, status="Preparing", error_code="NoError", info="plugged",
                          at=clock.advance(10))

    _, connectors = await seen(chargers)
    stored = connectors[(1, 1)]
    assert (stored.status, stored.info, stored.status_at) == ("Preparing", "plugged", clock.now())
    assert [(e.previous, e.status) for e in bus.of(events.ConnectorStatusChanged)] == \
        [(None, "Available"), ("Available", "Preparing")]


async def test_a_status_older_than_the_last_one_is_ignored(chargers, charge_points, bus, clock):
    await a_registered(charge_points)
    await chargers.status("CP1", 1, 1, status="Available", error_code="NoError", at=clock.now())
    await chargers.status("CP1", 1, 1, status="Charging", error_code="NoError", at=clock.advance(60))

    await chargers.status("CP1", 1, 1, status="Preparing", error_code="NoError", at=clock.now() - timedelta(seconds=30))

    _, connectors = await seen(chargers)
    assert (connectors[(1, 1)].status, connectors[(1, 1)].status_at) == ("Charging", clock.now())
    assert [e.status for e in bus.of(events.ConnectorStatusChanged)] == ["Available", "Charging"]


async def test_a_status_older_than_the_stored_one_is_ignored_after_a_restart(charge_points, connectors, bus, batch,
                                                                             clock, presence, charger_config):
    await a_registered(charge_points)
    await connectors.set_status("CP1", 1, 1, status="Charging", error_code="NoError", info=None,
                                vendor_error_code=None, at=clock.now())
    fresh = ChargerService(charge_points, connectors, bus, batch, clock, presence, charger_config)

    await fresh.status("CP1", 1, 1, status="Available", error_code="NoError", at=clock.now() - timedelta(seconds=1))

    _, stored = await seen(fresh)
    assert stored[(1, 1)].status == "Charging"
    assert bus.of(events.ConnectorStatusChanged) == []


async def test_a_status_older_than_one_still_in_the_batch_is_ignored_after_a_reconnect(chargers, charge_points,
                                                                                       bus, clock):
    await a_registered(charge_points)
    await chargers.status("CP1", 1, 1, status="Available", error_code="NoError", at=clock.now())
    await chargers.status("CP1", 1, 1, status="Charging", error_code="NoError", at=clock.advance(60))
    await chargers.connected("CP1", "ocpp1.6")          # reconnect before the batch was written

    await chargers.status("CP1", 1, 1, status="Preparing", error_code="NoError", at=clock.now() - timedelta(seconds=30))

    _, connectors = await seen(chargers)
    assert (connectors[(1, 1)].status, connectors[(1, 1)].status_at) == ("Charging", clock.now())
    assert [e.status for e in bus.of(events.ConnectorStatusChanged)] == ["Available", "Charging"]


async def test_each_connector_keeps_its_own_status(chargers, charge_points, clock):
    await a_registered(charge_points)

    await chargers.status("CP1", 1, 1, status="Charging", error_code="NoError", at=clock.now())
    await chargers.status("CP1", 2, 2, status="Available", error_code="NoError", at=clock.now() - timedelta(hours=1))

    _, connectors = await seen(chargers)
    assert {key: c.status for key, c in connectors.items()} == {(1, 1): "Charging", (2, 2): "Available"}


async def test_status_without_a_time_takes_the_clocks(chargers, charge_points, clock):
    await a_registered(charge_points)

    await chargers.status("CP1", 2, 2, status="Available", error_code="NoError")

    _, connectors = await seen(chargers)
    assert connectors[(2, 2)].status_at == clock.now()


async def test_an_unexpected_transition_is_applied_and_counted(chargers, charge_points, clock):
    await a_registered(charge_points)
    await chargers.status("CP1", 1, 1, status="Charging", error_code="NoError", at=clock.now())
    before = metrics.CONNECTOR_ANOMALIES._value.get()

    await chargers.status("CP1", 1, 1, status="Reserved", error_code="NoError", at=clock.advance(1))

    _, connectors = await seen(chargers)
    assert connectors[(1, 1)].status == "Reserved"
    assert metrics.CONNECTOR_ANOMALIES._value.get() == before + 1


# -- registration ------------------------------------------------------------------------------------
async def test_registration_status_follows_the_record_after_a_reconnect(chargers, charge_points):
    await a_registered(charge_points, registration_status="Pending")
    assert await chargers.registration_status("CP1") == "Pending"

    await charge_points.update("CP1", registration_status="Accepted")
    assert await chargers.authenticate("CP1", None, tls=False, client_cn=None) == ACCEPT   # the reconnect's handshake
    await chargers.connected("CP1", "ocpp1.6")

    assert await chargers.registration_status("CP1") == "Accepted"
    assert await chargers.registration_status("NOBODY") is None


# -- notices -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind,column", [("firmware_status", "firmware_status"),
                                         ("diagnostics_status", "diagnostics_status")])
async def test_firmware_and_diagnostics_status_are_stored(chargers, charge_points, bus, kind, column):
    await a_registered(charge_points)

    await chargers.notice("CP1", kind, {"status": "Uploading"})

    assert getattr(await charge_points.get("CP1"), column) == "Uploading"
    assert bus.of(events.ChargePointNotice)[0].data == {"status": "Uploading"}


async def test_preloaded_states_make_the_first_status_after_a_restart_need_no_read(charge_points, connectors, bus,
                                                                                   batch, clock, presence):
    await a_registered(charge_points)
    first = ChargerService(charge_points, connectors, bus, batch, clock, presence, ChargerConfig())
    await first.status("CP1", 1, 1, status="Charging", error_code="NoError", at=clock.now())
    await batch.flush()

    restarted = ChargerService(charge_points, connectors, bus, batch, clock, presence, ChargerConfig())
    assert await restarted.preload() == 1

    async def no_reads(cp_id):
        raise AssertionError("list_for must not be needed after preload")
    connectors.list_for = no_reads
    await restarted.status("CP1", 1, 1, status="Available", error_code="NoError", at=clock.now() - timedelta(minutes=1))
    await restarted.status("CP1", 1, 1, status="Finishing", error_code="NoError", at=clock.now() + timedelta(seconds=1))
    await batch.flush()
    assert (await connectors.get("CP1", 1, 1)).status == "Finishing"   # the older report was ignored
    assert [e.status for e in bus.of(events.ConnectorStatusChanged)] == ["Charging", "Finishing"]


async def test_an_argon2_password_hash_is_upgraded_to_the_keyed_hash_at_the_next_login(chargers, charge_points,
                                                                                       password_hash):
    await a_registered(charge_points, security_profile=1, password_hash=password_hash)   # Argon2, from before

    assert await chargers.authenticate("CP1", PASSWORD, tls=False, client_cn=None) == ACCEPT
    upgraded = (await charge_points.get("CP1")).password_hash
    assert upgraded.startswith("hmac-sha256$")
    assert await chargers.authenticate("CP1", PASSWORD, tls=False, client_cn=None) == ACCEPT
    assert await chargers.authenticate("CP1", "wrong password", tls=False, client_cn=None) == UNAUTHORIZED
    assert (await charge_points.get("CP1")).password_hash == upgraded
