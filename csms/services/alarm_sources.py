"""What raises and clears alarms: reactions to domain events (subscribed in csms/subscriptions.py)
and periodic checks (csms/jobs/scheduler.py). Each turns what happened into a Signal of one kind
(csms.domain.alarms) for the AlarmService; security events and 2.0.1 device problems are observed by
their own services as they are recorded."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from csms.domain import alarms as a
from csms.domain import events
from csms.domain.alarms import Signal
from csms.domain.driver_events import PaymentFailed, ReconciliationMismatch
from csms.domain.repositories import ChargePointRepository, TransactionRepository
from csms.services.alarms import AlarmService
from csms.services.chargers import Presence

log = logging.getLogger(__name__)

NO_ERROR = ("NoError", "", None)
# FirmwareStatusNotification / PublishFirmwareStatusNotification statuses that end in failure (1.6 core
# and security extension, 2.0.1 L01-L04), and those that say the firmware is fine after all
FIRMWARE_FAILED = frozenset({"DownloadFailed", "InstallationFailed", "InstallVerificationFailed", "InvalidSignature",
                             "InstallFailed"})
FIRMWARE_FINE = frozenset({"Installed"})
PUBLISH_FAILED = frozenset({"DownloadFailed", "InvalidChecksum", "PublishFailed"})
PUBLISH_FINE = frozenset({"Published"})
PAGE = 500


@dataclass(frozen=True)
class SourceConfig:
    stuck_after: timedelta           # a transaction open longer is stuck


class AlarmSources:
    def __init__(self, alarms: AlarmService, charge_points: ChargePointRepository,
                 transactions: TransactionRepository, presence: Presence, config: SourceConfig):
        self.alarms = alarms
        self.charge_points = charge_points
        self.transactions = transactions
        self.presence = presence
        self.config = config
        self._registers: dict[int, tuple[datetime, int]] = {}      # running transaction -> (at, energy Wh)

    # -- charge points ------------------------------------------------------------------------------
    async def on_connector_status(self, e: events.ConnectorStatusChanged) -> None:
        faulted = e.status == "Faulted" or e.error_code not in NO_ERROR
        where = "the charge point" if e.connector_id == 0 else f"connector {e.connector_id}"
        signal = Signal(a.CONNECTOR_FAULT, e.charge_point_id, e.evse_id, e.connector_id,
                        type=e.error_code if e.error_code not in NO_ERROR else e.status,
                        message=f"{e.charge_point_id} {where}: {e.status} ({e.error_code or 'no error code'})")
        if faulted:
            await self.alarms.observe(signal)
        else:
            await self.alarms.clear(signal)

    async def on_booted(self, e: events.ChargePointBooted) -> None:
        signal = Signal(a.BOOT_REJECTED, e.charge_point_id, type="Rejected",
                        message=f"{e.charge_point_id} ({e.vendor or '?'} {e.model or '?'}) was refused at boot")
        if e.status == "Rejected":
            await self.alarms.observe(signal)
        elif e.status == "Accepted":
            await self.alarms.clear(signal)

    def _offline(self, cp_id: str, since: datetime | None, level: bool = False) -> Signal:
        return Signal(a.CHARGE_POINT_OFFLINE, cp_id, type="offline", since=since, level=level,
                      message=f"{cp_id} has been offline since {since.isoformat() if since else 'now'}")

    async def on_disconnected(self, e: events.ChargePointDisconnected) -> None:
        await self.alarms.observe(self._offline(e.charge_point_id, e.at))

    async def on_connected(self, e: events.ChargePointConnected) -> None:
        await self.alarms.clear(self._offline(e.charge_point_id, None))

    async def on_notice(self, e: events.ChargePointNotice) -> None:
        """Firmware updates and publications that failed (and the success that clears them)."""
        if e.kind == "firmware_status":
            failed, fine, what = FIRMWARE_FAILED, FIRMWARE_FINE, "update"
        elif e.kind == "publish_firmware_status":
            failed, fine, what = PUBLISH_FAILED, PUBLISH_FINE, "publish"
        else:
            return
        status = e.data.get("status")
        request = e.data.get("request_id")
        signal = Signal(a.FIRMWARE_FAILURE, e.charge_point_id, subject=what, type=str(status),
                        message=f"{e.charge_point_id}: firmware {what} failed ({status}, request {request})")
        if status in failed:
            await self.alarms.observe(signal)
        elif status in fine:
            await self.alarms.clear(signal)

    # -- transactions -------------------------------------------------------------------------------
    async def on_transaction_updated(self, e: events.TransactionUpdated) -> None:
        """A register that goes backwards during a session (in the order the readings were taken:
        store-and-forward may deliver them out of order)."""
        last = self._registers.get(e.transaction_id)
        if last is None or e.at > last[0]:
            self._registers[e.transaction_id] = (e.at, e.energy_wh)
        if last is not None and e.at > last[0] and e.energy_wh < last[1]:
            await self.alarms.observe(Signal(
                a.METER_ANOMALY, e.charge_point_id, 0, e.connector_id, type="meter_backwards",
                message=f"transaction {e.transaction_id}: energy went from {last[1]} Wh back to {e.energy_wh} Wh"))

    async def on_transaction_stopped(self, e: events.TransactionStopped) -> None:
        self._registers.pop(e.transaction_id, None)
        await self.alarms.clear(self._stuck(e.charge_point_id, e.connector_id, e.transaction_id, None))
        if e.anomaly:
            await self.alarms.observe(Signal(
                a.METER_ANOMALY, e.charge_point_id, 0, e.connector_id, type=e.anomaly,
                message=f"transaction {e.transaction_id}: {e.anomaly.replace('_', ' ')}"))

    def _stuck(self, cp_id: str, connector_id: int, tx_id: int, started_at: datetime | None,
               level: bool = False) -> Signal:
        return Signal(a.STUCK_TRANSACTION, cp_id, 0, connector_id, subject=str(tx_id), type="stuck", level=level,
                      message=f"transaction {tx_id} on {cp_id} connector {connector_id} open since "
                              f"{started_at.isoformat() if started_at else '?'}")

    # -- money --------------------------------------------------------------------------------------
    async def on_payment_failed(self, e: PaymentFailed) -> None:
        await self.alarms.observe(Signal(a.PAYMENT_FAILURE, None, subject=e.stage, type=e.stage,
                                         message=f"WeChat Pay {e.stage} failed for {e.reference}: {e.message}"))

    async def on_reconciliation_mismatch(self, e: ReconciliationMismatch) -> None:
        r = e.report
        await self.alarms.observe(Signal(
            a.RECONCILIATION_MISMATCH, None, subject=e.day.isoformat(), type="unbalanced",
            message=f"{e.day.isoformat()}: {len(r.get('missing_here', ()))} paid at WeChat only, "
                    f"{len(r.get('missing_at_wechat', ()))} here only, {len(r.get('amount_mismatch', ()))} amounts "
                    f"differ (ours {r.get('ours_total_fen')} fen, WeChat {r.get('wechat_total_fen')} fen)"))

    # -- periodic checks ----------------------------------------------------------------------------
    async def check_offline(self) -> int:
        """Charge points away longer than their debounce, found after a restart too (the pending
        causes were in the old process); an open offline alarm of one that is back is resolved."""
        now = self.alarms.clock.now()
        wait = timedelta(seconds=self.alarms.policy.debounce_of(a.CHARGE_POINT_OFFLINE))
        for alarm in await self.alarms.open_of_kind(a.CHARGE_POINT_OFFLINE):
            if alarm.charge_point_id and self.presence.is_connected(alarm.charge_point_id):
                await self.alarms.clear_alarm(alarm)
        found, offset = 0, 0
        while True:
            page = await self.charge_points.list(online=False, limit=PAGE, offset=offset)
            for cp in page.items:
                if cp.last_seen is None or self.presence.is_connected(cp.id) or now - cp.last_seen < wait:
                    continue        # never connected, back already, or not long enough
                if await self.alarms.observe(self._offline(cp.id, cp.last_seen, level=True)) is not None:
                    found += 1
            offset += PAGE
            if offset >= page.total:
                return found

    async def check_stuck(self) -> int:
        """Transactions open longer than alarms.stuck_after_hours; an alarm of one that is no longer
        active (stopped, or abandoned by a newer start) is resolved."""
        now = self.alarms.clock.now()
        for alarm in await self.alarms.open_of_kind(a.STUCK_TRANSACTION):
            tx = await self.transactions.get(int(alarm.subject)) if alarm.subject.isdigit() else None
            if tx is None or tx.status != "Active":
                await self.alarms.clear_alarm(alarm)
        found, offset = 0, 0
        while True:
            page = await self.transactions.list(status="Active", until=now - self.config.stuck_after, limit=PAGE,
                                                offset=offset)
            for tx in page.items:
                await self.alarms.observe(self._stuck(tx.charge_point_id, tx.connector_id, tx.id, tx.started_at,
                                                      level=True))
                found += 1
            offset += PAGE
            if offset >= page.total:
                return found
