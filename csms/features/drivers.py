"""Feature module: driver services (see csms/features/__init__.py): WeChat login, sessions started
by scanning, orders, wallet, WeChat Pay, notices, driver reservations.

The WeChat clients are built when the container starts (in emulator mode that starts the local
WeChat emulator); until then the services hold a placeholder that refuses every call."""

from __future__ import annotations

from datetime import timedelta

from csms.db.repositories_driver_reservations import SqlDriverReservationRepository
from csms.db.repositories_drivers import (SqlNotificationLog, SqlOrderRepository, SqlPaymentRepository,
                                          SqlRefreshTokenRepository, SqlRefundRepository, SqlSubscriptionRepository,
                                          SqlUserRepository, SqlWalletRepository)
from csms.domain import events
from csms.services.charging import ChargingService, DriverConfig
from csms.services.driver_auth import DriverAuthService
from csms.services.driver_reservations import DriverReservationService
from csms.services.nonces import make_nonce_store
from csms.services.notices import NoticeService
from csms.services.payments import PaymentService
from csms.services.pii import PiiCipher, load_pii_key, mask_phone
from csms.services.ratelimit import make_rate_limiter
from csms.services.settlement import SettlementService
from csms.settings import parse_clock_time, parse_networks


class _NotStarted:
    """Stands in for a WeChat client before the container has started."""

    notify_url = refund_notify_url = ""

    def __getattr__(self, name):
        raise RuntimeError(f"WeChat clients are not started yet ({name})")


class _Late:
    """Another feature's service, looked up when first used (feature install order does not matter)."""

    def __init__(self, container, name: str):
        self._container, self._name = container, name

    def __getattr__(self, attr):
        return getattr(getattr(self._container, self._name), attr)


def install(container) -> None:
    c = container
    s = c.settings
    sf = c.sessions_factory
    c.users = SqlUserRepository(sf)
    c.refresh_tokens = SqlRefreshTokenRepository(sf)
    c.orders = SqlOrderRepository(sf)
    c.wallet = SqlWalletRepository(sf)
    c.payment_repo = SqlPaymentRepository(sf)
    c.refund_repo = SqlRefundRepository(sf)
    c.notification_log = SqlNotificationLog(sf)
    c.subscriptions = SqlSubscriptionRepository(sf)
    c.driver_reservation_repo = SqlDriverReservationRepository(sf)
    c.redis = _redis(s.redis.url)
    c.nonces = make_nonce_store(c.redis)
    c.rate_limiter = make_rate_limiter(c.redis)
    c.trusted_proxies = parse_networks(s.api.trusted_proxies)
    c.pii = PiiCipher(load_pii_key(s))
    c.wechat = None

    d = s.driver
    c.driver_auth = DriverAuthService(c.users, c.refresh_tokens, c.subscriptions, _NotStarted(), c.pii, mask_phone,
                                      c.clock, d.refresh_ttl)
    c.payments = PaymentService(c.payment_repo, c.refund_repo, c.notification_log, c.wallet, c.users, _NotStarted(),
                                c.clock)
    c.notices = NoticeService(c.users, c.subscriptions, c.stations, _NotStarted(),
                              bill_template_id=s.wechat.bill_template_id,
                              complete_template_id=s.wechat.complete_template_id)
    c.settlement = SettlementService(orders=c.orders, transactions=c.transactions, meter_values=c.meter_values,
                                     batch=c.batch, tariffs=_Late(c, "tariffs"), wallet=c.wallet, payments=c.payments,
                                     notices=c.notices, bus=c.bus, clock=c.clock)
    c.charging = ChargingService(
        orders=c.orders, users=c.users, charge_points=c.charge_points, connectors=c.connectors,
        id_tags=c.id_tag_repo, transactions=c.transactions, meter_values=c.meter_values,
        reservations=c.reservation_repo, driver_reservations=c.driver_reservation_repo, commands=c.commands,
        gateway=c.gateway, tariffs=_Late(c, "tariffs"), payments=c.payments, settlement=c.settlement, bus=c.bus,
        clock=c.clock, config=DriverConfig(d.start_timeout, d.min_wallet_fen, d.min_prepay_fen, d.max_prepay_fen,
                                           d.funds_margin_fen), reservation_service=c.reservations)
    c.driver_reservations = DriverReservationService(
        reservations=c.reservations, holders=c.driver_reservation_repo, charging=c.charging, id_tags=c.id_tag_repo,
        users=c.users, wallet=c.wallet, clock=c.clock, hold_minutes=d.reservation_hold_minutes,
        fee_fen=d.reservation_fee_fen)

    c.station_cards.availability = c.charging.availability      # the scan page asks what the start will say
    c.bus.subscribe(events.TransactionStarted, c.charging.on_transaction_started)
    c.bus.subscribe(events.TransactionUpdated, c.charging.on_transaction_updated)
    c.bus.subscribe(events.TransactionStopped, c.charging.on_transaction_stopped)
    c.bus.subscribe(events.ConnectorStatusChanged, c.charging.idle_fees.on_connector_status)

    async def preload() -> None:
        await c.charging.idle_fees.preload()

    c.starters.append(preload)

    async def start_wechat() -> None:
        from csms.wechat.factory import build_wechat
        c.wechat = await build_wechat(s, s.var_dir)
        c.driver_auth.mini = c.notices.mini = c.moderation.mini = c.wechat.mini
        c.payments.pay = c.wechat.pay

    async def stop_wechat() -> None:
        await c.charging.drain()
        if c.wechat is not None:
            await c.wechat.close()
            c.wechat = None
        if c.redis is not None:
            await c.redis.aclose()

    def api_started(base_url: str) -> None:
        """In emulator mode WeChat Pay notifies this process's own API, WeChat pushes content-check
        verdicts to it and fetches photos from it."""
        if c.wechat is not None and s.wechat.mode == "emulator":
            c.wechat.pay.notify_url = f"{base_url}/api/v1/pay/wechat/notify"
            c.wechat.pay.refund_notify_url = f"{base_url}/api/v1/pay/wechat/refund-notify"
            c.wechat.emulator.set_push_url(f"{base_url}/api/v1/wechat/push")
            if not s.api.public_url:
                c.moderation.media_base = base_url

    c.starters.append(start_wechat)
    c.stoppers.append(stop_wechat)
    c.api_started.append(api_started)

    async def tick() -> None:
        await c.charging.tick()

    async def query_payments() -> None:
        await c.payments.query_pending(timedelta(seconds=d.pay_query_after))

    async def reconcile() -> None:
        day = (c.clock.now() + timedelta(hours=8)).date() - timedelta(days=1)    # yesterday, Beijing time
        await c.payments.reconcile(day)

    c.jobs.append(("driver-sessions", {"seconds": 5}, tick))
    c.jobs.append(("payment-query", {"seconds": 30}, query_payments))
    # WeChat Pay publishes yesterday's trade bill from 09:00 Beijing time: reconcile after that
    hour, minute = parse_clock_time(s.wechat.reconcile_at)
    c.jobs.append(("payment-reconciliation", ("cron", {"hour": hour, "minute": minute, "timezone": "Asia/Shanghai"}),
                   reconcile))


def _redis(url: str):
    if not url:
        return None
    import redis.asyncio as aioredis
    return aioredis.from_url(url)
