"""Notices to drivers through WeChat subscribe messages: charging complete (the transaction stopped)
and the bill of a session. A message is sent only while the driver has quota for its template (each
"accept" in wx.requestSubscribeMessage allows one); a refusal or an outage never affects the order."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from csms.domain.orders import Order

log = logging.getLogger(__name__)
CHINA = ZoneInfo("Asia/Shanghai")
# why charging ended, as the driver reads it (a "thing" field: 20 characters at most)
STOP_REASONS = {"driver": "您已结束充电", "funds": "余额或预付金额不足", "stop_at_energy": "已达到设定电量",
                "stop_at_amount": "已达到设定金额", "stop_at_time": "已达到设定时长", "charger": "充电桩结束充电"}


FEEDBACK_STATES = {"open": "待处理", "processing": "处理中", "resolved": "已解决", "closed": "已关闭"}


def order_page(order_id: int) -> str:
    """The mini-program page a notice opens (miniprogram/pages/order: the order and its bill)."""
    return f"pages/order/index?id={order_id}"


def yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


class NoticeService:
    def __init__(self, users, subscriptions, stations, mini, *, bill_template_id: str, complete_template_id: str,
                 review_template_id: str = "", feedback_template_id: str = ""):
        self.users = users
        self.subscriptions = subscriptions
        self.stations = stations
        self.mini = mini
        self.bill_template_id = bill_template_id
        self.complete_template_id = complete_template_id
        self.review_template_id = review_template_id
        self.feedback_template_id = feedback_template_id
        self.sent = 0

    async def bill(self, order: Order) -> bool:
        """The bill of a settled order (amount, station, energy, stop time)."""
        station = await self._station_name(order)
        stopped = (order.stopped_at or order.updated_at).astimezone(CHINA)
        data = {"character_string1": str(order.id), "amount2": f"¥{yuan(order.total_fen)}", "thing3": station,
                "number4": f"{order.energy_wh / 1000:.2f}", "time5": stopped.strftime("%Y-%m-%d %H:%M")}
        return await self._send(order.user_id, self.bill_template_id, data, order_page(order.id), f"bill {order.id}")

    async def complete(self, order: Order, stopped_at: datetime, energy_wh: int) -> bool:
        """Charging complete: the transaction of this order stopped (sent before the bill is made)."""
        reason = STOP_REASONS.get(order.stop_reason or "", STOP_REASONS["charger"])
        data = {"character_string1": str(order.id), "thing2": await self._station_name(order),
                "number3": f"{energy_wh / 1000:.2f}", "time4": stopped_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M"),
                "thing5": reason}
        return await self._send(order.user_id, self.complete_template_id, data, order_page(order.id),
                                f"complete {order.id}")

    async def review(self, order: Order, outcome: str, note: str) -> bool:
        """The outcome of an abnormal order's review (approved, adjusted, refunded, closed)."""
        data = {"character_string1": str(order.id), "phrase2": outcome[:5],
                "amount3": f"¥{yuan(order.total_fen)}", "thing4": (note or outcome)[:20],
                "time5": datetime.now(CHINA).strftime("%Y-%m-%d %H:%M")}
        return await self._send(order.user_id, self.review_template_id, data, order_page(order.id),
                                f"review {order.id}")

    async def feedback_reply(self, user_id: int, feedback_id: int, reply: str, status: str) -> bool:
        """An operator answered the driver's feedback."""
        data = {"character_string1": str(feedback_id), "thing2": reply[:20], "phrase3": FEEDBACK_STATES.get(status, status),
                "time4": datetime.now(CHINA).strftime("%Y-%m-%d %H:%M")}
        return await self._send(user_id, self.feedback_template_id, data, f"pages/feedback/index?id={feedback_id}",
                                f"feedback {feedback_id}")

    async def _station_name(self, order: Order) -> str:
        station = await self.stations.get(order.station_id) if order.station_id else None
        return (station.name if station else order.charge_point_id)[:20]

    async def _send(self, user_id: int, template_id: str, data: dict, page: str, what: str) -> bool:
        if not template_id or not await self.subscriptions.take(user_id, template_id):
            return False
        user = await self.users.get(user_id)
        try:
            await self.mini.send_subscribe(user.openid, template_id, data, page)
        except Exception as exc:     # refused, no quota at WeChat, or unreachable: the order is unaffected
            log.warning("%s notice not sent: %s", what, exc)
            return False
        self.sent += 1
        return True
