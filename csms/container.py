"""The composition root: every component is built here, once, and wired by hand."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

from csms.bus.events import InProcessBus
from csms.domain import events
from csms.features import install_features
from csms.db import repositories as repos
from csms.db.batch import BatchWriter
from csms.db.session import make_engine, make_sessionmaker, upgrade
from csms.ocpp import schemas
from csms.ocpp.credentials import accepted_password
from csms.ocpp.dispatcher import Dispatcher
from csms.ocpp.gateway import LocalGateway
from csms.ocpp.v16 import commands as v16_commands
from csms.ocpp.v16.handlers import V16Handlers
from csms.ocpp.v201 import commands as v201_commands
from csms.ocpp.v201.handlers import V201Handlers
from csms.services.charger_passwords import ChargerPasswords
from csms.services.chargers import ChargerConfig, ChargerService
from csms.services.clock import SystemClock
from csms.services.commands import CommandService
from csms.services.id_tags import IdTagService
from csms.services.message_log import MessageLog
from csms.services.operators import OperatorService
from csms.services.sessions import SessionService
from csms.services.tolerance import ToleranceService, parse_models
from csms.settings import Settings
from csms.transport.presence import RegistryPresence
from csms.transport.registry import Registry
from csms.transport.server import OcppServer
from csms.transport.tls import TlsFiles, server_context

log = logging.getLogger(__name__)


def jwt_secret(settings: Settings) -> str:
    """The configured secret, or one generated once into var/jwt_secret (development)."""
    if settings.api.jwt_secret:
        return settings.api.jwt_secret
    path = Path(settings.var_dir) / "jwt_secret"
    if path.is_file():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    path.write_text(secret)
    path.chmod(0o600)
    return secret


class Container:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.clock = SystemClock()
        self.engine = make_engine(settings.database, settings.var_dir)
        self.sessions_factory = make_sessionmaker(self.engine)
        sf = self.sessions_factory
        self.stations = repos.SqlStationRepository(sf)
        self.charge_points = repos.SqlChargePointRepository(sf)
        self.connectors = repos.SqlConnectorRepository(sf)
        self.id_tag_repo = repos.SqlIdTagRepository(sf)
        self.transactions = repos.SqlTransactionRepository(sf)
        self.meter_values = repos.SqlMeterValueRepository(sf)
        self.message_log_repo = repos.SqlMessageLogRepository(sf)
        self.operator_repo = repos.SqlOperatorRepository(sf)
        self.batch = BatchWriter(self.engine, interval=settings.ocpp.flush_interval)
        self.bus = InProcessBus()
        self.registry = Registry()
        self.presence = RegistryPresence(self.registry)

        o = settings.ocpp
        self.id_tags = IdTagService(self.id_tag_repo, self.clock)
        self.chargers = ChargerService(self.charge_points, self.connectors, self.bus, self.batch, self.clock,
                                       self.presence, ChargerConfig(o.auto_register, o.heartbeat_interval,
                                                                    o.boot_retry_interval, o.heartbeat_grace))
        self.sessions = SessionService(self.transactions, self.meter_values, self.id_tags, self.bus, self.batch,
                                       self.clock)
        self.message_log = MessageLog(self.batch, self.message_log_repo, self.clock, o.message_log_retention_days)
        self.operators = OperatorService(self.operator_repo)

        # per-version tables: inbound action -> handler, neutral command type -> (encoder, decoder);
        # feature modules (csms/features/) add to them
        self.routes = {"ocpp1.6": V16Handlers(self.chargers, self.sessions).routes(),
                       "ocpp2.0.1": V201Handlers(self.chargers, self.sessions).routes()}
        self.encoders = {"ocpp1.6": dict(v16_commands.ENCODERS), "ocpp2.0.1": dict(v201_commands.ENCODERS)}
        self.tolerance = ToleranceService(self.charge_points, parse_models(o.tolerant_models))
        self.dispatcher = Dispatcher(self.routes, self.message_log.observe, max_frame_bytes=o.max_frame_bytes,
                                     tolerate=self.tolerance.tolerate, admit=self.chargers.admit)
        self.bus.subscribe(events.ChargePointBooted,
                           lambda e: self.tolerance.booted(e.charge_point_id, e.vendor, e.model))
        self.gateway = LocalGateway(self.registry, self.dispatcher, self.encoders, timeout=o.call_timeout)
        self.charger_passwords = ChargerPasswords(self.charge_points, self.chargers)
        self.commands = CommandService(self.gateway, self.transactions, self.charger_passwords, accepted_password)
        self.jobs: list[tuple[str, dict, object]] = []   # (id, APScheduler interval kwargs, coroutine function)
        self.starters: list = []        # coroutine functions of feature modules, run by start()
        self.stoppers: list = []        # ... and by stop(), in reverse order
        self.api_started: list = []     # functions called with the API's base URL once it listens
        install_features(self)
        listener = dict(host=o.host, versions=self.dispatcher.versions, registry=self.registry,
                        authenticate=self.chargers.authenticate, on_frame=self.dispatcher.on_frame,
                        on_open=self._on_open, on_close=self._on_close, max_size=o.max_frame_bytes * 4,
                        ping_interval=o.ping_interval)
        self.ocpp_server = OcppServer(port=o.port, **listener)
        tls = server_context(TlsFiles(o.tls_cert, o.tls_key, o.tls_cert_rsa, o.tls_key_rsa, o.tls_client_ca))
        self.ocpp_tls_server = OcppServer(port=o.tls_port, ssl_context=tls, **listener) if tls else None
        self.jwt_secret = jwt_secret(settings)
        self.scheduler = None

    async def _on_open(self, conn) -> None:
        self.tolerance.forget(conn.cp_id)
        await self.chargers.connected(conn.cp_id, conn.protocol)

    async def _on_close(self, conn, current: bool) -> None:
        self.dispatcher.on_disconnect(conn)
        await self.chargers.disconnected(conn.cp_id, current)

    async def migrate(self) -> None:
        await upgrade(self.engine)

    async def start(self, *, ocpp: bool = True, jobs: bool = True) -> None:
        await self.migrate()
        for version in self.dispatcher.versions:
            schemas.warm(version)
        await self.charge_points.mark_all_offline()   # single node: nobody is connected before we listen
        await self.chargers.preload()
        if self.settings.api.admin_username:
            await self.operators.ensure_admin(self.settings.api.admin_username, self.settings.api.admin_password)
        self.batch.start()
        for starter in self.starters:
            await starter()
        if ocpp:
            await self.ocpp_server.start()
            if self.ocpp_tls_server is not None:
                await self.ocpp_tls_server.start()
        if jobs:
            from csms.jobs.scheduler import build_scheduler
            self.scheduler = build_scheduler(self)
            self.scheduler.start()

    async def stop(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
        await self.ocpp_server.stop()
        if self.ocpp_tls_server is not None:
            await self.ocpp_tls_server.stop()
        await self.bus.drain()
        for stopper in reversed(self.stoppers):
            await stopper()
        await self.batch.stop()
        await self.engine.dispose()
