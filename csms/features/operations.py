"""Feature: operations (issue 11, alarms side): alarms from every source with their debounce, work
orders, notifications through SMS / WeChat / webhooks / e-mail, operators' WeChat bindings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from csms.db.catalog import Repositories
from csms.services.alarm_sources import AlarmSources, SourceConfig
from csms.services.alarms import AlarmPolicy, AlarmService
from csms.services.chargers import Presence
from csms.services.clock import Clock
from csms.services.notification_config import CodeExchange, NotificationConfig, OperatorWechat
from csms.services.notifier import Notifier, NotifyConfig, Sender
from csms.services.work_orders import WorkOrderService
from csms.settings import Settings
from csms.settings_operations import parse_debounce, parse_severity


@dataclass(frozen=True)
class Operations:
    alarms: AlarmService
    sources: AlarmSources
    work_orders: WorkOrderService
    notifier: Notifier
    notification_config: NotificationConfig
    operator_wechat: OperatorWechat


def build(repos: Repositories, settings: Settings, *, bus, clock: Clock, presence: Presence,
          senders: dict[str, Sender], mini: CodeExchange) -> Operations:
    a, n = settings.alarms, settings.notify
    alarms = AlarmService(repos.alarms, repos.charge_points, bus, clock,
                          AlarmPolicy(parse_debounce(a.debounce), parse_severity(a.severity)))
    return Operations(
        alarms=alarms,
        sources=AlarmSources(alarms, repos.charge_points, repos.transactions, presence,
                             SourceConfig(stuck_after=timedelta(hours=a.stuck_after_hours))),
        work_orders=WorkOrderService(repos.work_orders, alarms, repos.operators, bus, clock),
        notifier=Notifier(repos.rules, repos.channels, repos.deliveries, repos.operator_contacts, senders, clock,
                          NotifyConfig(queue_size=n.queue_size, workers=n.workers, max_attempts=n.max_attempts,
                                       backoff=n.retry_backoff, timeout=n.timeout)),
        notification_config=NotificationConfig(repos.channels, repos.rules),
        operator_wechat=OperatorWechat(repos.operator_contacts, mini, clock))
