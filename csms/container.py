"""The composition root: every part is built here, once, in the order of what it needs, and is
complete when it is handed over (nothing is set afterwards, nothing stands in for a part built later).
Feature areas build their services in csms/features/ and come back as one typed object each.

What plugs into what is declared in one place each: inbound OCPP actions in
csms/ocpp/<version>/routes.py, command encoders in csms/ocpp/<version>/encoders.py, bus subscriptions
in csms/subscriptions.py, periodic jobs in csms/jobs/scheduler.py. ``start`` starts what runs and
``stop`` stops it in reverse order (docs/architecture.md)."""

from __future__ import annotations

import logging
from contextlib import AsyncExitStack
from datetime import timedelta
from pathlib import Path

from csms.cluster import node_id
from csms.db.batch import BatchWriter
from csms.db.catalog import build_repositories
from csms.db.session import make_engine, make_sessionmaker, upgrade
from csms.domain.live_status import NO_LIVE_STATUS
from csms.features import (accounts, backoffice, charging, cluster, driver_profile, invoices, operations,
                           payments, reservations, security, smart_charging, tariffs)
from csms.jobs.scheduler import Scheduler, jobs
from csms.keys import jwt_secret, station_password_pepper
from csms.metrics_refresh import MetricSources
from csms.notify.factory import NotifyBundle, build_notify
from csms.ocpp import frames
from csms.ocpp.calls import Caller
from csms.ocpp.credentials import accepted_password
from csms.ocpp.dispatcher import Dispatcher
from csms.ocpp.gateway import LocalGateway
from csms.ocpp.tolerance import ToleranceService, parse_models
from csms.ocpp.v16 import encoders as v16_encoders
from csms.ocpp.v16 import routes as v16_routes
from csms.ocpp.v201 import encoders as v201_encoders
from csms.ocpp.v201 import routes as v201_routes
from csms.services.background import Background
from csms.services.charger_passwords import ChargerPasswords
from csms.services.chargers import ChargerConfig, ChargerService
from csms.services.station_passwords import StationPasswords
from csms.services.clock import SystemClock
from csms.services.commands import CommandService
from csms.services.id_tags import IdTagService
from csms.services.message_log import MessageLog
from csms.services.operators import OperatorService
from csms.services.reconciliation import Ports as ReconcilePorts
from csms.services.reconciliation import ReconcileConfig, Reconciliation
from csms.services.requests import ReportRequestService
from csms.services.transactions import TransactionService
from csms.services.ratelimit import make_rate_limiter
from csms.settings import Settings, parse_rate
from csms.settings_values import parse_message_log
from csms.subscriptions import subscriptions, subscriptions_everywhere
from csms.transport.presence import RegistryPresence
from csms.transport.registry import Registry
from csms.transport.server import OcppServer
from csms.transport import tls
from csms.wechat.factory import WechatBundle, build_wechat

log = logging.getLogger(__name__)


