"""Running the product: the container, the REST API, and (for the demo) simulated charge points."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
from contextlib import AsyncExitStack

from aiohttp import web

from csms.container import Container
from csms.settings import Settings

log = logging.getLogger("csms")


class Running:
    """A started CSMS: OCPP listener, API, jobs. ``ocpp_port``/``api_port``/``metrics_port`` are the
    bound ports (``metrics_port`` is None unless api.metrics_port is set)."""

    def __init__(self, container: Container, runners: list[web.AppRunner], api_port: int | None,
                 metrics_port: int | None = None):
        self.container = container
        self.runners = runners
        self.api_port = api_port
        self.metrics_port = metrics_port

    @property
    def runner(self) -> web.AppRunner | None:
        return self.runners[0] if self.runners else None

    @property
    def ocpp_port(self) -> int:
        return self.container.ocpp_server.bound_port

    async def stop(self) -> None:
        for runner in self.runners:
            await runner.cleanup()
        await self.container.stop()


ROLES = ("all", "ocpp", "api", "worker", "scheduler")


async def start(settings: Settings, role: str = "all", jobs: bool = True) -> Running:
    """Bind the API's socket first (its URL is known to what is built: WeChat Pay's emulator notifies
    it; a port in use stops start-up before anything is built), build the container, start it, then
    serve the API (and /metrics on its own port when api.metrics_port is set)."""
    api_sock = bind(settings.api.host, settings.api.port) if role in ("all", "api") else None
    api_url = f"http://{public_host(settings.api.host)}:{api_sock.getsockname()[1]}" if api_sock else None
    try:
        container = await Container.create(settings, api_url=api_url)
    except BaseException:
        if api_sock is not None:
            api_sock.close()
        raise
    running = Running(container, [], None)
    try:
        # ocpp: sockets and their node's jobs; scheduler: the periodic jobs (one at a time: the Redis
        # lock); worker: the ingest consumers (RabbitMQ); api: REST and push; all: everything
        await container.start(ocpp=role in ("all", "ocpp"), jobs=jobs and role in ("all", "scheduler"),
                              ingest=role in ("all", "worker"))
        if api_sock is not None:
            running.api_port = await _listen_api(running, settings, api_sock)
        if settings.api.metrics_port:
            running.metrics_port = await _listen_metrics(running, settings)
    except BaseException:       # a port in use, a database away: undo what started, then report
        with contextlib.suppress(Exception):
            await running.stop()
        raise
    return running


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket (OSError, e.g. the port in use, before anything else is built)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host or "0.0.0.0", port))
        sock.listen(1024)
        sock.setblocking(False)
    except OSError as exc:      # named as asyncio names it, so start-up reports the setting (csms/startup.py)
        sock.close()
        raise OSError(exc.errno, f"error while attempting to bind on address ({host!r}, {port}): "
                                 f"{(exc.strerror or '').lower()}") from None
    except BaseException:
        sock.close()
        raise
    return sock


async def _listen_api(running: Running, settings: Settings, sock: socket.socket) -> int:
    from api.app import create_app
    from api.request_ids import AccessLogger, access_logger

    runner = web.AppRunner(create_app(running.container), handle_signals=False,
                           access_log=access_logger() if settings.log.access else None,
                           access_log_class=AccessLogger)
    await runner.setup()
    running.runners.append(runner)
    await web.SockSite(runner, sock).start()
    return sock.getsockname()[1]


async def _listen_metrics(running: Running, settings: Settings) -> int:
    """/metrics alone on its own port (api.metrics_port): bind it where only Prometheus reaches."""
    from api import context
    from api.views.health import exposition

    app = web.Application()
    context.install(app, running.container)
    app.router.add_get("/metrics", exposition)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    running.runners.append(runner)
    await web.TCPSite(runner, settings.api.metrics_host, settings.api.metrics_port).start()
    return runner.addresses[0][1]


def public_host(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host


async def serve_forever(settings: Settings, role: str = "all", on_started=None) -> None:
    running = await start(settings, role)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except NotImplementedError:  # pragma: no cover (Windows)
            pass
    async with AsyncExitStack() as stack:
        try:
            o, a = settings.ocpp, settings.api
            if role in ("all", "ocpp"):
                log.info("OCPP  ws://%s:%d/ocpp/{chargePointId}  (%s)", public_host(o.host), running.ocpp_port,
                         ", ".join(running.container.dispatcher.versions))
                if running.container.ocpp_tls_server is not None:
                    log.info("OCPP  wss://%s:%d/ocpp/{chargePointId}  (TLS)", public_host(o.host),
                             running.container.ocpp_tls_server.bound_port)
            if running.api_port:
                base = a.public_url or f"http://{public_host(a.host)}:{running.api_port}"
                log.info("API   %s/api/v1  (OpenAPI: %s/api/v1/openapi.json)", base, base)
            if running.metrics_port:
                log.info("metrics http://%s:%d/metrics", public_host(a.metrics_host), running.metrics_port)
            elif running.api_port:
                log.info("metrics %s/metrics%s", base, " (Bearer api.metrics_token)" if a.metrics_token else "")
            if on_started is not None:
                cleanup = await on_started(running)
                if cleanup is not None:
                    stack.push_async_callback(cleanup)
            await stop.wait()
            log.info("shutting down")
        finally:
            await stack.aclose()
            await running.stop()
