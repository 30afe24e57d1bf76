"""SIGKILL of the CSMS mid-session, restart, replay (issue 16 item 3).

The CSMS runs as a real process (`csms serve` on a SQLite file), WeChat as another
(`csms wechat-emulator`, which outlives the CSMS as WeChat does). Simulated charge points (OCPP 1.6,
or 2.0.1) stream meter values every 0.2 s; drivers charge from their wallets and top them up with
WeChat Pay. The CSMS is killed (SIGKILL: no shutdown code runs) at each of these moments, each round:

- start:    while a StartTransaction (2.0.1: TransactionEvent Started) is in flight (after the
            driver's remote start)
- meter:    while a MeterValues (TransactionEvent Updated with meter values) is in flight, mid-session
- stop:     while a StopTransaction (TransactionEvent Ended) is in flight (after the driver's stop)
- payment:  just after the payer paid, while WeChat's notification is on its way

then started again; the charge points reconnect and replay what their outbox still holds, WeChat
retries its notification. At the end, from the database file itself:

- every meter value the CSMS acknowledged is stored, exactly once (no reading is stored twice);
- every session is completed: the transaction Completed with the charge point's meter stop, the
  order paid;
- every bill is right: the order's energy is what the charge point delivered and its total is that
  energy at the station's price, charged to the wallet once;
- every payment WeChat took is credited once.

CSMS_CRASH_ROUNDS (default 1) repeats the moments (three tests: 1.6 start and meter, 1.6 stop and
payment, 2.0.1 start, meter and stop); `make soak-crash` runs more."""

from __future__ import annotations

import asyncio
import os
import random
import sqlite3
from collections import Counter
from datetime import datetime

import pytest

from chargepoint_sim.protocol import parse_time
from csms.services.billing import fen
from tests.support.driver import a_priced_station, eventually, prepay_id
from tests.support.processes import CsmsProcess, EmulatorProcess, RemoteDriver
from tests.support.watched_point import ENERGY, WATCHED, WatchedPoint

ROUNDS = int(os.environ.get("CSMS_CRASH_ROUNDS", "1"))
PRICE = {"energy": 100, "service": 50}          # fen per kWh, flat all day
# (OCPP version, the moments of one round): the payment moment does not depend on the version
RUNS = [("1.6", ("start", "meter")), ("1.6", ("stop", "payment")), ("2.0.1", ("start", "meter", "stop"))]


class Plant:
    """The CSMS and WeChat processes, a priced station, charge points and drivers; kills on cue."""

    def __init__(self, tmp_path, version: str):
        self.version = version
        self.emulator = EmulatorProcess(tmp_path / "var", tmp_path / "emulator.log")
        self.csms = CsmsProcess(tmp_path, self.emulator, CSMS_DRIVER_MIN_WALLET_FEN="100")
        self.points: list[WatchedPoint] = []
        self.drivers: list[RemoteDriver] = []
        self.crash: asyncio.Task | None = None
        self.kills = 0
        self.topups: dict[int, int] = {}             # payment id -> fen, per driver id below
        self.orders: list[tuple[RemoteDriver, WatchedPoint, int]] = []
        self.killed_payments: list[str] = []        # out_trade_no of the payments a kill followed

    async def start(self, chargers: int = 2) -> None:
        await self.emulator.start()
        await self.csms.start()
        station = await a_priced_station(self.csms, energy=PRICE["energy"], service=PRICE["service"])
        for n in range(chargers):
            cp_id = f"CRASH-{n}"
            await self.csms.a_charge_point(cp_id, station_id=station["id"])
            cp = WATCHED[self.version](url=self.csms.ocpp_url, cp_id=cp_id, connectors=1, meter_interval=0.2,
                                       time_scale=10, ramp_s=1, call_timeout=5, reconnect_min_delay=0.2,
                                       reconnect_max_delay=1.0)
            cp.retry_transaction_messages(attempts=20, interval=1)
            await cp.connect()
            self.points.append(cp)
            driver = RemoteDriver(self.csms, self.emulator, f"driver{n}")
            await driver.login()
            self.drivers.append(driver)

    def kill_soon(self) -> None:
        """Kill the CSMS within the next 20 ms (the frame that tripped it is on its way, its answer may be)."""
        async def later() -> None:
            await asyncio.sleep(random.uniform(0, 0.02))
            await self.csms.kill()
            self.kills += 1
        self.crash = asyncio.get_running_loop().create_task(later())

    async def restart_after_crash(self) -> None:
        await eventually(self._crashed, 30, "the CSMS killed")
        await self.crash
        self.crash = None
        await self.csms.start()

    async def _crashed(self) -> bool:
        return self.crash is not None

    async def close(self) -> None:
        for cp in self.points:
            await cp.close()
        await self.csms.close()
        await self.emulator.terminate()


async def quietly(request):
    """An API call the kill may cut: (status, body), or (None, None) when the CSMS died under it."""
    try:
        return await request
    except Exception:   # noqa: BLE001 - the connection is cut by the kill, in whatever way aiohttp says
        return None, None


