"""What the alarm, work order and notification views share with the operator feed: the JSON views
and their schemas, who is calling, and the mapping of the services' refusals to API errors."""

from __future__ import annotations

import functools

from aiohttp import web

from api import schemas as s
from api.context import CLAIMS, REPOS
from api.errors import ApiError, bad_request, not_found
from csms.domain.alarms import Alarm, WorkNote, WorkOrder, as_json
from csms.domain.notifications import Channel, Delivery, Rule
from csms.domain.repositories import Conflict
from csms.domain.states import IllegalTransition
from csms.domain.times import iso
from csms.services.alarms import UnknownAlarm
from csms.services.notification_config import InvalidSetting, NotFound
from csms.services.work_orders import NoWorkOrder, UnknownAssignee, UnknownWorkOrder

NOTE = s.obj({"author": s.STR, "text": s.STR, "at": s.TIME})
WORK_ORDER = s.obj({"id": s.INT, "alarm_id": s.INT, "status": s.STR, "station_id": s.NULL_INT,
                    "charge_point_id": s.NULL_STR, "assignee": s.NULL_STR, "created_by": s.STR,
                    "resolution": s.NULL_STR, "created_at": s.TIME, "updated_at": s.TIME, "started_at": s.NULL_TIME,
                    "resolved_at": s.NULL_TIME, "closed_at": s.NULL_TIME, "notes": s.array(NOTE)})
WORK_ORDER_SUMMARY = {"type": ["object", "null"], "properties": {"id": s.INT, "status": s.STR,
                                                                 "assignee": s.NULL_STR}}
ALARM = s.obj({"id": s.INT, "kind": s.STR, "severity": s.STR, "status": s.STR, "charge_point_id": s.NULL_STR,
               "station_id": s.NULL_INT, "evse_id": s.INT, "connector_id": s.INT, "type": s.STR, "message": s.STR,
               "count": s.INT, "raised_at": s.TIME, "last_seen_at": s.TIME, "acknowledged_at": s.NULL_TIME,
               "acknowledged_by": s.NULL_STR, "resolved_at": s.NULL_TIME, "resolved_by": s.NULL_STR,
               "resolution": s.NULL_STR, "cleared_at": s.NULL_TIME, "work_order": WORK_ORDER_SUMMARY})
ALARM_DETAIL = {**ALARM, "properties": {**ALARM["properties"], "work_order": {**WORK_ORDER,
                                                                              "type": ["object", "null"]}}}


def note(n: WorkNote) -> dict:
    return {"author": n.author, "text": n.text, "at": iso(n.at)}


def work_order(w: WorkOrder) -> dict:
    return {"id": w.id, "alarm_id": w.alarm_id, "status": w.status, "station_id": w.station_id,
            "charge_point_id": w.charge_point_id, "assignee": w.assignee, "created_by": w.created_by,
            "resolution": w.resolution, "created_at": iso(w.created_at), "updated_at": iso(w.updated_at),
            "started_at": iso(w.started_at), "resolved_at": iso(w.resolved_at), "closed_at": iso(w.closed_at),
            "notes": [note(n) for n in w.notes]}


def alarm(a: Alarm, order: WorkOrder | None = None, detail: bool = False) -> dict:
    """<alarm>: with its work order's summary (its whole record in the ``detail`` view)."""
    summary = None
    if order is not None:
        summary = work_order(order) if detail else {"id": order.id, "status": order.status, "assignee": order.assignee}
    return {**as_json(a), "work_order": summary}


CHANNEL = s.obj({"id": s.INT, "name": s.STR, "type": s.STR, "targets": s.array(s.STR), "enabled": s.BOOL,
                 "available": s.BOOL, "created_at": s.TIME, "updated_at": s.TIME})
RULE = s.obj({"id": s.INT, "name": s.STR, "channel_ids": s.array(s.INT), "min_severity": s.STR,
              "station_ids": s.array(s.INT), "kinds": s.array(s.STR), "events": s.array(s.STR),
              "quiet_start": s.NULL_STR, "quiet_end": s.NULL_STR, "quiet_min_severity": s.STR, "timezone": s.STR,
              "enabled": s.BOOL, "created_at": s.TIME, "updated_at": s.TIME})
DELIVERY = s.obj({"id": s.INT, "alarm_id": s.INT, "rule_id": s.NULL_INT, "channel_id": s.INT, "channel_type": s.STR,
                  "target": s.STR, "event": s.STR, "status": s.STR, "attempt": s.INT, "error": s.NULL_STR,
                  "duration_ms": s.NULL_INT, "at": s.TIME})


def channel(c: Channel, available: bool) -> dict:
    return {"id": c.id, "name": c.name, "type": c.type, "targets": list(c.targets), "enabled": c.enabled,
            "available": available, "created_at": iso(c.created_at), "updated_at": iso(c.updated_at)}


def rule(r: Rule) -> dict:
    return {"id": r.id, "name": r.name, "channel_ids": list(r.channel_ids), "min_severity": r.min_severity,
            "station_ids": list(r.station_ids), "kinds": list(r.kinds), "events": list(r.events),
            "quiet_start": r.quiet_start, "quiet_end": r.quiet_end, "quiet_min_severity": r.quiet_min_severity,
            "timezone": r.timezone, "enabled": r.enabled, "created_at": iso(r.created_at),
            "updated_at": iso(r.updated_at)}


def delivery(d: Delivery) -> dict:
    return {"id": d.id, "alarm_id": d.alarm_id, "rule_id": d.rule_id, "channel_id": d.channel_id,
            "channel_type": d.channel_type, "target": d.target, "event": d.event, "status": d.status,
            "attempt": d.attempt, "error": d.error, "duration_ms": d.duration_ms, "at": iso(d.at)}


async def caller(request: web.Request) -> tuple[int, str]:
    """(operator id, username) of the token's operator."""
    operator_id = int(request[CLAIMS]["sub"])
    operator = await request.app[REPOS].operators.get(operator_id)
    if operator is None:
        raise ApiError(401, "invalid_token", "the token's operator no longer exists")
    return operator_id, operator.username


def refusals(handler):
    """The services' refusals as API errors (404, 409, 400)."""
    @functools.wraps(handler)
    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except (UnknownAlarm, UnknownWorkOrder, NotFound) as exc:
            raise not_found(str(exc).removesuffix(" not found")) from None
        except (IllegalTransition, NoWorkOrder, Conflict) as exc:
            raise ApiError(409, "conflict", str(exc)) from None
        except UnknownAssignee as exc:
            raise bad_request(str(exc), "validation_error", field="assignee") from None
        except InvalidSetting as exc:
            raise bad_request(str(exc), "validation_error", field=exc.field) from None
    return wrapped
