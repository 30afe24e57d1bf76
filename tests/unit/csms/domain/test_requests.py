"""Report requests as values: what an answer makes of a request, when its parts are complete, what
is missing, how the parts assemble, and the allowed moves."""

from __future__ import annotations

import pytest

from csms.domain import requests as rq
from csms.domain.requests import Part
from tests.fakes import EPOCH


@pytest.mark.parametrize("answer,status", [
    ("Accepted", "accepted"), ("AcceptedCanceled", "accepted"), ("EmptyResultSet", "complete"),
    ("Unknown", "complete"), ("Rejected", "rejected"), ("NotSupported", "rejected"), ("Invalid", "rejected"),
    (None, "failed")])
def test_the_answer_sets_the_first_status(answer, status):
    assert rq.answered(answer) == status


@pytest.mark.parametrize("upload,status", [
    ("Uploading", "receiving"), ("Uploaded", "complete"), ("UploadFailure", "failed"), ("BadMessage", "failed"),
    ("PermissionDenied", "failed"), ("NotSupportedOperation", "failed"), ("Idle", None)])
def test_log_upload_statuses(upload, status):
    assert rq.log_status(upload) == status


@pytest.mark.parametrize("seq_nos,final,missing,progress", [
    ([0, 1, 2], 2, [], "complete"),
    ([2, 0], 2, [1], "receiving"),           # the last part came, one before it did not (yet)
    ([0, 1], None, [], "receiving"),         # no last part yet
    ([0, 3], None, [1, 2], "receiving"),
    ([], None, [], "receiving"),
    ([0], 0, [], "complete"),
])
def test_missing_parts_and_completeness(seq_nos, final, missing, progress):
    assert rq.missing(seq_nos, final) == missing
    assert rq.progress(seq_nos, final) == progress


def _part(seq, data, tbc=True):
    return Part(seq, tbc, data, EPOCH)


def test_parts_assemble_in_seq_no_order_by_kind():
    assert rq.assemble(rq.GET_BASE_REPORT, [_part(1, [{"b": 2}], False), _part(0, [{"a": 1}])]) == [{"a": 1}, {"b": 2}]
    assert rq.assemble(rq.GET_MONITORING_REPORT, [_part(0, None, False)]) == []
    assert rq.assemble(rq.CUSTOMER_INFORMATION, [_part(1, "two", False), _part(0, "one ")]) == "one two"
    assert rq.assemble(rq.GET_LOG, [_part(0, "Uploading"), _part(1, "Uploaded", False)]) == ["Uploading", "Uploaded"]
    assert rq.assemble(rq.GET_DISPLAY_MESSAGES, []) == []


def test_moves():
    m = rq.REQUEST
    assert m.can("requested", "receiving") and m.can("requested", "complete")    # parts before the answer
    assert m.can("failed", "complete") and m.can("timed_out", "receiving")      # late parts still count
    assert not m.can("complete", "receiving") and not m.can("rejected", "receiving")
    assert not m.can("accepted", "requested") and not m.can("complete", "timed_out")
    assert set(rq.STATUSES) == m.states