async def order_ids(driver: RemoteDriver) -> set[int]:
    status, orders = await quietly(driver.get("/api/v1/driver/orders?limit=100"))
    return {o["id"] for o in orders} if status == 200 else set()


async def new_order(driver: RemoteDriver, known: set[int]) -> int:
    """The order the last start created (it may have run to its end already: the charge point
    charges on while the CSMS restarts)."""
    async def found():
        fresh = await order_ids(driver) - known
        return min(fresh) if fresh else None
    return await eventually(found, 30, "the driver's new order")


async def wait_state(driver: RemoteDriver, order_id: int, *states: str, timeout: float = 40) -> dict:
    async def reached():
        status, order = await quietly(driver.get(f"/api/v1/driver/orders/{order_id}"))
        return order if status == 200 and order["state"] in states else None
    return await eventually(reached, timeout, f"order {order_id} in {states}")


async def a_session(plant: Plant, n: int, moment: str) -> None:
    driver, cp = plant.drivers[n], plant.points[n]
    if moment == "start":
        cp.trip_on("start", plant.kill_soon)
    known = await order_ids(driver)
    for _ in range(50):     # the last session's Available may not be written yet (statuses are write-behind)
        status, body = await quietly(driver.start(cp.cp_id, 1))
        if status != 409:
            break
        await asyncio.sleep(0.1)
    assert status in (201, None), body                      # None: the kill cut the request
    if moment == "start":
        await plant.restart_after_crash()
    order_id = await new_order(driver, known)
    await wait_state(driver, order_id, "charging", "paid")
    await cp.wait_for(lambda cp: len(cp.acked) > 0, timeout=15)
    if moment == "meter":
        cp.trip_on("meter", plant.kill_soon, after=random.randint(1, 4))
        await plant.restart_after_crash()
        await cp.wait_for(lambda c: c.ready, timeout=30)
    await asyncio.sleep(random.uniform(0.5, 1.0))           # streaming
    if moment == "stop":
        cp.trip_on("stop", plant.kill_soon)
    await quietly(driver.post(f"/api/v1/driver/sessions/{order_id}/stop", signed=True))
    if moment == "stop":
        await plant.restart_after_crash()
    await wait_state(driver, order_id, "paid", "unpaid", "refunded")
    plant.orders.append((driver, cp, order_id))
    await cp.unplug(1)


async def a_payment(plant: Plant, n: int, killed: bool, amount: int = 1000) -> None:
    driver = plant.drivers[n]
    status, payment = await driver.post("/api/v1/driver/wallet/topups", {"amount_fen": amount + n}, signed=True)
    assert status == 201, payment
    await plant.emulator.pay(prepay_id(payment["pay_params"]))
    if killed:
        plant.killed_payments.append(payment["out_trade_no"])
        plant.kill_soon()
        await plant.restart_after_crash()

    async def paid():
        status, p = await quietly(driver.get(f"/api/v1/driver/payments/{payment['id']}"))
        return status == 200 and p["state"] == "paid"
    await eventually(paid, 40, f"payment {payment['id']} credited")


@pytest.fixture
async def plant(tmp_path, version):
    plant = Plant(tmp_path, version)
    try:
        await plant.start()
        yield plant
    finally:
        await plant.close()


def _db_time(text: str) -> str:
    moment = parse_time(text)
    assert isinstance(moment, datetime)
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


@pytest.mark.parametrize(("version", "moments"), [
    pytest.param(version, moments, id=f"{version}-{'-'.join(moments)}",
                 marks=pytest.mark.timeout(90 + 20 * len(moments) * ROUNDS)) for version, moments in RUNS])
async def test_killed_mid_session_or_payment_loses_and_doubles_nothing(plant, version, moments):
    for n in range(len(plant.drivers)):
        await a_payment(plant, n, killed=False, amount=10_000 * ROUNDS)     # the wallets, before any kill
    for _ in range(ROUNDS):
        for moment in moments:
            n = random.randrange(len(plant.points))
            if moment == "payment":
                await a_payment(plant, n, killed=True)
            else:
                await a_session(plant, n, moment)
    assert plant.kills == ROUNDS * len(moments)
    for cp in plant.points:                                  # whatever they still held is delivered
        await cp.wait_for(lambda c: c.ready and not c.outbox, timeout=30)

    db = sqlite3.connect(f"file:{plant.csms.db_file}?mode=ro", uri=True)
    try:
        ids = stored_ids(db)
        check_meter_values(db, plant.points, ids)
        check_sessions(db, plant, ids)
        await check_money(db, plant, ids)
    finally:
        db.close()
    replayed = sum(cp.refused["disconnected"] + cp.refused["timeout"] for cp in plant.points)
    notes = [n for n in await plant.emulator.notifications() if n["resource"]["out_trade_no"] in plant.killed_payments]
    retried = sum(1 for n in notes if len(n["attempts"]) > 1)
    print(f"\nOCPP {version}, {plant.kills} SIGKILLs ({ROUNDS} x {', '.join(moments)}): {len(plant.orders)} sessions completed and "
          f"billed, {sum(len(cp.acked) for cp in plant.points)} acknowledged readings stored once, "
          f"{replayed} transaction messages cut by a kill and sent again, "
          f"{len(await plant.emulator.transactions())} WeChat payments, each credited once "
          f"({retried} of the {len(notes)} killed during their notification needed WeChat's retry)")


