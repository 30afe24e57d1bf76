"""Running the product: the container, the REST API, and (for the demo) simulated charge points."""

from __future__ import annotations

import asyncio
import logging
import signal
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
    from api.app import create_app

    container = Container(settings)
    await container.start(ocpp=role in ("all", "ocpp"), jobs=jobs and role in ("all", "worker", "ocpp"))
    runner, api_port = None, None
    if role in ("all", "api"):
        runner = web.AppRunner(create_app(container), access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, settings.api.host, settings.api.port)
        await site.start()
        api_port = runner.addresses[0][1]
        base = f"http://{public_host(settings.api.host)}:{api_port}"
        for hook in container.api_started:
            hook(base)
    return Running(container, runner, api_port)


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
