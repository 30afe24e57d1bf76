"""Credentials preloaded at start-up (a single node): a reconnect storm reads no record per handshake,
and what changes a record (REST, a password rotation) makes the next handshake read it again."""

from __future__ import annotations

import asyncio

import pytest

from csms.services.charger_passwords import ChargerPasswords
from csms.services.chargers import ACCEPT, NOT_FOUND, UNAUTHORIZED, ChargerService
from csms.services.station_passwords import StationPasswords

PASSWORD = "Station-Secret-0123456789"


@pytest.fixture
def passwords():
    return StationPasswords(b"p" * 32)


@pytest.fixture
def started(charge_points, connectors, bus, batch, clock, presence, charger_config, passwords):
    """A ChargerService as a single node starts it: connector states and credentials preloaded."""
    async def start() -> ChargerService:
        service = ChargerService(charge_points, connectors, bus, batch, clock, presence, charger_config, passwords)
        await service.preload(credentials=True)
        return service
    return start


class Reads:
    """Counts the records read from the (fake) repository."""

    def __init__(self, charge_points):
        self.count = 0
        self._get = charge_points.get
        charge_points.get = self.get

    async def get(self, cp_id):
        self.count += 1
        return await self._get(cp_id)


async def a_station(charge_points, passwords, cp_id="CP1", password=PASSWORD, **fields):
    await charge_points.create(id=cp_id, registration_status="Accepted", security_profile=1,
                               password_hash=passwords.hash_fast(password), **fields)


async def login(chargers, password=PASSWORD, cp_id="CP1"):
    return await chargers.authenticate(cp_id, password, tls=False, client_cn=None)


async def test_a_handshake_after_the_start_reads_no_record(started, charge_points, passwords):
    for n in range(3):
        await a_station(charge_points, passwords, f"CP{n}")
    chargers = await started()
    reads = Reads(charge_points)

    assert [await login(chargers, cp_id=f"CP{n}") for n in range(3)] == [ACCEPT] * 3
    assert await login(chargers, "wrong") == UNAUTHORIZED
    assert await chargers.registration_status("CP2") == "Accepted"
    assert reads.count == 0


async def test_a_rotated_password_is_the_only_one_that_opens(started, charge_points, passwords):
    await a_station(charge_points, passwords)
    chargers = await started()
    assert await login(chargers) == ACCEPT

    await ChargerPasswords(charge_points, chargers).accepted("CP1", "Rotated-Secret-9876543210")

    assert await login(chargers) == UNAUTHORIZED
    assert await login(chargers, "Rotated-Secret-9876543210") == ACCEPT


async def test_a_record_changed_by_an_operator_is_read_again_after_forget(started, charge_points, passwords):
    await a_station(charge_points, passwords)
    chargers = await started()

    await charge_points.update("CP1", registration_status="Rejected", security_profile=2)
    chargers.forget("CP1")      # what the REST PATCH does after its update

    assert await login(chargers) == UNAUTHORIZED       # profile 2 needs TLS now
    assert await chargers.registration_status("CP1") == "Rejected"


async def test_a_removed_charge_point_is_not_found_and_a_new_one_is(started, charge_points, passwords):
    await a_station(charge_points, passwords)
    chargers = await started()

    await charge_points.delete("CP1")
    chargers.forget("CP1")
    await a_station(charge_points, passwords, "CP-NEW")      # registered after the start

    assert await login(chargers) == NOT_FOUND
    assert await login(chargers, cp_id="CP-NEW") == ACCEPT


async def test_a_record_read_before_a_forget_is_not_kept(started, charge_points, passwords):
    await a_station(charge_points, passwords)
    chargers = await started()
    chargers.forget("CP1")          # not preloaded any more: the next handshake reads
    release = asyncio.Event()
    read = charge_points.get

    async def slow_get(cp_id):
        found = await read(cp_id)
        await release.wait()        # the handshake's read is in flight ...
        return found
    charge_points.get = slow_get
    handshake = asyncio.create_task(login(chargers))
    await asyncio.sleep(0)
    await charge_points.update("CP1", password_hash=passwords.hash_fast("Rotated-Secret-9876543210"))
    chargers.forget("CP1")          # ... when the password changes
    release.set()
    assert await handshake == ACCEPT        # it read the record of before its change
    charge_points.get = read

    assert await login(chargers) == UNAUTHORIZED     # the old password no longer opens: nothing stale was kept


async def test_without_preloaded_credentials_each_handshake_reads_its_record(charge_points, connectors, bus, batch,
                                                                             clock, presence, charger_config, passwords):
    chargers = ChargerService(charge_points, connectors, bus, batch, clock, presence, charger_config, passwords)
    await chargers.preload()            # several nodes: connector states only
    await a_station(charge_points, passwords)
    reads = Reads(charge_points)

    assert await login(chargers) == ACCEPT
    assert await login(chargers) == ACCEPT
    assert reads.count == 2