def stored_ids(db: sqlite3.Connection):
    """(charge point, the transaction id the station knows) -> the CSMS's transaction id: a 1.6
    station uses the CSMS's own, a 2.0.1 station names its transactions (ocpp_tx_id)."""
    named = {(cp, ocpp): tx for tx, cp, ocpp in db.execute("SELECT id, charge_point_id, ocpp_tx_id FROM transactions")
             if ocpp is not None}
    return lambda cp_id, tx_id: named.get((cp_id, tx_id), tx_id)


def check_meter_values(db: sqlite3.Connection, points: list[WatchedPoint], ids) -> None:
    doubled = db.execute("SELECT transaction_id, timestamp, measurand, context, COUNT(*) FROM meter_values "
                         "GROUP BY charge_point_id, transaction_id, timestamp, measurand, phase, context, location "
                         "HAVING COUNT(*) > 1").fetchall()
    assert doubled == [], f"readings stored twice: {doubled[:5]}"
    acked = [(cp.cp_id, ids(cp.cp_id, tx), _db_time(ts), wh) for cp in points for tx, ts, wh in cp.acked]
    stored = Counter(db.execute("SELECT charge_point_id, transaction_id, timestamp, value FROM meter_values "
                                "WHERE measurand = ?", (ENERGY,)).fetchall())
    # a reading acknowledged in n messages (the last periodic sample and the stop's Transaction.End copy of
    # it: other contexts, other samples) is stored at least once and at most n times; the same sample
    # stored twice is what ``doubled`` above catches
    times = Counter(acked)
    missing = [a for a in acked if not 1 <= stored[a] <= times[a]]
    assert not missing, f"{len(missing)} of {len(acked)} acknowledged readings not stored once: {missing[:5]}"


def check_sessions(db: sqlite3.Connection, plant: Plant, ids) -> None:
    rows = {r[0]: r[1:] for r in db.execute("SELECT id, status, meter_start_wh, meter_stop_wh FROM transactions")}
    for cp in plant.points:
        for tx in cp.transactions:
            tx_id = ids(cp.cp_id, tx.id)
            assert tx_id in rows, f"{cp.cp_id}: transaction {tx.id} unknown"
            assert rows[tx_id] == ("Completed", tx.meter_start, tx.meter_stop), (cp.cp_id, tx.id, rows[tx_id])
    assert len(rows) == sum(len(cp.transactions) for cp in plant.points)     # no transaction twice


async def check_money(db: sqlite3.Connection, plant: Plant, ids) -> None:
    by_tx = {ids(cp.cp_id, tx.id): tx for cp in plant.points for tx in cp.transactions}
    for driver, _, order_id in plant.orders:
        state, tx_id, energy, total, idle = db.execute(
            "SELECT state, transaction_id, energy_wh, total_fen, idle_fee_fen FROM orders WHERE id = ?",
            (order_id,)).fetchone()
        tx = by_tx[tx_id]
        assert state == "paid", (order_id, state)
        assert energy == tx.meter_stop - tx.meter_start > 0, (order_id, energy, tx.meter_start, tx.meter_stop)
        assert total == fen(energy, PRICE["energy"]) + fen(energy, PRICE["service"]) + idle, (order_id, total)
        charged = db.execute("SELECT amount_fen FROM wallet_ledger WHERE order_id = ? AND kind = 'charge'",
                             (order_id,)).fetchall()
        assert charged == [(-total,)], (order_id, charged)
    paid_at_wechat = {t["out_trade_no"]: t["amount"]["total"] for t in await plant.emulator.transactions()
                      if t["trade_state"] == "SUCCESS"}
    for out_trade_no, amount in paid_at_wechat.items():
        payment_id, state, fen_asked = db.execute(
            "SELECT id, state, amount_fen FROM payments WHERE out_trade_no = ?", (out_trade_no,)).fetchone()
        credits = db.execute("SELECT amount_fen FROM wallet_ledger WHERE payment_id = ? AND kind = 'topup'",
                             (payment_id,)).fetchall()
        assert (state, fen_asked, credits) == ("paid", amount, [(amount,)]), (out_trade_no, state, credits)
    for driver in plant.drivers:
        entries = db.execute("SELECT SUM(amount_fen) FROM wallet_ledger WHERE user_id = ?", (driver.id,)).fetchone()
        assert await driver.balance() == entries[0]
