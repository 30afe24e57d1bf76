"""`csms demo`: the CSMS on its embedded defaults, a demo station with simulated charge points
charging in a loop, and an operator account to look at it all."""

from __future__ import annotations

import asyncio
import logging
import random

from csms.domain.models import IdTag
from csms.domain.repositories import Conflict
from api.server import Running, public_host, serve_forever
from csms.settings import Settings

log = logging.getLogger("csms.demo")

DEMO_ADMIN = ("admin", "admin123")
DEMO_TAGS = ("DEMO-TAG-1", "DEMO-TAG-2", "DEMO-TAG-3", "DEMO-TAG-4")
SCAN_CHARGER = "DEMO-SCAN"     # left free for drivers: scan its QR code in the mini-program
# a Shanghai-style time-of-use tariff (尖峰平谷), fen per kWh
DEMO_TARIFF = {
    "segments": [{"start": "00:00", "end": "08:00", "period": "valley"},
                 {"start": "08:00", "end": "10:00", "period": "flat"},
                 {"start": "10:00", "end": "12:00", "period": "sharp"},
                 {"start": "12:00", "end": "17:00", "period": "flat"},
                 {"start": "17:00", "end": "21:00", "period": "peak"},
                 {"start": "21:00", "end": "22:00", "period": "flat"},
                 {"start": "22:00", "end": "24:00", "period": "valley"}],
    "prices": {"sharp": {"energy_fen_per_kwh": 132, "service_fen_per_kwh": 80},
               "peak": {"energy_fen_per_kwh": 110, "service_fen_per_kwh": 80},
               "flat": {"energy_fen_per_kwh": 68, "service_fen_per_kwh": 60},
               "valley": {"energy_fen_per_kwh": 31, "service_fen_per_kwh": 40}},
    "idle_fee_fen_per_min": 50, "idle_grace_minutes": 15}


async def register(running: Running, chargers: int, connectors: int = 2) -> list[str]:
    """Idempotently create the demo station, charge points and id tags; returns the charger ids."""
    c = running.container
    page = await c.repos.stations.list(q="Demo station")
    station = page.items[0] if page.items else await c.repos.stations.create(
        name="Demo station 演示充电站", address="上海市浦东新区世纪大道 100 号", lat=31.2352, lng=121.5055,
        timezone="Asia/Shanghai")
    ids = [f"DEMO-{i:03d}" for i in range(1, chargers + 1)]
    for cp_id in ids:
        try:
            await c.repos.charge_points.create(id=cp_id, station_id=station.id, registration_status="Accepted",
                                         security_profile=0)
        except Conflict:
            pass
    try:
        await c.repos.charge_points.create(id=SCAN_CHARGER, station_id=station.id, registration_status="Accepted",
                                     security_profile=0)
    except Conflict:
        pass
    if not await c.tariffs.tariffs.versions(station.id):
        await c.tariffs.tariffs.set_tariff(station.id, DEMO_TARIFF)
    for tag in (*DEMO_TAGS, *(demo_tag(cp_id, n) for cp_id in ids for n in range(1, connectors + 1))):
        await c.id_tags.put(IdTag(tag, "Accepted"))
    if not c.settings.api.admin_username:
        await c.operators.ensure_admin(*DEMO_ADMIN)
    return ids


def demo_tag(cp_id: str, connector: int) -> str:
    """One card per demo connector: a card is in one transaction at a time (ConcurrentTx)."""
    return f"{cp_id}-C{connector}"


async def drive(cp, connectors: int, session_seconds: float) -> None:
    """Sessions on every connector, staggered, forever."""
    async def one(connector: int) -> None:
        await asyncio.sleep(random.uniform(1, 8))
        while True:
            try:
                await cp.plug_in(connector)
                await cp.start_session(connector, demo_tag(cp.cp_id, connector))
                await asyncio.sleep(session_seconds * random.uniform(0.7, 1.3))
                await cp.stop_session(connector, reason="EVDisconnected")
                await cp.unplug(connector)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # offline, rejected...: try again later, as a driver would
                log.info("%s connector %s: %s", cp.cp_id, connector, exc)
            await asyncio.sleep(random.uniform(5, 20))

    await asyncio.gather(*(one(n) for n in range(1, connectors + 1)))


async def run_demo(settings: Settings, args) -> None:
    from chargepoint_sim.v16 import ChargePoint16

    async def started(running: Running):
        ids = await register(running, args.chargers, args.connectors)
        url = f"ws://127.0.0.1:{running.ocpp_port}/ocpp"
        sims = [ChargePoint16(url=url, cp_id=cp_id, connectors=args.connectors, meter_interval=args.meter_interval)
                for cp_id in ids]
        scan = ChargePoint16(url=url, cp_id=SCAN_CHARGER, connectors=2, meter_interval=args.meter_interval,
                             time_scale=10)
        for sim in (*sims, scan):
            await sim.connect()
        tasks = [asyncio.create_task(drive(sim, args.connectors, args.session_seconds)) for sim in sims]
        wechat = running.container.wechat
        emulator = (wechat.emulator.url if wechat.emulator is not None else settings.wechat.emulator_url
                    or "(live WeChat)")
        sms = running.container.notify.sms_emulator
        sms_messages = f"{sms.url}/emulator/messages" if sms is not None else f"(sms.mode = {settings.sms.mode})"
        api = settings.api.public_url or f"http://{public_host(settings.api.host)}:{running.api_port}"
        user = settings.api.admin_username or DEMO_ADMIN[0]
        password = "(from CSMS_ADMIN_PASSWORD)" if settings.api.admin_username else DEMO_ADMIN[1]
        print(f"\n  csms demo is running: {len(sims)} simulated charge points ({', '.join(ids)})\n"
              f"  OCPP     ws://127.0.0.1:{running.ocpp_port}/ocpp/{{chargePointId}}\n"
              f"  console  {api}/console/   (operator login {user} / {password})\n"
              f"  API      {api}/api/v1   (log in: POST /api/v1/auth/login as {user} / {password})\n"
              f"  OpenAPI  {api}/api/v1/openapi.json\n"
              f"  metrics  {api}/metrics\n"
              f"  id tags  {', '.join(DEMO_TAGS)}\n"
              f"  drivers  {api}/api/v1/driver/...   WeChat emulator {emulator}\n"
              f"           scan to charge: {settings.driver.qr_base_url}/{SCAN_CHARGER}/1 (and /2)\n"
              f"  alarms   {api}/api/v1/admin/alarms   SMS sent: {sms_messages}\n"
              f"  Ctrl-C stops everything.\n", flush=True)

        async def cleanup():
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await asyncio.gather(*(sim.close() for sim in (*sims, scan)), return_exceptions=True)
        return cleanup

    await serve_forever(settings, "all", on_started=started)
