"""What a driver is told about their charging: the <session> view (one builder, for the REST API and
the live push alike), the live push of session and order changes (SessionChanged, OrderChanged on
the bus, sent by api/push.py), and WeChat subscribe messages (charging complete, the bill)."""

from __future__ import annotations

from datetime import datetime

from csms.domain.driver_events import DriverNotice, OrderChanged, OrderOpened, SessionChanged
from csms.domain.orders import Order
from csms.services.clock import Clock
from csms.services.notices import NoticeService
from csms.services.order_views import order_view, payment_view, session_view
from csms.services.payments import PaymentService


class DriverUpdates:
    def __init__(self, order_repo, user_repo, payments: PaymentService, notices: NoticeService, bus, clock: Clock):
        self.order_repo = order_repo
        self.user_repo = user_repo
        self.payments = payments
        self.notices = notices
        self.bus = bus
        self.clock = clock

    async def session(self, order: Order, *, funds_fen: int | None = None) -> dict:
        """The <session> view of ``order``: the funds it may use (the prepayment, or the wallet
        balance: ``funds_fen`` when the caller has it fresh, else read) and, for a prepaid session,
        its payment with what wx.requestPayment needs while it is pending."""
        balance = funds_fen
        if order.pay_mode == "wallet" and balance is None:
            user = await self.user_repo.get(order.user_id)
            balance = user.balance_fen if user is not None else None
        payment = None
        if order.pay_mode == "prepay":
            p = await self.payments.for_order(order.id)
            if p is not None:
                payment = payment_view(p, self.payments.pay_params(p))
        return session_view(order, self.clock.now(), balance_fen=balance, payment=payment)

    async def session_changed(self, order: Order, *, funds_fen: int | None = None) -> None:
        self.bus.publish(SessionChanged(order.user_id, order.id, await self.session(order, funds_fen=funds_fen)))

    async def order_changed(self, order: Order) -> None:
        lines = await self.order_repo.bill_lines(order.id)
        self.bus.publish(OrderChanged(order.user_id, order.id, order_view(order, lines)))

    def order_opened(self, order: Order) -> None:
        self.bus.publish(OrderOpened(order.id))

    async def notice(self, user_id: int, kind: str, data: dict) -> None:
        """An operator's action that concerns the driver, on the live push."""
        self.bus.publish(DriverNotice(user_id, kind, {"kind": kind, **data, "at": self.clock.now().isoformat()}))

    async def complete(self, order: Order, stopped_at: datetime, energy_wh: int) -> None:
        await self.notices.complete(order, stopped_at, energy_wh)

    async def bill(self, order: Order) -> None:
        await self.notices.bill(order)
