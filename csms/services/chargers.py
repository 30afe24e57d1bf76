"""Charge points: handshake authentication, presence, boot, heartbeat, connector status."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from csms import metrics
from csms.domain import events
from csms.domain.models import ChargePoint, Connector
from csms.domain.repositories import BatchSink, ChargePointRepository, Conflict, ConnectorRepository
from csms.domain.states import CONNECTOR
from csms.services.clock import Clock
from csms.services.station_passwords import StationPasswords

log = logging.getLogger(__name__)

ACCEPT, UNAUTHORIZED, NOT_FOUND = 101, 401, 404


class Presence(Protocol):
    """What this node knows of live sockets (implemented over the transport registry)."""
    def is_connected(self, cp_id: str) -> bool: ...
    def last_frame_at(self, cp_id: str) -> datetime | None: ...
    def protocol_of(self, cp_id: str) -> str | None: ...
    def connected(self) -> list[tuple[str, datetime]]: ...
    async def close(self, cp_id: str, reason: str) -> None: ...


@dataclass(frozen=True)
class BootInfo:
    vendor: str
    model: str
    serial_number: str | None = None
    firmware_version: str | None = None


@dataclass(frozen=True)
class BootResult:
    status: str
    interval: int
    current_time: datetime


@dataclass(frozen=True, slots=True)
class Credentials:
    """What a handshake checks of a charge point's record."""
    registration_status: str
    security_profile: int
    password_hash: str | None


@dataclass(frozen=True)
class ChargerConfig:
    auto_register: bool = False
    heartbeat_interval: int = 300
    boot_retry_interval: int = 30
    heartbeat_grace: float = 2.5


PRESENCE_WRITE_EVERY = timedelta(seconds=60)


