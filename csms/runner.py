"""Running the product: the container, the REST API, and (for the demo) simulated charge points."""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
from contextlib import AsyncExitStack

from aiohttp import web

from csms.container import Container
from csms.settings import Settings

log = logging.getLogger("csms")


class Running:
    """A started CSMS: OCPP listener, API, jobs. ``ocpp_port``/``api_port`` are the bound ports."""

    def __init__(self, container: Container, runner: web.AppRunner | None, api_port: int | None):
        self.container = container
        self.runner = runner
        self.api_port = api_port

    @property
    def ocpp_port(self) -> int:
        return self.container.ocpp_server.bound_port

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
        await self.container.stop()


async def start(settings: Settings, role: str = "all", jobs: bool = True) -> Running:
    """Bind the API's socket first (its URL is known to what is built: WeChat Pay's emulator notifies
    it), build the container, start it, then serve the API."""
    from api.app import create_app

    api_sock = bind(settings.api.host, settings.api.port) if role in ("all", "api") else None
    api_url = f"http://{public_host(settings.api.host)}:{api_sock.getsockname()[1]}" if api_sock else None
    try:
        container = await Container.create(settings, api_url=api_url)
    except BaseException:
        if api_sock is not None:
            api_sock.close()
        raise
    runner, api_port = None, None
    try:
        await container.start(ocpp=role in ("all", "ocpp"), jobs=jobs and role in ("all", "worker", "ocpp"))
        if api_sock is not None:
            runner = web.AppRunner(create_app(container), access_log=None, handle_signals=False)
            await runner.setup()
            await web.SockSite(runner, api_sock).start()
            api_port = api_sock.getsockname()[1]
    except BaseException:
        if runner is not None:
            await runner.cleanup()
        await container.stop()
        raise
    return Running(container, runner, api_port)


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket (OSError, e.g. the port in use, before anything else is built)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host or "0.0.0.0", port))
        sock.listen(1024)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


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
                log.info("API   %s/api/v1  (OpenAPI: %s/api/v1/openapi.json, metrics: %s/metrics)", base, base, base)
            if on_started is not None:
                cleanup = await on_started(running)
                if cleanup is not None:
                    stack.push_async_callback(cleanup)
            await stop.wait()
            log.info("shutting down")
        finally:
            await stack.aclose()
            await running.stop()
