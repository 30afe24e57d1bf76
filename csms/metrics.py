"""Prometheus metrics, defined once for the process."""

from prometheus_client import Counter, Gauge, Histogram

CONNECTED = Gauge("csms_connected_charge_points", "Charge points with a live connection", ["protocol"])
OCPP_MESSAGES = Counter("csms_ocpp_messages_total", "OCPP frames by action, direction and kind",
                        ["action", "direction", "kind"])
OCPP_CALL_ERRORS = Counter("csms_ocpp_call_errors_total", "CALLERRORs by code and direction", ["code", "direction"])
OCPP_HANDLER_SECONDS = Histogram("csms_ocpp_handler_seconds", "Time to answer an inbound CALL", ["action"],
                                 buckets=(.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5))
API_SECONDS = Histogram("csms_api_request_seconds", "REST API latency", ["method", "route", "status"],
                        buckets=(.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5))
HANDSHAKES = Counter("csms_ocpp_handshakes_total", "WebSocket handshakes by outcome", ["outcome"])
CONNECTOR_ANOMALIES = Counter("csms_connector_transition_anomalies_total",
                              "Connector status changes outside the state machine")
BATCH_PENDING = Gauge("csms_batch_pending_rows", "Rows waiting in the batch writer")
TRANSACTIONS = Counter("csms_transactions_total", "Transactions by event", ["event"])
OCPP_DEVIATIONS = Counter("csms_ocpp_deviations_total", "Spec deviations repaired in tolerant mode", ["kind"])
