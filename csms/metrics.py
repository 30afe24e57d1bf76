"""Prometheus metrics, defined once for the process, in the one default registry.

config/prometheus/ (alert rules) and config/grafana/ (dashboard) use these names; a test checks
that every name they query is one this module exports. Gauges read from the database (business,
pool, certificates) are refreshed when /metrics is scraped (csms/metrics_refresh.py), so every node
reports the same database-wide values: aggregate them with max(), not sum()."""

from prometheus_client import Counter, Gauge, Histogram

# -- OCPP --------------------------------------------------------------------------------------------
CONNECTED = Gauge("csms_connected_charge_points", "Charge points with a live connection", ["protocol"])
OCPP_MESSAGES = Counter("csms_ocpp_messages_total", "OCPP frames by action, direction, kind and version",
                        ["action", "direction", "kind", "version"])
OCPP_CALL_ERRORS = Counter("csms_ocpp_call_errors_total", "CALLERRORs by code and direction", ["code", "direction"])
OCPP_HANDLER_SECONDS = Histogram("csms_ocpp_handler_seconds", "Time to answer an inbound CALL", ["action"],
                                 buckets=(.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5))
HANDSHAKES = Counter("csms_ocpp_handshakes_total", "WebSocket handshakes by outcome", ["outcome"])
THROTTLED = Counter("csms_ocpp_frames_throttled_total", "Frames read late: their connection exceeded ocpp.message_rate")
CONNECTOR_ANOMALIES = Counter("csms_connector_transition_anomalies_total",
                              "Connector status changes outside the state machine")
OCPP_DEVIATIONS = Counter("csms_ocpp_deviations_total", "Spec deviations repaired in tolerant mode", ["kind"])
TRANSACTIONS = Counter("csms_transactions_total", "Transactions by event", ["event"])

# -- REST API ----------------------------------------------------------------------------------------
API_SECONDS = Histogram("csms_api_request_seconds", "REST API latency", ["method", "route", "status"],
                        buckets=(.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5))
PUSH_CONNECTIONS = Gauge("csms_push_connections", "Open driver live-push WebSockets")

# -- database, cache, queues -------------------------------------------------------------------------
DB_POOL = Gauge("csms_db_pool_connections", "Database connections by state (pool size, checked out, overflow)",
                ["state"])
REDIS_UP = Gauge("csms_redis_up", "1 when Redis answered a PING at the last scrape (absent without Redis)")
REDIS_PING_SECONDS = Gauge("csms_redis_ping_seconds", "Round trip of the last Redis PING")
BATCH_PENDING = Gauge("csms_batch_pending_rows", "Rows waiting in the batch writer")
BATCH_ROWS = Gauge("csms_batch_rows", "Rows the batch writer wrote, dropped, or failed to write since start",
                   ["outcome"])
QUEUE_LAG = Gauge("csms_queue_lag_seconds", "Age of the oldest item waiting in a queue (batch writer, bus)",
                  ["queue"])

# -- jobs --------------------------------------------------------------------------------------------
JOB_RUNS = Counter("csms_job_runs_total", "Periodic job runs by outcome", ["job_id", "outcome"])
JOB_LAST_SUCCESS = Gauge("csms_job_last_success_timestamp_seconds", "When a periodic job last succeeded (Unix time)",
                         ["job_id"])     # not "job": Prometheus's own target label

# -- the process ----------------------------------------------------------------------------------------
GC_FULL_SECONDS = Histogram("csms_gc_full_collection_seconds", "Full garbage collections, paced (csms/heap.py)",
                            buckets=(.01, .05, .1, .25, .5, 1, 2.5, 5))

# -- business (from the database, at scrape time) -----------------------------------------------------
CHARGE_POINTS = Gauge("csms_charge_points", "Registered charge points by state (online / offline)", ["state"])
CONNECTORS = Gauge("csms_connectors", "Connectors by last reported status", ["status"])
SESSIONS_ACTIVE = Gauge("csms_sessions_active", "Transactions in progress")
ENERGY_WH = Gauge("csms_energy_delivered_wh", "Energy of all finished transactions, Wh")
REVENUE_FEN = Gauge("csms_revenue_fen", "Amount paid for finished driver orders, fen")
ORDERS = Gauge("csms_orders", "Driver orders by state", ["state"])
PAYMENTS = Gauge("csms_payments", "WeChat Pay payments by state", ["state"])
PAYMENT_FAILURES = Counter("csms_payment_failures_total",
                           "Payment steps that failed (prepay, query, refund, amount mismatch, notification)",
                           ["stage"])
ALARMS_OPEN = Gauge("csms_alarms_open", "Alarms raised and not resolved, by status", ["status"])
ALARMS_RAISED = Counter("csms_alarms_raised_total", "Alarms raised, by kind", ["kind"])
ALARMS_DEBOUNCED = Counter("csms_alarms_debounced_total",
                           "Causes that cleared within their debounce and raised nothing, by kind", ["kind"])
NOTIFICATIONS = Counter("csms_notification_deliveries_total", "Alarm notification attempts by channel and status",
                        ["channel", "status"])
CERT_EXPIRY = Gauge("csms_certificate_expiry_timestamp_seconds",
                    "notAfter of the certificates the CSMS uses (Unix time)", ["certificate"])
REFRESH_SECONDS = Gauge("csms_metrics_refresh_seconds", "Time the last scrape spent reading the database")

# -- several nodes (csms/cluster/) -------------------------------------------------------------------
SCHEDULER_LEADER = Gauge("csms_scheduler_leader", "1 on the node that holds the scheduler lock (runs the jobs)")
ROUTED_COMMANDS = Counter("csms_routed_commands_total", "Commands sent to a charge point held by another node, "
                          "by outcome", ["outcome"])
BUS_REMOTE_EVENTS = Counter("csms_bus_remote_events_total", "Events carried between nodes, by direction",
                            ["direction"])
INGEST_PUBLISHED = Counter("csms_ingest_published_total", "Rows published to RabbitMQ and confirmed, by queue",
                           ["queue"])
INGEST_WRITTEN = Counter("csms_ingest_written_total", "Rows a worker committed from RabbitMQ, by queue", ["queue"])
INGEST_DEAD = Counter("csms_ingest_dead_lettered_total", "Messages sent to the dead-letter queue, by reason",
                      ["reason"])
QUEUE_DEPTH = Gauge("csms_queue_depth", "Messages ready in a RabbitMQ queue (at the last check)", ["queue"])
RECONCILE = Counter("csms_reconcile_total", "What the reconciliation sweep did, by step", ["step"])
LIVE_STATUS_READS = Counter("csms_live_status_reads_total", "Reads of the live connector status, by source: redis, "
                            "or database when Redis was away or not warmed", ["source"])
