"""Typed application keys: what views get from the CSMS, each part under its own key, set once by
``install`` from the container. A view asks for what it needs (``request.app[CHARGING].start``),
never for the container."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from csms.bus.events import InProcessBus
from csms.container import Container
from csms.db.batch import BatchWriter
from csms.db.catalog import Repositories
from csms.features.accounts import Accounts
from csms.features.backoffice import Backoffice
from csms.features.charging import Charging
from csms.features.driver_profile import DriverProfile
from csms.features.invoices import Invoices
from csms.features.operations import Operations
from csms.features.payments import Payments
from csms.features.reservations import Reservations
from csms.features.security import Security
from csms.features.smart_charging import SmartCharging
from csms.features.tariffs import Tariffs
from csms.metrics_refresh import MetricSources
from csms.ocpp.tolerance import ToleranceService
from csms.services.chargers import ChargerService
from csms.services.clock import Clock
from csms.services.commands import CommandService
from csms.services.id_tags import IdTagService
from csms.services.message_log import MessageLog
from csms.services.operators import OperatorService
from csms.services.requests import ReportRequestService
from csms.services.transactions import TransactionService
from csms.settings import Settings
from csms.wechat.factory import WechatBundle

SETTINGS = web.AppKey("settings", Settings)
CLOCK = web.AppKey("clock", Clock)
JWT_SECRET = web.AppKey("jwt_secret", str)
ENGINE = web.AppKey("engine", AsyncEngine)
BATCH = web.AppKey("batch", BatchWriter)
BUS = web.AppKey("bus", InProcessBus)
REPOS = web.AppKey("repos", Repositories)
CHARGERS = web.AppKey("chargers", ChargerService)
TOLERANCE = web.AppKey("tolerance", ToleranceService)
ID_TAGS = web.AppKey("id_tags", IdTagService)
TRANSACTIONS = web.AppKey("transactions", TransactionService)
COMMANDS = web.AppKey("commands", CommandService)
MESSAGE_LOG = web.AppKey("message_log", MessageLog)
OPERATORS = web.AppKey("operators", OperatorService)
REPORT_REQUESTS = web.AppKey("report_requests", ReportRequestService)
SECURITY = web.AppKey("security", Security)
TARIFFS = web.AppKey("tariffs", Tariffs)
RESERVATIONS = web.AppKey("reservations", Reservations)
SMART_CHARGING = web.AppKey("smart_charging", SmartCharging)
ACCOUNTS = web.AppKey("accounts", Accounts)
PAYMENTS = web.AppKey("payments", Payments)
CHARGING = web.AppKey("charging", Charging)
PROFILE = web.AppKey("profile", DriverProfile)
WECHAT = web.AppKey("wechat", WechatBundle)
METRICS_SOURCES = web.AppKey("metrics_sources", MetricSources)
INVOICES = web.AppKey("invoices", Invoices)
OPERATIONS = web.AppKey("operations", Operations)
BACKOFFICE = web.AppKey("backoffice", Backoffice)

BODY = web.RequestKey("body", dict)
QUERY = web.RequestKey("query", dict)
CLAIMS = web.RequestKey("claims", dict)


def install(app: web.Application, c: Container) -> None:
    for key, value in ((SETTINGS, c.settings), (CLOCK, c.clock), (JWT_SECRET, c.jwt_secret), (ENGINE, c.engine),
                       (BATCH, c.batch), (BUS, c.bus), (REPOS, c.repos), (CHARGERS, c.chargers),
                       (TOLERANCE, c.tolerance), (ID_TAGS, c.id_tags), (TRANSACTIONS, c.transactions),
                       (COMMANDS, c.commands), (MESSAGE_LOG, c.message_log), (OPERATORS, c.operators),
                       (REPORT_REQUESTS, c.report_requests), (SECURITY, c.security), (TARIFFS, c.tariffs),
                       (RESERVATIONS, c.reservations), (SMART_CHARGING, c.smart_charging), (ACCOUNTS, c.accounts),
                       (PAYMENTS, c.payments), (CHARGING, c.charging), (PROFILE, c.profile), (WECHAT, c.wechat),
                       (METRICS_SOURCES, c.metric_sources), (INVOICES, c.invoices), (OPERATIONS, c.operations),
                       (BACKOFFICE, c.backoffice)):
        app[key] = value


def body(request: web.Request) -> dict:
    return request[BODY]


def params(request: web.Request) -> dict:
    return request[QUERY]


def paged(items: list, total: int, limit: int, offset: int, status: int = 200) -> web.Response:
    """A page of a list: the JSON body is the array; the total and paging go in headers."""
    resp = web.json_response(items, status=status)
    resp.headers["X-Total-Count"] = str(total)
    resp.headers["X-Limit"] = str(limit)
    resp.headers["X-Offset"] = str(offset)
    return resp


def paging(request: web.Request) -> tuple[int, int]:
    q = request[QUERY]
    return q.get("limit", 50), q.get("offset", 0)


def int_param(request: web.Request, name: str) -> int:
    raw = request.match_info[name]
    try:
        value = int(raw)
    except ValueError:
        raise web.HTTPNotFound() from None
    if not 0 <= value < 2**63:       # beyond the database's BIGINT: no such record
        raise web.HTTPNotFound()
    return value
