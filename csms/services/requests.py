"""Report request tracking, version-neutral: every request the CSMS sends that is answered later in
parts (2.0.1 GetBaseReport, GetReport, GetMonitoringReport, CustomerInformation, GetDisplayMessages;
GetLog of both versions) is recorded before it is sent; its answer and the notifications carrying
its requestId then move it along csms.domain.requests.REQUEST. A request that waits too long for
its next answer or part is timed out by a job."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, Protocol

from csms.domain import requests as rq
from csms.domain.models import Page
from csms.domain.requests import Part, ReportRequest
from csms.domain.errors import CallErrorReceived, CallTimeout
from csms.services.clock import Clock

log = logging.getLogger(__name__)



class ReportRequestRepository(Protocol):
    async def create(self, *, charge_point_id: str, kind: str, request_id: int, status: str, params: dict,
                     at: Any) -> ReportRequest: ...
    async def get_pk(self, pk: int) -> ReportRequest | None: ...
    async def find(self, cp_id: str, request_id: int,
                   kinds: tuple[str, ...] | None = None) -> ReportRequest | None: ...
    async def delete(self, pk: int) -> None: ...
    async def transition(self, pk: int, expected: str, **fields: Any) -> ReportRequest | None: ...
    async def add_part(self, pk: int, part: Part) -> bool: ...
    async def seq_nos(self, pk: int) -> list[tuple[int, bool]]: ...
    async def parts(self, pk: int) -> list[Part]: ...
    async def list(self, cp_id: str, *, kind: str | None = None, status: str | None = None,
                   limit: int = 50, offset: int = 0) -> Page: ...
    async def waiting(self, statuses: frozenset[str], before: Any) -> list[ReportRequest]: ...


Send = Callable[[], Awaitable[dict]]


class ReportRequestService:
    def __init__(self, repo: ReportRequestRepository, clock: Clock, timeouts: dict[str, float] | None = None):
        self.repo = repo
        self.clock = clock
        self.timeouts = {**rq.DEFAULT_TIMEOUTS, **(timeouts or {})}   # kind -> seconds without news

    # -- requests ------------------------------------------------------------------------------------
    async def track(self, cp_id: str, kind: str, request_id: int, params: dict, send: Send) -> dict:
        """Record the request, send it (``send``), record its answer; the answer with ``request_id``.
        A request that never left (offline, not in the charge point's version) is not kept."""
        req = await self.repo.create(charge_point_id=cp_id, kind=kind, request_id=request_id,
                                     status=rq.REQUESTED, params=params, at=self.clock.now())
        try:
            result = await send()
        except (CallErrorReceived, CallTimeout):
            await self._answered(req, None)
            raise
        except Exception:
            await self.repo.delete(req.id)
            raise
        await self._answered(req, result.get("status"))
        return {**result, "request_id": request_id}

    async def _answered(self, req: ReportRequest, ocpp_status: str | None) -> None:
        # the answer sets the first status only: parts may have been handled before it
        await self._move(req, rq.answered(ocpp_status), only_from=frozenset({rq.REQUESTED}),
                         answer=ocpp_status, **self._done_if(rq.answered(ocpp_status)))

    # -- parts ---------------------------------------------------------------------------------------
    async def part_received(self, cp_id: str, family: str, part: rq.PartIn) -> ReportRequest | None:
        """One notification answering a request of ``family`` (csms.domain.requests.ANSWERED_BY)."""
        request_id, seq_no, tbc, data = part.request_id, part.seq_no, part.tbc, part.data
        req = await self.repo.find(cp_id, request_id, rq.ANSWERED_BY[family])
        if req is None:
            log.info("%s sent a %s part for request %s the CSMS did not make", cp_id, family, request_id)
            return None
        seqs = await self.repo.seq_nos(req.id)
        if seq_no is None:
            seq_no = len(seqs)
        if not await self.repo.add_part(req.id, Part(seq_no, tbc, data, self.clock.now())):
            return req                      # a repeated part: nothing new
        seqs.append((seq_no, tbc))
        numbers = [s for s, _ in seqs]
        final = min((s for s, more in seqs if not more), default=None)
        target = rq.progress(numbers, final)
        return await self._move(req, target, parts_received=len(numbers), last_seq_no=max(numbers),
                                final_seq_no=final, **self._done_if(target))

    async def log_status(self, cp_id: str, request_id: int, status: str) -> ReportRequest | None:
        """An upload status of a log request (Uploading, Uploaded, UploadFailure, ...): a part each
        that moves it (an upload retried after a failure is receiving again)."""
        target = rq.log_status(status)
        if target is None:
            return None
        req = await self.repo.find(cp_id, request_id, rq.ANSWERED_BY["log"])
        if req is None or req.status == target or not rq.REQUEST.can(req.status, target):
            return req                      # repeated, late or out of order: tells nothing new
        seq = len(await self.repo.seq_nos(req.id))
        last = target != rq.RECEIVING
        await self.repo.add_part(req.id, Part(seq, not last, status, self.clock.now()))
        return await self._move(req, target, parts_received=seq + 1, last_seq_no=seq,
                                final_seq_no=seq if last else None, **self._done_if(target))

    # -- timeouts ------------------------------------------------------------------------------------
    async def expire_due(self) -> int:
        """Time out the requests that heard nothing for their kind's timeout; how many."""
        now = self.clock.now()
        shortest = min(self.timeouts.values())
        count = 0
        for req in await self.repo.waiting(rq.WAITING, now - timedelta(seconds=shortest)):
            limit = self.timeouts.get(req.kind, shortest)
            if req.updated_at is not None and req.updated_at > now - timedelta(seconds=limit):
                continue
            moved = await self._move(req, rq.TIMED_OUT, only_from=rq.WAITING)
            if moved is not None and moved.status == rq.TIMED_OUT:
                log.info("%s: %s request %s timed out (%s)", req.charge_point_id, req.kind, req.request_id,
                         req.status)
                count += 1
        return count

    # -- views ---------------------------------------------------------------------------------------
    async def list(self, cp_id: str, *, kind: str | None = None, status: str | None = None,
                   limit: int = 50, offset: int = 0) -> Page:
        return await self.repo.list(cp_id, kind=kind, status=status, limit=limit, offset=offset)

    async def detail(self, cp_id: str, request_id: int,
                     kind: str | None = None) -> tuple[ReportRequest, list[Part]] | None:
        req = await self.repo.find(cp_id, request_id, (kind,) if kind else None)
        if req is None:
            return None
        return req, await self.repo.parts(req.id)

    # -- moves ---------------------------------------------------------------------------------------
    def _done_if(self, target: str) -> dict:
        return {"completed_at": self.clock.now()} if target == rq.COMPLETE else {}

    async def _move(self, req: ReportRequest, target: str, *, only_from: frozenset[str] | None = None,
                    **fields: Any) -> ReportRequest | None:
        """Move to ``target`` where the state machine allows (and the status is one of
        ``only_from``); the other fields are set either way. Compare-and-set, re-read on a race."""
        for _ in range(5):
            allowed = rq.REQUEST.can(req.status, target) and (only_from is None or req.status in only_from)
            values = dict(fields, updated_at=self.clock.now())
            if allowed:
                values["status"] = target
            else:
                values.pop("completed_at", None)
            done = await self.repo.transition(req.id, req.status, **values)
            if done is not None:
                return done
            req = await self.repo.get_pk(req.id)
            if req is None:
                return None
        log.warning("request %s: status kept changing under us; left as %s", req.id, req.status)
        return req


class Untracked:
    """Stands in for the tracking where it is not installed: sends, records nothing."""

    async def track(self, cp_id: str, kind: str, request_id: int, params: dict, send: Send) -> dict:
        return {**await send(), "request_id": request_id}

    async def part_received(self, cp_id: str, family: str, part: Any) -> None:
        return None

    async def log_status(self, *args: Any, **kw: Any) -> None:
        return None


UNTRACKED = Untracked()
