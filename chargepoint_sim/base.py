"""Version-agnostic runtime of one simulated charge point: connection lifecycle (connect, reconnect with
exponential backoff and jitter, manual disconnect, reboot), the store-and-forward outbox for
transaction messages, dispatch of central-system CALLs to ``on_<Action>`` methods, and test helpers
(wait_for, raw frames), TLS options. Protocol specifics live in the subclasses (v16.py, v201.py).
"""

from __future__ import annotations

import asyncio
import logging
import random
import ssl
from collections import deque
from datetime import timedelta
from typing import Any, Callable, Coroutine

from . import schemas
from .link import CallTimeout, NotConnected, OcppLink, make_ssl_context
from .outbox import Outbox, OutboxMessage
from .protocol import CLOCK_OFFSET, Call, CallError, MessageIds, encode_error, encode_result, error_code
from .station import Transaction

log = logging.getLogger("chargepoint_sim")


class BaseChargePoint:
    ocpp_version = "1.6"
    subprotocol = "ocpp1.6"
    known_actions: frozenset[str] = frozenset()  # CSMS actions of this version (unhandled -> NotSupported)

    def __init__(
        self,
        url: str | list[str],
        cp_id: str,
        *,
        password: str | None = None,
        log_frames: bool | Callable[[str, str, str], None] = False,
        call_timeout: float = 10.0,
        reconnect: bool = True,
        validate: bool = True,
        open_timeout: float = 10.0,
        ping_interval: float | None = None,
        reconnect_min_delay: float = 1.0,
        reconnect_max_delay: float = 60.0,
        reboot_delay: float = 0.5,
        ssl_context: ssl.SSLContext | None = None,
        cafile: str | None = None,
        certfile: str | None = None,
        keyfile: str | None = None,
        clock_offset: float = 0.0,
    ):
        """TLS (wss:// URLs): ``ssl_context``, or one built from ``cafile`` (PEM CA to trust instead of
        the system store) and ``certfile``/``keyfile`` (client certificate, security profile 3).
        ``clock_offset``: seconds this station's clock is ahead (negative: behind) of the real time.
        ``url`` may be a list: the addresses a load balancer would give, tried in turn when a connection
        attempt fails (fail-over to another CSMS node)."""
        self.clock_offset = clock_offset
        self.cafile = cafile
        if ssl_context is None and (cafile or certfile or keyfile):
            ssl_context = make_ssl_context(cafile, certfile, keyfile)
        self.ssl_context = ssl_context
        self.urls = [url] if isinstance(url, str) else list(url)
        self.url = self.urls[0]
        self.cp_id = cp_id
        self.password = password
        self.log_frames = log_frames
        self.call_timeout = call_timeout
        self.reconnect_enabled = reconnect
        self.validate = validate
        self.open_timeout = open_timeout
        self.ping_interval = ping_interval
        self.reconnect_min_delay = reconnect_min_delay
        self.reconnect_max_delay = reconnect_max_delay
        self.reboot_delay = reboot_delay

        self.received: list[tuple[str, dict]] = []  # every CSMS-initiated CALL (action, payload)
        self.protocol_errors: list[str] = []  # schema violations in the central system's answers
        self.connect_count = 0  # successful WebSocket handshakes
        self.boot_status: str | None = None
        self.boot_response: dict | None = None
        self.ready = False  # connected and boot Accepted: allowed to send
        self._link: OcppLink | None = None
        self._ids = MessageIds()
        self._outbox = Outbox(self)
        self._reconnect_task: asyncio.Task | None = None
        self._tasks: set[asyncio.Task] = set()
        self._online_tasks: set[asyncio.Task] = set()  # cancelled when the connection ends
        self._followups: list[Coroutine] = []
        self._raw_inbox: deque[str] = deque(maxlen=1000)
        self._changed = asyncio.Event()
        self._offline = False  # disconnect() called: stay offline until reconnect()
        self._closing = False
        self._rebooting = False

    # ---------------------------------------------------------------- status
    @property
    def connected(self) -> bool:
        return self._link is not None and self._link.open

    @property
    def outbox(self) -> list[tuple[str, dict]]:
        """Transaction messages waiting to be sent (store-and-forward), oldest first."""
        return self._outbox.pending()

    def notify(self) -> None:
        event, self._changed = self._changed, asyncio.Event()
        event.set()

    async def wait_for(self, predicate: Callable[[Any], Any], timeout: float = 5.0, poll: float = 0.05) -> Any:
        """Wait until ``predicate(self)`` is truthy and return its value; raise TimeoutError. Checked on
        every state change / inbound frame, and at least every ``poll`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not (result := predicate(self)):
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"{self.cp_id}: condition not met within {timeout}s")
            try:
                async with asyncio.timeout(min(remaining, poll)):
                    await self._changed.wait()
            except TimeoutError:
                pass
        return result

    # ---------------------------------------------------------------- tasks
    def spawn(self, coro: Coroutine, *, online: bool = False, name: str | None = None) -> asyncio.Task:
        """Run ``coro`` in a tracked task (cancelled by close(); with ``online``, also when the
        connection ends). Failures are logged, never raised."""
        task = asyncio.get_running_loop().create_task(coro, name=name)
        bucket = self._online_tasks if online else self._tasks
        bucket.add(task)
        task.add_done_callback(bucket.discard)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task) -> None:
        if task.cancelled() or task.exception() is None:
            return
        exc = task.exception()
        if isinstance(exc, (NotConnected, CallTimeout)):
            log.info("%s: %s", self.cp_id, exc)
        else:
            log.error("%s: background task failed", self.cp_id, exc_info=exc)

    def after_reply(self, coro: Coroutine) -> None:
        """From a CALL handler: run ``coro`` once the CALLRESULT has been sent."""
        self._followups.append(coro)

    # ---------------------------------------------------------------- lifecycle
    async def connect(self, timeout: float | None = None) -> dict:
        """Open the WebSocket and boot; return the BootNotification response (status Accepted)."""
        self._closing = False
        CLOCK_OFFSET.set(timedelta(seconds=self.clock_offset))   # inherited by the tasks spawned from here
        return await self.reconnect(timeout)

    async def reconnect(self, timeout: float | None = None) -> dict:
        """Leave the offline state set by disconnect(): connect, boot, flush queued messages.
        On failure the charge point stays offline (no background retries) and the error is raised."""
        self._offline = False
        self._cancel_reconnect()
        try:
            if not self.connected:
                await self._open()
            async with asyncio.timeout(timeout):
                return await self._come_online()
        except BaseException:
            self._offline = True
            if self._link is not None:
                await self._link.close()
            raise

    async def disconnect(self, *, abort: bool = False) -> None:
        """Drop the connection and stay offline (no automatic reconnect; store-and-forward on)."""
        self._offline = True
        self._cancel_reconnect()
        if self._link is not None:
            if abort:
                self._link.abort()
            await self._link.close()

    async def close(self) -> None:
        """Stop everything: tasks, connection; no reconnect."""
        self._closing = True
        self._cancel_reconnect()
        tasks = [t for t in (*self._tasks, *self._online_tasks, self._outbox.task) if t and t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        if self._link is not None:
            await self._link.close()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _credentials(self) -> tuple[ssl.SSLContext | None, str | None]:
        """(TLS context, Basic password) of the next connection; the security mixin swaps in the
        station's own certificate at security profile 3."""
        return self.ssl_context, self.password

    async def _open(self) -> None:
        ssl_context, password = self._credentials()
        link = OcppLink(
            self.cp_id,
            on_call=self._handle_call,
            on_close=self._on_link_closed,
            on_frame=self._on_frame,
            log_frames=self.log_frames,
            call_timeout=self.call_timeout,
            ids=self._ids,
            version=self.ocpp_version,
        )
        await link.open_connection(
            self.url, self.subprotocol, password, open_timeout=self.open_timeout, ping_interval=self.ping_interval,
            ssl_context=ssl_context,
        )
        self._link = link
        self.connect_count += 1
        self.boot_status = None
        self.notify()
        log.info("%s: connected to %s", self.cp_id, self.url)

    async def _come_online(self) -> dict:
        """Boot until Accepted, flush the outbox, then announce state; subclasses implement the steps."""
        boot = await self._boot()
        self.ready = True
        self.notify()
        await self._outbox.flush()
        await self._after_boot()
        if not self.connected:  # dropped while coming online: let the caller / reconnect loop retry
            raise NotConnected(f"{self.cp_id}: connection lost while booting")
        return boot

    async def _boot(self) -> dict:
        raise NotImplementedError

    async def _after_boot(self) -> None:
        pass

    def _on_link_closed(self, link: OcppLink) -> None:
        if link is not self._link:
            return
        self.ready = False
        for task in list(self._online_tasks):
            task.cancel()
        self.notify()
        log.info("%s: connection closed", self.cp_id)
        if self.reconnect_enabled and not (self._closing or self._offline or self._rebooting):
            if self._reconnect_task is None or self._reconnect_task.done():
                self._reconnect_task = asyncio.get_running_loop().create_task(self._reconnect_loop())

    def _cancel_reconnect(self) -> None:
        if self._reconnect_task is not None and self._reconnect_task is not asyncio.current_task():
            self._reconnect_task.cancel()
        self._reconnect_task = None

    def backoff_delay(self, attempt: int) -> float:
        """Exponential backoff with 'equal jitter': half fixed, half random."""
        delay = min(self.reconnect_max_delay, self.reconnect_min_delay * (2 ** min(attempt, 16)))
        return delay / 2 + random.uniform(0, delay / 2)

    async def _reconnect_loop(self, first_delay: bool = True) -> None:
        attempt = 0
        while not (self._closing or self._offline):
            if first_delay or attempt:
                await asyncio.sleep(self.backoff_delay(attempt))
            attempt += 1
            try:
                if not self.connected:
                    await self._open()
                await self._come_online()
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - keep trying
                log.info("%s: reconnect attempt %d failed: %s", self.cp_id, attempt, exc)
                if self._link is not None and self._link.open:
                    await self._link.close()
                elif len(self.urls) > 1:        # this address does not answer: the next one
                    self.url = self.urls[(self.urls.index(self.url) + 1) % len(self.urls)]
                    log.info("%s: failing over to %s", self.cp_id, self.url)

    async def _restart(self) -> None:
        """Reboot: close the connection, wait, connect and boot again (retrying with backoff)."""
        self._rebooting = True
        try:
            self.ready = False
            if self._link is not None:
                await self._link.close()
            await asyncio.sleep(self.reboot_delay)
        finally:
            self._rebooting = False
        if not (self._closing or self._offline):
            self._cancel_reconnect()
            self._reconnect_task = asyncio.current_task()
            await self._reconnect_loop(first_delay=False)

    # ---------------------------------------------------------------- outbound
    async def on_DataTransfer(self, payload: dict) -> dict:
        """The same in 1.6 and 2.0.1: our own vendor id is Accepted and its data echoed (so tests
        can check the round trip); any other vendor is unknown."""
        if payload["vendorId"] != self.vendor:
            return {"status": "UnknownVendorId"}
        response = {"status": "Accepted"}
        if "data" in payload:
            response["data"] = payload["data"]
        return response

    async def call(self, action: str, payload: dict, timeout: float | None = None) -> dict:
        """Send a CALL now; return the CALLRESULT payload or raise CallError/CallTimeout/NotConnected."""
        link = self._link
        if link is None or not link.open:
            raise NotConnected(f"{self.cp_id}: not connected")
        response = await link.call(action, payload, timeout)
        if self.validate:
            try:
                schemas.validate(self.ocpp_version, action, response, response=True)
            except schemas.SchemaViolation as exc:
                self.protocol_errors.append(f"{action}Response: {exc}")
                log.warning("%s: invalid %s response from server: %s", self.cp_id, action, exc)
        return response

    async def send_raw(self, text: str) -> None:
        if self._link is None:
            raise NotConnected(f"{self.cp_id}: not connected")
        await self._link.send_text(text)

    async def recv_raw(self, timeout: float = 5.0) -> str:
        """The oldest inbound frame text not yet taken (every inbound frame is captured, max 1000)."""
        await self.wait_for(lambda cp: cp._raw_inbox, timeout)
        return self._raw_inbox.popleft()

    def clear_raw(self) -> None:
        self._raw_inbox.clear()

    def enqueue(self, action: str, payload: dict, tx: Transaction | None = None) -> asyncio.Future:
        """Queue a transaction message (sent in order, kept while offline); the future gets the answer."""
        return self._outbox.put(action, payload, tx)

    def _prepare_queued(self, message: OutboxMessage) -> bool:
        """Fill in late data (e.g. the real transactionId) before sending; False = drop the message."""
        return True

    def _queued_answered(self, message: OutboxMessage, response: dict) -> None:
        pass

    def _max_attempts(self) -> int:
        return 3

    def _retry_interval(self) -> float:
        return 5.0

    # ---------------------------------------------------------------- inbound
    def _on_frame(self, text: str) -> None:
        self._raw_inbox.append(text if isinstance(text, str) else text.decode(errors="replace"))
        self.notify()

    def _accepts_calls(self) -> bool:
        return True

    async def _handle_call(self, call: Call) -> None:
        self.received.append((call.action, call.payload))
        self.notify()
        if not self._accepts_calls():
            log.info("%s: ignoring %s while boot is %s", self.cp_id, call.action, self.boot_status)
            return
        self._followups = []
        try:
            handler = getattr(self, f"on_{call.action}", None)
            if handler is None:
                if call.action in self.known_actions:
                    raise CallError("NotSupported", f"{call.action} is not supported by this simulator")
                raise CallError("NotImplemented", f"unknown action {call.action}")
            if self.validate:
                self._validate_request(call)
            response = await handler(call.payload)
            text = encode_result(call.message_id, response)
        except CallError as exc:
            for coro in self._followups:
                coro.close()
            self._followups = []
            text = encode_error(call.message_id, error_code(self.ocpp_version, exc.code), exc.description, exc.details)
        except Exception as exc:  # noqa: BLE001 - answer instead of dropping the connection
            log.exception("%s: handler for %s failed", self.cp_id, call.action)
            for coro in self._followups:
                coro.close()
            self._followups = []
            text = encode_error(call.message_id, "InternalError", str(exc)[:200])
        followups, self._followups = self._followups, []
        try:
            await self._link.send_text(text)
        except NotConnected:
            for coro in followups:
                coro.close()
            return
        for coro in followups:
            self.spawn(coro)

    def _validate_request(self, call: Call) -> None:
        try:
            schemas.validate(self.ocpp_version, call.action, call.payload)
        except schemas.SchemaViolation as exc:
            raise CallError(exc.code, str(exc)) from None
