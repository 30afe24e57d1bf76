"""Tables of driver services (on csms.db.tables.metadata): drivers (WeChat users) and their refresh
tokens, orders with their bill lines, wallets with the ledger of every movement, WeChat Pay payments
and refunds, and subscribe-message quotas."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from csms.db.tables import UTCDateTime, metadata

users = Table(
    "users", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("openid", String(64), nullable=False, unique=True),
    Column("unionid", String(64), nullable=True),
    Column("nickname", String(64), nullable=False, default=""),
    Column("avatar_url", String(512), nullable=False, default=""),
    Column("phone_enc", String(255), nullable=True),      # AES-256-GCM, base64 (csms/services/pii.py)
    Column("phone_hash", String(64), nullable=True, index=True),   # HMAC for lookup without decrypting
    Column("phone_masked", String(16), nullable=True),
    Column("balance_fen", BigInteger, nullable=False, default=0),
    Column("active", Integer, nullable=False, default=1),
    Column("blocked_at", UTCDateTime, nullable=True),      # blocked by an operator: no sessions, no reservations
    Column("blocked_reason", String(255), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

refresh_tokens = Table(
    "refresh_tokens", metadata,
    Column("id", String(64), primary_key=True),             # SHA-256 of the token
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("family", String(32), nullable=False, index=True),  # a rotated chain; reuse revokes the family
    Column("expires_at", UTCDateTime, nullable=False),
    Column("rotated_at", UTCDateTime, nullable=True),
    Column("revoked_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
)

orders = Table(
    "orders", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="RESTRICT"), nullable=False),
    Column("state", String(16), nullable=False),
    Column("step", String(24), nullable=False),
    Column("reason", String(32), nullable=True),
    Column("charge_point_id", String(48), nullable=False),
    Column("connector_id", Integer, nullable=False),
    Column("station_id", Integer, nullable=True),
    Column("protocol", String(16), nullable=True),
    Column("id_tag", String(36), nullable=False, unique=True),   # per-session id tag issued by the CSMS
    Column("remote_start_id", Integer, nullable=True, index=True),
    Column("transaction_id", Integer, nullable=True, unique=True),
    Column("vehicle_id", Integer, nullable=True),
    Column("pay_mode", String(8), nullable=False),           # wallet | prepay
    Column("prepay_fen", BigInteger, nullable=False, default=0),
    Column("stop_energy_wh", BigInteger, nullable=True),
    Column("stop_amount_fen", BigInteger, nullable=True),
    Column("stop_minutes", Integer, nullable=True),
    Column("energy_wh", BigInteger, nullable=False, default=0),
    Column("power_w", Integer, nullable=True),
    Column("soc", Integer, nullable=True),
    Column("cost_fen", BigInteger, nullable=False, default=0),       # running cost while charging
    Column("energy_fen", BigInteger, nullable=False, default=0),
    Column("service_fen", BigInteger, nullable=False, default=0),
    Column("idle_fee_fen", BigInteger, nullable=False, default=0),
    Column("adjustment_fen", BigInteger, nullable=False, default=0, server_default="0"),   # by a review, signed
    Column("total_fen", BigInteger, nullable=False, default=0),
    Column("paid_fen", BigInteger, nullable=False, default=0),
    Column("refunded_fen", BigInteger, nullable=False, default=0),
    Column("stop_reason", String(32), nullable=True),
    Column("stop_requested_at", UTCDateTime, nullable=True),
    Column("idle_since", UTCDateTime, nullable=True),   # stopped, car maybe still plugged in: idle fee pending
    Column("created_at", UTCDateTime, nullable=False),
    Column("started_at", UTCDateTime, nullable=True),
    Column("stopped_at", UTCDateTime, nullable=True),
    Column("settled_at", UTCDateTime, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
    Index(None, "user_id", "created_at"),
    Index(None, "state"),
    Index(None, "charge_point_id", "connector_id", "state"),
    Index(None, "started_at"),        # statistics: who started a session in a day
    Index(None, "stopped_at"),        # statistics: what was billed in a day
    Index(None, "updated_at"),        # abnormal-order sweep: what changed since
)

bill_lines = Table(
    "order_bill_lines", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("order_id", Integer, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("period", String(8), nullable=False),
    Column("start", UTCDateTime, nullable=False),
    Column("end", UTCDateTime, nullable=False),
    Column("energy_wh", BigInteger, nullable=False),
    Column("energy_price", Integer, nullable=False),    # fen per kWh
    Column("service_price", Integer, nullable=False),   # fen per kWh
    Column("energy_fen", BigInteger, nullable=False),
    Column("service_fen", BigInteger, nullable=False),
)

ledger = Table(
    "wallet_ledger", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="RESTRICT"), nullable=False),
    Column("kind", String(16), nullable=False),          # topup | charge | refund | adjustment
    Column("amount_fen", BigInteger, nullable=False),    # signed
    Column("balance_after_fen", BigInteger, nullable=False),
    Column("order_id", Integer, nullable=True),
    Column("payment_id", Integer, nullable=True),
    Column("ref", String(64), nullable=False, unique=True),  # idempotency key of the movement
    Column("note", String(255), nullable=False, default=""),
    Column("created_at", UTCDateTime, nullable=False),
    Index(None, "user_id", "id"),
)

payments = Table(
    "payments", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="RESTRICT"), nullable=False, index=True),
    Column("kind", String(8), nullable=False),           # topup | prepay
    Column("state", String(12), nullable=False),         # pending | paid | closed | refunding | refunded
    Column("order_id", Integer, nullable=True, index=True),
    Column("out_trade_no", String(32), nullable=False, unique=True),
    Column("prepay_id", String(64), nullable=True),
    Column("wx_transaction_id", String(32), nullable=True, unique=True),
    Column("amount_fen", BigInteger, nullable=False),
    Column("refunded_fen", BigInteger, nullable=False, default=0),
    Column("openid", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("paid_at", UTCDateTime, nullable=True),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("last_query_at", UTCDateTime, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
    Index(None, "state", "created_at"),
)

refunds = Table(
    "refunds", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("payment_id", Integer, ForeignKey("payments.id", ondelete="RESTRICT"), nullable=False, index=True),
    Column("order_id", Integer, nullable=True),
    Column("out_refund_no", String(64), nullable=False, unique=True),
    Column("wx_refund_id", String(32), nullable=True),
    Column("amount_fen", BigInteger, nullable=False),
    Column("state", String(12), nullable=False),         # processing | success | closed | abnormal
    Column("reason", String(80), nullable=False, default=""),
    Column("created_at", UTCDateTime, nullable=False),
    Column("succeeded_at", UTCDateTime, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
)

subscriptions = Table(
    "subscribe_quotas", metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("template_id", String(64), primary_key=True),
    Column("quota", Integer, nullable=False, default=0),
    Column("updated_at", UTCDateTime, nullable=False),
)

notifications = Table(
    "notification_log", metadata,     # every WeChat notification received (payments, refunds): replay guard
    Column("id", String(64), primary_key=True),          # the notification id WeChat sends
    Column("kind", String(32), nullable=False),
    Column("body", Text, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
)

driver_reservations = Table(
    "driver_reservations", metadata,      # which driver holds a reservation (csms/db/tables_reservations.py)
    Column("reservation_id", Integer, ForeignKey("reservations.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("fee_fen", BigInteger, nullable=False, default=0),
    Column("created_at", UTCDateTime, nullable=False),
)