class Container:
    @classmethod
    async def create(cls, settings: Settings, *, api_url: str | None = None) -> Container:
        """Build everything. The WeChat clients come first: in emulator mode that starts the local
        emulator, which notifies this process's API at ``api_url``; then the alarm channels (the local
        SMS emulator in emulator mode)."""
        wechat = await build_wechat(settings, Path(settings.data_dir), api_url=api_url)
        try:
            notify = await build_notify(settings, wechat.mini)
        except BaseException:
            await wechat.close()
            raise
        try:
            return cls(settings, wechat, notify, cluster.redis_client(settings.redis.url))
        except BaseException:
            await notify.close()
            await wechat.close()
            raise

    def __init__(self, settings: Settings, wechat: WechatBundle, notify: NotifyBundle, redis=None):
        s, o = settings, settings.ocpp
        self.settings = settings
        self.wechat = wechat
        self.notify = notify
        self.redis = redis
        self.clock = SystemClock()
        self.engine = make_engine(s.database, s.data_dir)
        self.db_sessions = make_sessionmaker(self.engine)
        # several nodes: the live connector status in Redis, overlaid on what the map and the console read
        self.live_status = cluster.live_status(s, redis)
        self.repos = repos = build_repositories(self.db_sessions, self.clock, self.live_status or NO_LIVE_STATUS)
        self.node = node_id(s.cluster.node_id)
        self.writer = BatchWriter(self.engine, interval=o.flush_interval)
        # high-volume rows: through RabbitMQ to the workers when amqp.url is set (csms/cluster/ingest.py)
        self.batch, self.ingest = cluster.ingest(s, self.node, self.writer, self.engine)
        self.channels, self.bus = cluster.bus(redis, self.node)
        self.background = Background()
        self.registry = Registry()
        self.jwt_secret = jwt_secret(s)

        # the core: messages, commands to charge points, charge points, id tags, transactions
        self.message_log = MessageLog(self.batch, repos.message_log, self.clock, o.message_log_retention_days,
                                      sample=parse_message_log(o.message_log))
        self.tolerance = ToleranceService(repos.charge_points, parse_models(o.tolerant_models))
        self.caller = Caller(self.message_log.observe, self.tolerance.tolerate)
        local = LocalGateway(self.registry, self.caller, {"ocpp1.6": v16_encoders.ENCODERS,
                                                          "ocpp2.0.1": v201_encoders.ENCODERS}, timeout=o.call_timeout)
        # several nodes: presence in Redis, commands routed to the node holding the socket
        self.cluster = cluster.cluster(s, redis=redis, node=self.node, channels=self.channels, bus=self.bus,
                                             registry=self.registry, local_gateway=local, live=self.live_status)
        self.gateway = self.cluster.gateway if self.cluster else local
        self.report_requests = ReportRequestService(repos.report_requests, self.clock)
        presence = self.cluster.presence if self.cluster else RegistryPresence(self.registry)
        self.chargers = ChargerService(repos.charge_points, repos.connectors, self.bus, self.batch, self.clock,
                                       presence,
                                       ChargerConfig(o.auto_register, o.heartbeat_interval, o.boot_retry_interval,
                                                     o.heartbeat_grace),
                                       StationPasswords(station_password_pepper(s)))
        # every accepted password change is stored, whichever command made it (rotate, configuration, raw)
        self.charger_passwords = ChargerPasswords(repos.charge_points, self.chargers)
        self.commands = CommandService(self.gateway, repos.transactions, self.charger_passwords, accepted_password)
        self.operators = OperatorService(repos.operators)
        # alarms from every source, work orders, notifications (subscriptions and jobs feed them)
        self.operations = operations.build(repos, s, bus=self.bus, clock=self.clock, presence=presence,
                                           senders=notify.senders, mini=wechat.mini)
        self.security = security.build(repos, s, bus=self.bus, clock=self.clock, commands=self.commands,
                                       chargers=self.chargers, passwords=self.charger_passwords,
                                       report_requests=self.report_requests, alarms=self.operations.alarms)
        # a token of the charge point's MasterPassGroupId may stop any transaction and start none (C16)
        self.id_tags = IdTagService(repos.id_tags, self.clock, self.security.provisioning.master_pass_group)
        self.tariffs = tariffs.build(repos, batch=self.batch, commands=self.commands, clock=self.clock)
        self.reservations = reservations.build(repos, gateway=self.gateway, id_tags=self.id_tags, clock=self.clock)
        self.transactions = TransactionService(repos.transactions, repos.meter_values, self.id_tags, self.bus,
                                               self.batch, self.clock, reservations=self.reservations.reservations,
                                               costs=self.tariffs.costs)
        self.smart_charging = smart_charging.build(repos, gateway=self.gateway, chargers=self.chargers,
                                                   report_requests=self.report_requests, clock=self.clock)

        # drivers: accounts, money, scan to charge, the map and personal centre
        self.accounts = accounts.build(repos, s, mini=wechat.mini, redis=redis, clock=self.clock)
        self.payments = payments.build(repos, s, pay=wechat.pay, mini=wechat.mini, tariffs=self.tariffs.tariffs,
                                       readings=self.tariffs.readings, bus=self.bus, clock=self.clock)
        self.charging = charging.build(repos, s, gateway=self.gateway, commands=self.commands,
                                       reservations=self.reservations.reservations, tariffs=self.tariffs.tariffs,
                                       readings=self.tariffs.readings, payments=self.payments,
                                       background=self.background, clock=self.clock, redis=redis)
        self.profile = driver_profile.build(repos, s, tariffs=self.tariffs.tariffs,
                                            availability=self.charging.availability, mini=wechat.mini,
                                            media_base=wechat.public_url, bus=self.bus, clock=self.clock)
        self.invoices = invoices.build(repos, bus=self.bus, clock=self.clock)
        # the back office: audit log, abnormal-order review, drivers' accounts, statistics
        self.backoffice = backoffice.build(repos, s, batch=self.batch, readings=self.tariffs.readings,
                                           payments=self.payments, accounts=self.accounts, profile=self.profile,
                                           clock=self.clock)

        # several nodes: what drifted between the nodes' views and the database is corrected or asked again
        self.reconciliation = Reconciliation(
            repos.charge_points, repos.connectors, repos.transactions,
            ReconcilePorts(presence, self.commands, self.chargers, repos.orders, self.backoffice.reviews), self.clock,
            ReconcileConfig(timedelta(seconds=o.heartbeat_interval * o.heartbeat_grace),
                            timedelta(minutes=s.cluster.stale_status_minutes),
                            timedelta(minutes=s.cluster.silent_transaction_minutes),
                            timedelta(hours=s.anomalies.stuck_hours)))

        # OCPP in: the route tables, the dispatcher, the listeners
        sc, sec = self.smart_charging, self.security
        self.routes = {
            "ocpp1.6": v16_routes.routes(chargers=self.chargers, transactions=self.transactions,
                                         firmware=sc.firmware, security_events=sec.security_events,
                                         certificates=sec.certificates),
            "ocpp2.0.1": v201_routes.routes(chargers=self.chargers, transactions=self.transactions,
                                            reservations=self.reservations.reservations,
                                            smart_charging=sc.smart_charging, display_messages=sc.display_messages,
                                            firmware=sc.firmware, security_events=sec.security_events,
                                            certificates=sec.certificates, provisioning=sec.provisioning,
                                            charging_needs=sc.charging_needs,
                                            contract_validation=sec.contract_validation, ocsp=sec.ocsp,
                                            contract_pool=sec.contract_pool),
        }
        self.dispatcher = Dispatcher(self.routes, self.caller, self.message_log.observe,
                                     max_frame_bytes=o.max_frame_bytes, tolerate=self.tolerance.tolerate)
        self.connect_limiter = make_rate_limiter(redis)
        listener = dict(host=o.host, versions=self.dispatcher.versions, registry=self.registry,
                        authenticate=self.chargers.authenticate, on_frame=self.dispatcher.on_frame,
                        on_open=self._on_open, on_close=self._on_close, max_size=o.max_frame_bytes * 4,
                        ping_interval=o.ping_interval, admit=self._connection_attempt,
                        message_rate=parse_rate(o.message_rate))
        self.ocpp_server = OcppServer(port=o.port, **listener)
        tls_ctx = tls.server_context(tls.TlsFiles(o.tls_cert, o.tls_key, o.tls_cert_rsa, o.tls_key_rsa,
                                                  o.tls_client_ca, o.tls_client_crl))
        self.ocpp_tls_server = OcppServer(port=o.tls_port, ssl_context=tls_ctx, **listener) if tls_ctx else None

        for event_type, subscriber in subscriptions(self):
            self.bus.subscribe(event_type, subscriber)
        for event_type, subscriber in subscriptions_everywhere(self):
            self.bus.subscribe(event_type, subscriber, everywhere=True)
        self.metric_sources = MetricSources(s, self.batch, self.engine, self.db_sessions, redis)
        # several schedulers: the one holding the Redis lock runs the cluster's jobs (csms/cluster/leader.py)
        self.leader = self.cluster.leader if self.cluster else None
        self.scheduler = Scheduler(jobs(self), gate=self.leader.is_leader if self.leader else None)
        self._running = AsyncExitStack()
        self._running.push_async_callback(self._close_clients)    # built first (create()): closed last
        self._running.push_async_callback(self.engine.dispose)
        self._running.push_async_callback(self.security.ocsp.close)
        self._running.push_async_callback(self.security.contract_pool.close)

    async def _connection_attempt(self, cp_id: str, address: str) -> float | None:
        """Count an OCPP connection attempt (ocpp.connect_rate per id, ocpp.connect_rate_address per address):
        None when allowed, else the seconds until another one is."""
        o = self.settings.ocpp
        wait = await self.connect_limiter.hit(f"ocpp-connect:{cp_id}", *parse_rate(o.connect_rate))
        if wait is None and o.connect_rate_address:
            wait = await self.connect_limiter.hit(f"ocpp-connect-from:{address}", *parse_rate(o.connect_rate_address))
        return wait

    async def _on_open(self, conn) -> None:
        self.tolerance.forget(conn.cp_id)
        if self.cluster is not None:        # held here now: the node that held it drops its socket
            await self.cluster.presence.opened(conn.cp_id, conn.protocol)
        self.dispatcher.opened(conn, await self.chargers.registration_status(conn.cp_id))
        await self.chargers.connected(conn.cp_id, conn.protocol)

    async def _on_close(self, conn, current: bool) -> None:
        self.dispatcher.on_disconnect(conn)
        if current and self.cluster is not None:   # taken over by another node: not offline
            current = await self.cluster.presence.closed(conn.cp_id)
        await self.chargers.disconnected(conn.cp_id, current)

    async def migrate(self) -> None:
        await upgrade(self.engine)

    async def start(self, *, ocpp: bool = True, jobs: bool = True, ingest: bool = True) -> None:
        """Start what runs; each step's undoing is pushed as it succeeds, so ``stop`` (or a failure
        half-way) undoes exactly what was started, in reverse order. ``ocpp``: the listeners and this
        node's own jobs (its sockets); ``jobs``: the cluster's periodic jobs (behind the scheduler
        lock when Redis is configured); ``ingest``: the RabbitMQ consumers that write what OCPP nodes
        queued (when amqp.url is set)."""
        run = self._running
        await self.migrate()
        for version in self.dispatcher.versions:    # from the bytecode cache after the first start
            frames.warm(version, Path(self.settings.data_dir) / "cache" / "validators")
        if self.redis is None:      # single node: nobody is connected before we listen
            await self.repos.charge_points.mark_all_offline()
        # single node: what changes a charge point's record (REST, password rotation) runs here and
        # calls forget(); with several nodes another one may have changed it, so a handshake reads it
        await self.chargers.preload(credentials=self.redis is None)
        await self.charging.idle_fees.preload()
        await self.operations.alarms.preload()
        if self.settings.api.admin_username:
            await self.operators.ensure_admin(self.settings.api.admin_username, self.settings.api.admin_password)
        self.writer.start()
        run.push_async_callback(self.writer.stop)               # the final flush, once nothing writes any more
        if self.batch is not self.writer:
            await self.batch.start()
            run.push_async_callback(self.batch.stop)            # what is still queued: published, or written here
        if ingest and self.ingest is not None:
            self.ingest.start()
            run.push_async_callback(self.ingest.stop)
        if self.cluster is not None:        # before the listeners: a charger connecting is claimed at once
            self.cluster.channels.start()
            run.push_async_callback(self.cluster.channels.stop)
            self.cluster.bus.start()
            run.push_async_callback(self.cluster.bus.stop)
            self.cluster.presence.start()
            run.push_async_callback(self.cluster.presence.stop)
            self.cluster.live.start(self.repos.connectors.statuses)     # warms Redis from the database if needed
            run.push_async_callback(self.cluster.live.stop)
        self.operations.notifier.start()
        run.push_async_callback(self.operations.notifier.stop)  # after the reactions that may queue more
        run.push_async_callback(self._quiesce)
        if ocpp:
            if self.ocpp_tls_server is not None:
                # A02.FR.11/14, F06: certificates this CSMS's CA signs authenticate their station next time
                tls.trust(self.ocpp_tls_server.ssl_context, await self.security.certificate_authority.certificate_pem())
            for server in (self.ocpp_server, self.ocpp_tls_server):
                if server is not None:
                    await server.start()
                    run.push_async_callback(server.stop)
        if ocpp or jobs:
            self.scheduler.only(node=ocpp, cluster=jobs)
            if jobs and self.leader is not None:
                self.leader.start()
                run.push_async_callback(self.leader.stop)
            self.scheduler.start()
            run.push_async_callback(self.scheduler.stop)

    async def _quiesce(self) -> None:
        """Let started work finish: bus reactions and background commands (each may start the other)."""
        while len(self.background) or self.bus.pending():
            await self.background.drain()
            await self.bus.drain()

    async def _close_clients(self) -> None:
        await self.notify.close()
        await self.wechat.close()
        if self.redis is not None:
            await self.redis.aclose()

    async def stop(self) -> None:
        await self._running.aclose()

