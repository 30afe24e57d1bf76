"""Requests the CSMS makes that are answered later in parts (2.0.1 reports, monitoring reports,
customer information, display messages; log uploads of both versions), version-neutral.

A request is recorded before it is sent, under its OCPP ``requestId``. The charge point's answer
sets its first status; the notifications that carry the same ``requestId`` are its parts, numbered
by ``seqNo`` (or in arrival order where the message has none) and ended by one with ``tbc`` false.
It is complete when that last part and every part before it arrived. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from csms.domain.states import StateMachine

# kinds, named after the request sent
GET_BASE_REPORT = "GetBaseReport"
GET_REPORT = "GetReport"
GET_MONITORING_REPORT = "GetMonitoringReport"
CUSTOMER_INFORMATION = "CustomerInformation"
GET_LOG = "GetLog"
GET_DISPLAY_MESSAGES = "GetDisplayMessages"
KINDS = (GET_BASE_REPORT, GET_REPORT, GET_MONITORING_REPORT, CUSTOMER_INFORMATION, GET_LOG, GET_DISPLAY_MESSAGES)

# what answers them: a family of notifications -> the kinds of request it may belong to
ANSWERED_BY = {
    "report": (GET_BASE_REPORT, GET_REPORT),                  # 2.0.1 NotifyReport
    "monitoring_report": (GET_MONITORING_REPORT,),            # NotifyMonitoringReport
    "customer_information": (CUSTOMER_INFORMATION,),          # NotifyCustomerInformation
    "display_messages": (GET_DISPLAY_MESSAGES,),              # NotifyDisplayMessages (no seqNo)
    "log": (GET_LOG,),                                        # LogStatusNotification
}

REQUESTED = "requested"      # recorded, being sent
ACCEPTED = "accepted"        # the charge point will send the parts
REJECTED = "rejected"        # it will not (Rejected, NotSupported, Invalid)
RECEIVING = "receiving"      # some parts arrived, not all
COMPLETE = "complete"        # the last part and every one before it arrived (or nothing was to come)
TIMED_OUT = "timed_out"      # nothing arrived for too long while waiting
FAILED = "failed"            # CALLERROR or no answer to the request; a log upload that failed
STATUSES = (REQUESTED, ACCEPTED, REJECTED, RECEIVING, COMPLETE, TIMED_OUT, FAILED)
WAITING = frozenset({REQUESTED, ACCEPTED, RECEIVING})    # what the timeout job looks at

REQUEST = StateMachine("report_request", {
    # a part may be handled before the answer to the request is (they race): hence receiving/complete
    REQUESTED: {ACCEPTED, REJECTED, FAILED, RECEIVING, COMPLETE, TIMED_OUT},
    ACCEPTED: {RECEIVING, COMPLETE, TIMED_OUT, FAILED},
    RECEIVING: {COMPLETE, TIMED_OUT, FAILED},
    # a lost answer, or a wait given up, and then the parts come after all: they still tell the story
    FAILED: {RECEIVING, COMPLETE},
    TIMED_OUT: {RECEIVING, COMPLETE, FAILED},
    REJECTED: set(),
    COMPLETE: set(),
})

# the charge point's answer -> the request's status
_ANSWERS = {
    "Accepted": ACCEPTED,
    "AcceptedCanceled": ACCEPTED,      # GetLog: it cancelled an upload in progress for this one
    "EmptyResultSet": COMPLETE,        # GetReport / GetMonitoringReport: nothing matches, no parts follow
    "Unknown": COMPLETE,               # GetDisplayMessages: no message matches, no parts follow
}

# log upload statuses (LogStatusNotification; 1.6 DiagnosticsStatusNotification mapped onto them)
LOG_RECEIVING = frozenset({"Uploading"})
LOG_COMPLETE = frozenset({"Uploaded"})
LOG_FAILED = frozenset({"UploadFailure", "BadMessage", "NotSupportedOperation", "PermissionDenied"})

# how long a request may wait for its next answer or part before it is timed out (seconds)
DEFAULT_TIMEOUTS = {GET_BASE_REPORT: 300, GET_REPORT: 300, GET_MONITORING_REPORT: 300, CUSTOMER_INFORMATION: 300,
                    GET_DISPLAY_MESSAGES: 300, GET_LOG: 3600}


@dataclass(frozen=True)
class PartIn:
    """One notification answering a request, as a charge point sent it: its ``requestId``, its place
    (``seq_no`` None where the message has none: numbered in arrival order), whether more follow, and
    what it carries (kept as sent, for operators to read)."""
    request_id: int
    seq_no: int | None
    tbc: bool
    data: Any


@dataclass(frozen=True)
class Part:
    seq_no: int
    tbc: bool
    data: Any
    received_at: datetime


@dataclass(frozen=True)
class ReportRequest:
    id: int
    charge_point_id: str
    kind: str
    request_id: int
    status: str
    params: dict = field(default_factory=dict)
    answer: str | None = None          # the charge point's own word in its answer
    parts_received: int = 0
    last_seq_no: int | None = None     # the highest seqNo received
    final_seq_no: int | None = None    # the seqNo of the part with tbc false, once it came
    created_at: datetime | None = None
    updated_at: datetime | None = None
    completed_at: datetime | None = None


def answered(ocpp_status: str | None) -> str:
    """The status a request takes from the charge point's answer (None: CALLERROR or none)."""
    if ocpp_status is None:
        return FAILED
    return _ANSWERS.get(ocpp_status, REJECTED)


def log_status(ocpp_status: str) -> str | None:
    """The status a log request takes from an upload status; None for one that says nothing (Idle)."""
    if ocpp_status in LOG_RECEIVING:
        return RECEIVING
    if ocpp_status in LOG_COMPLETE:
        return COMPLETE
    if ocpp_status in LOG_FAILED:
        return FAILED
    return None


def missing(seq_nos: list[int], final_seq_no: int | None) -> list[int]:
    """The seqNos not received before the highest known one (the final one when it came)."""
    have = set(seq_nos)
    top = final_seq_no if final_seq_no is not None else max(have, default=-1)
    return [n for n in range(top + 1) if n not in have]


def progress(seq_nos: list[int], final_seq_no: int | None) -> str:
    """receiving, or complete once the final part and every one before it are in."""
    if final_seq_no is not None and not missing(seq_nos, final_seq_no):
        return COMPLETE
    return RECEIVING


def assemble(kind: str, parts: list[Part]) -> Any:
    """The request's data from its parts in seqNo order: report items, monitors and display
    messages joined into one list, customer information into one text, log statuses as a list."""
    ordered = sorted(parts, key=lambda p: p.seq_no)
    if kind == CUSTOMER_INFORMATION:
        return "".join(p.data or "" for p in ordered)
    if kind == GET_LOG:
        return [p.data for p in ordered]
    out: list = []
    for p in ordered:
        out.extend(p.data or ())
    return out
