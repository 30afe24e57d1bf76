"""Settings of a CSMS that runs as several processes (docs/scaling.md): the node's identity and the
Redis timings that make the nodes act as one (presence, scheduler lock, command routing), and
RabbitMQ for peak shaving. Sections of csms.settings.Settings, declared here to keep that module small."""

from __future__ import annotations

from dataclasses import dataclass

from csms.settings_values import setting


@dataclass(frozen=True)
class ClusterSettings:
    node_id: str = setting("", "this process's name among the nodes (presence, command routing, the scheduler "
                               "lock); empty: HOSTNAME-PID. Only used with redis.url")
    presence_ttl: float = setting(30.0, "seconds a charge point's entry (which node holds its socket) lives in "
                                        "Redis unless its node refreshes it (every third of this)")
    scheduler_lock_ttl: float = setting(15.0, "seconds the scheduler lock lives unless its holder renews it (every "
                                              "third of this): a second scheduler takes over this long after the "
                                              "first dies")
    reconcile_interval: float = setting(60.0, "seconds between reconciliation sweeps (silent charge points offline, "
                                              "stale connectors and open 2.0.1 transactions asked, old ones reviewed; with redis.url)")
    stale_status_minutes: int = setting(60, "a connector whose last status is older than this, on a connected "
                                            "charge point, is asked for a StatusNotification (TriggerMessage)")
    silent_transaction_minutes: int = setting(15, "an open 2.0.1 transaction without an event this long: its "
                                                  "station is asked GetTransactionStatus")


@dataclass(frozen=True)
class AmqpSettings:
    url: str = setting("", "amqp://USER:PASSWORD@HOST:5672/VHOST: OCPP nodes publish meter values, statuses, the "
                           "message log and security events to durable queues (confirmed before the answer) and "
                           "workers write them in batches; empty: written by the in-process batch writer",
                       secret=True, env="CSMS_AMQP_URL")
    prefix: str = setting("csms", "name prefix of the exchange and queues (several CSMS on one broker)")
    prefetch: int = setting(2000, "messages a worker holds unacknowledged (the largest batch it writes at once)")
    batch_interval: float = setting(0.2, "seconds a worker waits to fill a batch before it writes what it has")
    max_deliveries: int = setting(5, "a message the database refused this many times goes to the dead-letter queue")
