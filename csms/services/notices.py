"""Notices to drivers through WeChat subscribe messages: the bill of a session. A message is sent
only while the driver has quota for its template (each "accept" in wx.requestSubscribeMessage
allows one); a refusal or an outage never affects the order."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from csms.domain.orders import Order

log = logging.getLogger(__name__)
CHINA = ZoneInfo("Asia/Shanghai")


def yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


class NoticeService:
    def __init__(self, users, subscriptions, stations, mini, *, bill_template_id: str, complete_template_id: str):
        self.users = users
        self.subscriptions = subscriptions
        self.stations = stations
        self.mini = mini
        self.bill_template_id = bill_template_id
        self.complete_template_id = complete_template_id
        self.sent = 0

    async def bill(self, order: Order) -> bool:
        if not self.bill_template_id or not await self.subscriptions.take(order.user_id, self.bill_template_id):
            return False
        user = await self.users.get(order.user_id)
        station = await self.stations.get(order.station_id) if order.station_id else None
        stopped = (order.stopped_at or order.updated_at).astimezone(CHINA)
        data = {"character_string1": str(order.id), "amount2": f"¥{yuan(order.total_fen)}",
                "thing3": (station.name if station else order.charge_point_id)[:20],
                "number4": f"{order.energy_wh / 1000:.2f}", "time5": stopped.strftime("%Y-%m-%d %H:%M")}
        try:
            await self.mini.send_subscribe(user.openid, self.bill_template_id, data, f"pages/order-detail/index?id={order.id}")
        except Exception as exc:     # refused, no quota at WeChat, or unreachable: the order is unaffected
            log.warning("bill notice of order %s not sent: %s", order.id, exc)
            return False
        self.sent += 1
        return True
