"""Tables of the security feature (on csms.db.tables.metadata): security events, issued certificates,
and the 2.0.1 device model, monitors, events and customer information (alarms: csms/db/tables_alarms.py)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, Integer, String, Table, Text, UniqueConstraint

from csms.db.tables import BigId, UTCDateTime, metadata

security_events = Table(
    "security_events", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("charge_point_id", String(48), nullable=False),
    Column("type", String(50), nullable=False),
    Column("timestamp", UTCDateTime, nullable=False),
    Column("tech_info", String(255), nullable=True),
    Column("received_at", UTCDateTime, nullable=False),
    UniqueConstraint("charge_point_id", "type", "timestamp"),     # a retried notification is one event
)

issued_certificates = Table(
    "issued_certificates", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("charge_point_id", String(48), nullable=False, index=True),
    Column("serial", String(64), nullable=False, unique=True),
    Column("certificate_type", String(32), nullable=False),
    Column("subject", String(255), nullable=False),
    Column("not_before", UTCDateTime, nullable=False),
    Column("not_after", UTCDateTime, nullable=False),
    Column("pem", Text, nullable=False),
    Column("issued_at", UTCDateTime, nullable=False),
)

# absent instances / EVSE / connector are stored as '' / 0, so the unique key holds (NULLs never collide)
device_variables = Table(
    "device_variables", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("charge_point_id", String(48), nullable=False),
    Column("component", String(50), nullable=False),
    Column("component_instance", String(50), nullable=False, default=""),
    Column("evse_id", Integer, nullable=False, default=0),
    Column("connector_id", Integer, nullable=False, default=0),
    Column("variable", String(50), nullable=False),
    Column("variable_instance", String(50), nullable=False, default=""),
    Column("attribute_type", String(8), nullable=False, default="Actual"),
    Column("value", Text, nullable=True),
    Column("mutability", String(16), nullable=True),
    Column("persistent", Boolean, nullable=True),
    Column("constant", Boolean, nullable=True),
    Column("characteristics", Text, nullable=True),     # JSON
    Column("request_id", Integer, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("charge_point_id", "component", "component_instance", "evse_id", "connector_id",
                     "variable", "variable_instance", "attribute_type", name="uq_device_variables_key"),
)

variable_monitors = Table(
    "variable_monitors", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("charge_point_id", String(48), nullable=False),
    Column("monitor_id", Integer, nullable=False),
    Column("component", String(50), nullable=False),
    Column("component_instance", String(50), nullable=False, default=""),
    Column("evse_id", Integer, nullable=False, default=0),
    Column("connector_id", Integer, nullable=False, default=0),
    Column("variable", String(50), nullable=False),
    Column("variable_instance", String(50), nullable=False, default=""),
    Column("type", String(24), nullable=False),
    Column("value", Float, nullable=False),
    Column("severity", Integer, nullable=False),
    Column("transaction", Boolean, nullable=False, default=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("charge_point_id", "monitor_id"),
)

device_events = Table(
    "device_events", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("charge_point_id", String(48), nullable=False),
    Column("event_id", Integer, nullable=False),
    Column("timestamp", UTCDateTime, nullable=False),
    Column("trigger", String(16), nullable=False),
    Column("cause", Integer, nullable=True),
    Column("actual_value", Text, nullable=False),
    Column("tech_code", String(50), nullable=True),
    Column("tech_info", String(500), nullable=True),
    Column("cleared", Boolean, nullable=False, default=False),
    Column("transaction_id", String(36), nullable=True),
    Column("variable_monitoring_id", Integer, nullable=True),
    Column("notification_type", String(24), nullable=False),
    Column("component", String(50), nullable=False),
    Column("component_instance", String(50), nullable=True),
    Column("evse_id", Integer, nullable=True),
    Column("connector_id", Integer, nullable=True),
    Column("variable", String(50), nullable=False),
    Column("variable_instance", String(50), nullable=True),
    Column("received_at", UTCDateTime, nullable=False),
    UniqueConstraint("charge_point_id", "event_id", "timestamp"),
)

customer_information = Table(
    "customer_information", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("charge_point_id", String(48), nullable=False),
    Column("request_id", Integer, nullable=False),
    Column("seq_no", Integer, nullable=False),
    Column("data", Text, nullable=False),
    Column("tbc", Boolean, nullable=False, default=False),
    Column("generated_at", UTCDateTime, nullable=False),
    UniqueConstraint("charge_point_id", "request_id", "seq_no"),
)
