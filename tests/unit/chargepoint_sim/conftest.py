import pytest

from chargepoint_sim import ChargePoint16, ChargePoint201

from .fake_csms import FakeCSMS
from .fake_csms201 import FakeCSMS201

# Fast timings for tests: sub-second meter samples, quick reconnects and reboots.
FAST = dict(meter_interval=0.2, call_timeout=2.0, reconnect_min_delay=0.05, reconnect_max_delay=0.2,
            reboot_delay=0.05, boot_retry_interval=0.2)


@pytest.fixture
async def csms():
    server = await FakeCSMS().start()
    yield server
    await server.stop()
    assert server.errors == [], "simulator sent frames violating the OCPP 1.6 schemas"


@pytest.fixture
async def make_cp(csms):
    created = []

    def factory(cp_id="CP1", **kwargs):
        options = {**FAST, **kwargs}
        cp = ChargePoint16(url=csms.url, cp_id=cp_id, **options)
        created.append(cp)
        return cp

    yield factory
    for cp in created:
        await cp.close()
        assert cp.protocol_errors == []


@pytest.fixture
async def csms201():
    server = await FakeCSMS201().start()
    yield server
    await server.stop()
    assert server.errors == [], "simulator sent frames violating the OCPP 2.0.1 schemas"


@pytest.fixture
async def make_cp201(csms201):
    created = []

    def factory(cp_id="CP1", **kwargs):
        options = {**FAST, **kwargs}
        cp = ChargePoint201(url=csms201.url, cp_id=cp_id, **options)
        created.append(cp)
        return cp

    yield factory
    for cp in created:
        await cp.close()
        assert cp.protocol_errors == []
