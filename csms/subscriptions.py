"""Every subscription to the event bus, in one table: which service reacts to which domain event.

Events (csms/domain/events.py, csms/domain/driver_events.py) are published by the services that
record what happened; the reactions below run after it, each in its own task (``bus.publish``), except
payment outcomes, which their publisher awaits (``bus.deliver``: a WeChat Pay notification is
acknowledged only once what follows from it is recorded). The API subscribes its live push itself
(api/push.py, api/push_operator.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from csms.domain import events
from csms.domain.driver_events import (OrderChanged, OrderOpened, PaymentClosed, PaymentFailed, PaymentSucceeded,
                                      ReconciliationMismatch, RefundSucceeded)

if TYPE_CHECKING:
    from csms.container import Container


def subscriptions(c: Container) -> list[tuple[type, Any]]:
    alarms = c.operations.sources
    return [
        # tolerant mode: a boot names vendor and model, which may be listed as tolerant
        (events.ChargePointBooted, lambda e: c.tolerance.booted(e.charge_point_id, e.vendor, e.model)),
        # a faulted or unavailable connector drops the reservations the charge point held on it
        (events.ConnectorStatusChanged, c.reservations.reservations.on_connector_status),
        # a transaction started with a reserved id tag uses the reservation (when it named none)
        (events.TransactionStarted, c.reservations.reservations.on_transaction_started),
        # a stopped transaction's charging profiles are gone from the charge point
        (events.TransactionStopped, c.smart_charging.smart_charging.on_transaction_stopped),
        # ... and its ISO 15118 negotiation is over (K15-K17)
        (events.TransactionStopped, c.smart_charging.charging_needs.on_transaction_stopped),
        # scan to charge: the transaction's events move the driver's order on (funds watch, settlement)
        (events.TransactionStarted, c.charging.progress.on_transaction_started),
        (events.TransactionUpdated, c.charging.progress.on_transaction_updated),
        (events.TransactionStopped, c.charging.progress.on_transaction_stopped),
        # the idle fee runs until the connector is Available again
        (events.ConnectorStatusChanged, c.charging.idle_fees.on_connector_status),
        # payment outcomes (delivered awaited)
        (PaymentSucceeded, c.charging.start.on_paid),
        (PaymentClosed, c.charging.start.on_payment_closed),
        (RefundSucceeded, c.payments.settlement.on_refunded),
        # alarms: what can go wrong, as it happens (debounced in the alarm service: csms/services/alarms.py)
        (events.ConnectorStatusChanged, alarms.on_connector_status),
        (events.ChargePointBooted, alarms.on_booted),
        (events.ChargePointConnected, alarms.on_connected),
        (events.ChargePointDisconnected, alarms.on_disconnected),
        (events.ChargePointNotice, alarms.on_notice),
        (events.TransactionUpdated, alarms.on_transaction_updated),
        (events.TransactionStopped, alarms.on_transaction_stopped),
        (PaymentFailed, alarms.on_payment_failed),
        (ReconciliationMismatch, alarms.on_reconciliation_mismatch),
        # an alarm's change goes out to the rules' channels (queued: sent in the background) and is
        # noted on its work order when its cause cleared by itself
        (events.AlarmChanged, c.operations.notifier.on_alarm_changed),
        (events.AlarmChanged, c.operations.work_orders.on_alarm_changed),
        # the back office: statuses and presence kept for the statistics; a settled or changed order checked
        (events.ConnectorStatusChanged, c.backoffice.history.on_status),
        (events.ChargePointConnected, c.backoffice.history.on_connected),
        (events.ChargePointDisconnected, c.backoffice.history.on_disconnected),
        (OrderChanged, c.backoffice.reviews.on_order_changed),
    ]


def subscriptions_everywhere(c: Container) -> list[tuple[type, Any]]:
    """Reactions to the events of every node (csms/bus/cluster.py; in one process, the same as above)."""
    return [
        # an alarm changed anywhere: the alarm service reads its key again at the next clear
        (events.AlarmChanged, c.operations.alarms.on_alarm_changed),
        # an order opened on an API node: the OCPP node holding the charger looks for it again
        (OrderOpened, c.charging.progress.on_order_opened),
    ]