class ChargerService:
    def __init__(self, charge_points: ChargePointRepository, connectors: ConnectorRepository, bus,
                 batch: BatchSink, clock: Clock, presence: Presence, config: ChargerConfig,
                 passwords: StationPasswords | None = None):
        self.charge_points = charge_points
        self.connectors = connectors
        self.bus = bus
        self.batch = batch
        self.clock = clock
        self.presence = presence
        self.config = config
        # the pepper comes from csms/keys.py; a random one only serves a process that stores no password
        self.passwords = passwords or StationPasswords(os.urandom(32))
        # hot-path caches, so a StatusNotification or an Authorize costs no database read
        self._registration: dict[str, str] = {}
        # every record's credentials when preloaded (a single node: what changes one calls forget);
        # None: each handshake reads its record (several nodes: another one may have changed it)
        self._credentials: dict[str, Credentials] | None = None
        self._forgets = 0       # a record read before a forget() is not kept (it may be the old one)
        self._connector_state: dict[str, dict[tuple[int, int], tuple[str, datetime | None]]] = {}
        self._seen_written: dict[str, datetime] = {}   # the last-seen time last queued per live connection

    def forget(self, cp_id: str) -> None:
        """Drop cached state of a charge point (its record changed, or it went away)."""
        self._registration.pop(cp_id, None)
        self._connector_state.pop(cp_id, None)
        if self._credentials is not None:
            self._credentials.pop(cp_id, None)      # read again (and kept) at its next handshake
            self._forgets += 1

    # -- handshake and presence --------------------------------------------------------------------
    async def authenticate(self, cp_id: str, password: str | None, tls: bool, client_cn: str | None) -> int:
        """HTTP status for a handshake: 101 go on, 404 unknown id, 401 bad or missing credentials."""
        cp = await self._credentials_of(cp_id)
        if cp is None:
            if not self.config.auto_register:
                return NOT_FOUND
            try:
                await self.charge_points.create(id=cp_id, registration_status="Accepted", security_profile=0)
                log.info("auto-registered charge point %s", cp_id)
            except Conflict:  # registered concurrently
                pass
            self._registration[cp_id] = "Accepted"
            return ACCEPT
        self._registration[cp_id] = cp.registration_status   # fresh: the boot that follows reads no database
        if cp.security_profile >= 2 and not tls:
            return UNAUTHORIZED
        if tls and client_cn == cp_id:
            # profile 3 authenticates by the client certificate alone (A00.FR.405/407; 1.6 security
            # whitepaper profile 3): a password stored from profile 1/2 is not asked for. The
            # certificate was verified in the TLS handshake against the client CA and the CSMS's
            # signing CA; connecting at 3 satisfies any stored minimum.
            return ACCEPT
        if cp.security_profile == 3:
            return UNAUTHORIZED        # no valid certificate of its own
        if cp.password_hash:
            if password is None:
                return UNAUTHORIZED
            verdict = await self.passwords.verify(cp_id, cp.password_hash, password)
            if not verdict.ok:
                return UNAUTHORIZED
            if verdict.rehash:      # an Argon2 hash of before: the keyed hash from now on (one write, once)
                await self.charge_points.update(cp_id, password_hash=verdict.rehash)
                self.forget(cp_id)
        elif cp.security_profile in (1, 2):
            return UNAUTHORIZED        # the profile demands a password and none is set: refuse, never open
        return ACCEPT

    async def _credentials_of(self, cp_id: str) -> Credentials | None:
        known = self._credentials
        found = known.get(cp_id) if known is not None else None
        if found is None:
            forgets = self._forgets
            cp = await self.charge_points.get(cp_id)
            if cp is None:
                return None         # not kept: an unknown id is looked up again (it may be registered since)
            found = Credentials(cp.registration_status, cp.security_profile, cp.password_hash)
            if known is not None and forgets == self._forgets:
                known[cp_id] = found
        return found

    async def preload(self, credentials: bool = False) -> int:
        """Load every connector's last status once at start-up, so the reconnect storm that follows
        a restart costs no read per charge point; with ``credentials`` (a single node, where whatever
        changes a record calls ``forget``), every charge point's credentials too, so its handshake
        reads nothing either. (Single writer: this service; multi-node will invalidate through the bus.)"""
        for cp_id, evse_id, connector_id, status, status_at in await self.connectors.all_states():
            self._connector_state.setdefault(cp_id, {})[(evse_id, connector_id)] = (status, status_at)
        if credentials:
            self._credentials = {cp_id: Credentials(status, profile, password_hash)
                                 for cp_id, status, profile, password_hash in await self.charge_points.all_credentials()}
        return sum(map(len, self._connector_state.values()))

    async def connected(self, cp_id: str, protocol: str) -> None:
        at = self.clock.now()
        # batched: a reconnect storm of thousands costs no write each; live presence is in the registry
        self.batch.update_latest("charge_points", cp_id, {"online": True, "protocol": protocol, "last_seen": at})
        self.bus.publish(events.ChargePointConnected(cp_id, protocol, at))

    async def disconnected(self, cp_id: str, current: bool) -> None:
        """``current`` is False when a newer connection for the same id has replaced this one."""
        if not current:
            return
        self._registration.pop(cp_id, None)       # read again at the next handshake
        at = self.clock.now()
        self.batch.update_latest("charge_points", cp_id, {"online": False, "last_seen": at})
        self.bus.publish(events.ChargePointDisconnected(cp_id, at))

    def record_presence(self) -> None:
        """Queue last-seen times of live connections for the next batch write: of those that sent a frame
        since their last write, at most once per PRESENCE_WRITE_EVERY (what reads last_seen looks
        further back: offline after interval x grace; the live presence is in the registry), so the
        cost follows the frames, not the number of connections."""
        written, every = self._seen_written, PRESENCE_WRITE_EVERY
        live = {}
        for cp_id, at in self.presence.connected():
            live[cp_id] = last = written.get(cp_id)
            if last is None or at - last >= every:
                self.batch.update_latest("charge_points", cp_id, {"last_seen": at})
                live[cp_id] = at
        self._seen_written = live                   # connections gone are forgotten

    async def close_stale(self) -> list[str]:
        """Close connections silent for longer than heartbeat interval x grace."""
        limit = self.clock.now() - timedelta(seconds=self.config.heartbeat_interval * self.config.heartbeat_grace)
        stale = [cp_id for cp_id, at in self.presence.connected() if at < limit]
        for cp_id in stale:
            log.warning("%s silent since before %s: closing its connection", cp_id, limit.isoformat())
            await self.presence.close(cp_id, "heartbeat timeout")
        return stale

    async def view(self, cp_id: str) -> tuple[ChargePoint, list[Connector]] | None:
        """The charge point as operators see it: live presence overlaid on the stored record."""
        await self.batch.flush()      # statuses and last-seen times are written in batches
        cp = await self.charge_points.get(cp_id)
        if cp is None:
            return None
        return self.overlay(cp), await self.connectors.list_for(cp_id)

    def overlay(self, cp: ChargePoint) -> ChargePoint:
        seen = self.presence.last_frame_at(cp.id)
        if seen is None:   # single node: the registry is the whole truth (multi-node will ask the bus)
            return replace(cp, online=False) if cp.online else cp
        last = max(seen, cp.last_seen) if cp.last_seen else seen
        return replace(cp, online=True, last_seen=last, protocol=self.presence.protocol_of(cp.id) or cp.protocol)

    # -- OCPP-facing operations ----------------------------------------------------------------------
    async def boot(self, cp_id: str, info: BootInfo) -> BootResult:
        at = self.clock.now()
        status = await self.registration_status(cp_id) or "Rejected"
        self.batch.update_latest("charge_points", cp_id, {
            "vendor": info.vendor, "model": info.model, "serial_number": info.serial_number,
            "firmware_version": info.firmware_version, "last_boot_at": at, "last_seen": at})
        interval = self.config.heartbeat_interval if status == "Accepted" else self.config.boot_retry_interval
        self.bus.publish(events.ChargePointBooted(cp_id, status, info.vendor, info.model, info.firmware_version, at))
        return BootResult(status, interval, at)

    async def registration_status(self, cp_id: str) -> str | None:
        status = self._registration.get(cp_id)
        if status is None:
            cp = await self.charge_points.get(cp_id)
            if cp is None:
                return None
            status = self._registration[cp_id] = cp.registration_status
        return status

    def heartbeat(self, cp_id: str) -> datetime:
        return self.clock.now()

    async def status(self, cp_id: str, evse_id: int, connector_id: int, *, status: str, error_code: str,
                     info: str | None = None, vendor_error_code: str | None = None,
                     at: datetime | None = None) -> None:
        at = at or self.clock.now()
        previous = None
        if evse_id == 0:
            self.batch.update_latest("charge_points", cp_id, {"status": status, "error_code": error_code})
        else:
            known = self._connector_state.get(cp_id)
            if known is None:
                await self.batch.flush()     # statuses still queued must be in what we load, or an older report wins
                known = self._connector_state[cp_id] = {
                    (c.evse_id, c.connector_id): (c.status, c.status_at) for c in await self.connectors.list_for(cp_id)}
            key = (evse_id, connector_id)
            if key not in known:     # first report of this connector: create its row now
                previous, applied = await self.connectors.set_status(
                    cp_id, evse_id, connector_id, status=status, error_code=error_code, info=info,
                    vendor_error_code=vendor_error_code, at=at)
            else:
                previous, previous_at = known[key]
                applied = previous_at is None or at >= previous_at
                if applied:
                    self.batch.update_latest("connectors", (cp_id, evse_id, connector_id), {
                        "status": status, "error_code": error_code, "info": info,
                        "vendor_error_code": vendor_error_code, "status_at": at})
            if not applied:
                log.info("%s connector %s: %s at %s is older than the stored status; kept %s",
                         cp_id, connector_id, status, at.isoformat(), previous)
                return
            known[key] = (status, at)
            if previous is not None and not CONNECTOR.can(previous, status):
                metrics.CONNECTOR_ANOMALIES.inc()
                log.info("%s connector %s: unexpected %s -> %s", cp_id, connector_id, previous, status)
        self.bus.publish(events.ConnectorStatusChanged(cp_id, evse_id, connector_id, status, previous, error_code, at))

    async def notice(self, cp_id: str, kind: str, data: dict) -> None:
        """Firmware / diagnostics status and other reports: stored where there is a column, published."""
        if kind == "firmware_status":
            await self.charge_points.update(cp_id, firmware_status=data.get("status"))
        elif kind == "diagnostics_status":
            await self.charge_points.update(cp_id, diagnostics_status=data.get("status"))
        self.bus.publish(events.ChargePointNotice(cp_id, kind, data, self.clock.now()))
