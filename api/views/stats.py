"""Statistics for the dashboard, from the daily roll-ups: series by day or month (all stations, one
station, one charge point), stations ranked by a figure, fault rates, driver growth; each also as CSV
(``format=csv`` or ``Accept: text/csv``: the same query, one row per item). Recomputing past days."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from aiohttp import web

from api import schemas as s
from api.common.audit import note
from api.context import BACKOFFICE, CLOCK, SETTINGS, body, params
from api.errors import bad_request
from api.routing import Query, RouteTable
from csms.domain.stats import FIGURES, METRICS, NetworkDay, Point
from csms.services.stats_arithmetic import local_day

routes = RouteTable()

MAX_DAYS = 731
_RANGE = (Query("from", description="first day, YYYY-MM-DD (default: 29 days before `to`, by month 11 months)"),
          Query("to", description="last day, YYYY-MM-DD (default: today in stats.timezone)"),
          Query("format", enum=("json", "csv"), description="csv: text/csv, one row per item"))
_BY = Query("by", enum=("day", "month"), description="one item per day (default) or per month")
_RATE = {"type": ["number", "null"]}
POINT = s.obj({"period": s.STR, "station_id": s.NULL_INT, "charge_point_id": s.NULL_STR,
               **{f: s.INT for f in FIGURES}, "utilisation": _RATE, "fault_rate": _RATE,
               "charge_points": s.INT, "active_users": s.INT})
USERS = s.obj({"period": s.STR, "new_users": s.INT, "active_users": s.INT, "total_users": s.INT})
_DAY = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
RECOMPUTE = s.obj({"from": _DAY, "to": _DAY}, ("from",))


def _day(raw: str | None, name: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise bad_request(f"{name}: not YYYY-MM-DD: {raw!r}", "validation_error", field=name) from None


def _range(request: web.Request, by: str = "day") -> tuple[date, date]:
    q = params(request)
    today = local_day(request.app[CLOCK].now(), ZoneInfo(request.app[SETTINGS].stats.timezone))
    end = _day(q.get("to"), "to") or today
    months_back = end.year * 12 + end.month - 1 - 11
    default = date(months_back // 12, months_back % 12 + 1, 1) if by == "month" else end - timedelta(days=29)
    start = _day(q.get("from"), "from") or default
    if start > end:
        raise bad_request("from is after to", "validation_error", field="from")
    if by == "day" and (end - start).days >= MAX_DAYS:
        raise bad_request(f"at most {MAX_DAYS} days (ask by=month for longer)", "validation_error", field="from")
    return start, end


def point_view(p: Point) -> dict:
    f = p.figures
    return {"period": p.period, "station_id": p.station_id, "charge_point_id": p.charge_point_id,
            **{name: getattr(f, name) for name in FIGURES}, "utilisation": f.utilisation, "fault_rate": f.fault_rate,
            "charge_points": p.charge_points, "active_users": p.active_users}


def users_view(n: NetworkDay, by: str) -> dict:
    return {"period": n.day.isoformat() if by == "day" else n.day.strftime("%Y-%m"), "new_users": n.new_users,
            "active_users": n.active_users, "total_users": n.total_users}


def answer(request: web.Request, rows: list[dict], columns: list[str], name: str) -> web.StreamResponse:
    """JSON, or CSV when asked for (``format=csv`` or ``Accept: text/csv``)."""
    wanted = params(request).get("format") or ("csv" if "text/csv" in request.headers.get("Accept", "") else "json")
    if wanted != "csv":
        return web.json_response(rows)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return web.Response(text=out.getvalue(), content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


COLUMNS = list(POINT["properties"])


@routes.add("GET", "/api/v1/admin/stats/series", "Figures per day or month (CSV: format=csv)", "stats",
            response=s.array(POINT), query=_RANGE + (_BY, Query("station_id", "integer", minimum=0),
                                                     Query("charge_point_id")), errors=(400,))
async def series(request: web.Request) -> web.StreamResponse:
    q = params(request)
    by = q.get("by", "day")
    start, end = _range(request, by)
    points = await request.app[BACKOFFICE].stats.series(start, end, by=by, station_id=q.get("station_id"),
                                                        charge_point_id=q.get("charge_point_id"))
    return answer(request, [point_view(p) for p in points], COLUMNS, f"series-{by}-{start}-{end}")


@routes.add("GET", "/api/v1/admin/stats/top-stations", "Stations ranked by a figure over a range (CSV: format=csv)",
            "stats", response=s.array(POINT),
            query=_RANGE + (Query("metric", enum=METRICS, description="default revenue_fen"),
                            Query("limit", "integer", "how many", 1, 500)), errors=(400,))
async def top_stations(request: web.Request) -> web.StreamResponse:
    q = params(request)
    start, end = _range(request)
    metric = q.get("metric", "revenue_fen")
    points = await request.app[BACKOFFICE].stats.ranking(start, end, metric, q.get("limit", 10))
    return answer(request, [point_view(p) for p in points], COLUMNS, f"top-{metric}-{start}-{end}")


@routes.add("GET", "/api/v1/admin/stats/fault-rate", "Stations by fault rate (faulted share of connector time; "
            "CSV: format=csv)", "stats", response=s.array(POINT),
            query=_RANGE + (Query("limit", "integer", "how many", 1, 500),), errors=(400,))
async def fault_rate(request: web.Request) -> web.StreamResponse:
    start, end = _range(request)
    points = await request.app[BACKOFFICE].stats.ranking(start, end, "fault_rate", params(request).get("limit", 50))
    return answer(request, [point_view(p) for p in points], COLUMNS, f"fault-rate-{start}-{end}")


@routes.add("GET", "/api/v1/admin/stats/users", "Driver growth per day or month (CSV: format=csv)", "stats",
            response=s.array(USERS), query=_RANGE + (_BY,), errors=(400,))
async def users(request: web.Request) -> web.StreamResponse:
    by = params(request).get("by", "day")
    start, end = _range(request, by)
    rows = await request.app[BACKOFFICE].stats.users(start, end, by)
    return answer(request, [users_view(n, by) for n in rows], list(USERS["properties"]), f"users-{by}-{start}-{end}")


@routes.add("POST", "/api/v1/admin/stats/recompute", "Roll up past days again (replacing what was stored)", "stats",
            body=RECOMPUTE, response=s.obj({"days": s.INT, "charge_point_rows": s.INT}), errors=(400,))
async def recompute(request: web.Request) -> web.Response:
    d = body(request)
    start = _day(d["from"], "from")
    end = _day(d.get("to"), "to") or start
    if start > end or (end - start).days >= 92:
        raise bad_request("from..to: at most 92 days, from not after to", "validation_error", field="from")
    rows = 0
    day = start
    while day <= end:
        rows += await request.app[BACKOFFICE].stats.roll_up(day)
        day += timedelta(days=1)
    note(request, target_type="stats", target_id=f"{start}..{end}")
    days = (end - start).days + 1
    return web.json_response({"days": days, "charge_point_rows": rows})
