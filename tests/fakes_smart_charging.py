"""In-memory stand-ins for the smart_charging feature's repositories, and a scripted gateway.

They keep the SQL implementations' rules (stacking replaces, jobs get increasing ids that are the
requestId, ``transition`` is a compare-and-set), so services tested against them behave as they do
against a database."""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any, Callable

from csms.domain.firmware import FirmwareJob, LogJob
from csms.domain.smart_charging import ChargingReport, DisplayMessage, InstalledProfile, cleared_by, replaced_by
from csms.domain.errors import CommandNotSent
from tests.fakes import FakeClock


class FakeChargingProfileRepository:
    def __init__(self):
        self.rows: list[InstalledProfile] = []

    async def list(self, cp_id: str, evse_id: int | None = None) -> list[InstalledProfile]:
        found = [p for p in self.rows if p.charge_point_id == cp_id and (evse_id is None or p.evse_id == evse_id)]
        return sorted(found, key=lambda p: (p.evse_id, p.profile.id))

    async def put(self, ip: InstalledProfile) -> list[InstalledProfile]:
        gone = [p for p in self.rows if replaced_by(ip, p)]
        self.rows = [p for p in self.rows if p not in gone] + [ip]
        return gone

    async def remove(self, cp_id: str, *, profile_id=None, evse_id=None, purpose=None, stack_level=None,
                     transaction_id=None) -> list[InstalledProfile]:
        def hit(p: InstalledProfile) -> bool:
            if p.charge_point_id != cp_id:
                return False
            if transaction_id is not None:
                return p.profile.transaction_id == transaction_id
            return cleared_by(p, profile_id=profile_id, evse_id=evse_id, purpose=purpose, stack_level=stack_level)
        gone = [p for p in self.rows if hit(p)]
        self.rows = [p for p in self.rows if p not in gone]
        return gone


class FakeChargingReportRepository:
    def __init__(self):
        self.rows: list[ChargingReport] = []

    async def add(self, report: ChargingReport) -> None:
        self.rows.append(replace(report, id=len(self.rows) + 1))

    async def list(self, cp_id: str, kind: str | None = None, limit: int = 50) -> list[ChargingReport]:
        found = [r for r in reversed(self.rows) if r.charge_point_id == cp_id and (kind is None or r.kind == kind)]
        return found[:limit]


class FakeDisplayMessageRepository:
    def __init__(self):
        self.rows: dict[tuple[str, int], DisplayMessage] = {}

    async def put(self, cp_id: str, m: DisplayMessage) -> None:
        self.rows[(cp_id, m.id)] = m

    async def list(self, cp_id: str) -> list[DisplayMessage]:
        return [m for (cp, _), m in sorted(self.rows.items()) if cp == cp_id]

    async def delete(self, cp_id: str, message_id: int) -> bool:
        return self.rows.pop((cp_id, message_id), None) is not None

    async def next_id(self, cp_id: str) -> int:
        return max((mid for cp, mid in self.rows if cp == cp_id), default=0) + 1


class FakeJobRepository:
    def __init__(self, cls: type, clock: FakeClock | None = None):
        self.cls = cls
        self.clock = clock or FakeClock()
        self.rows: dict[int, Any] = {}

    async def create(self, **f: Any):
        names = {x.name for x in fields(self.cls)}
        unknown = set(f) - names
        if unknown:
            raise TypeError(f"{self.cls.__name__} has no field(s) {sorted(unknown)}")
        job_id = max(self.rows, default=0) + 1
        now = self.clock.now()
        self.rows[job_id] = self.cls(id=job_id, created_at=now, updated_at=now, **f)
        return self.rows[job_id]

    async def get(self, job_id: int):
        return self.rows.get(job_id)

    async def transition(self, job_id: int, expected: str, **f: Any):
        job = self.rows.get(job_id)
        if job is None or job.status != expected:
            return None
        self.rows[job_id] = replace(job, updated_at=self.clock.now(), **f)
        return self.rows[job_id]

    async def delete(self, job_id: int) -> None:
        self.rows.pop(job_id, None)

    async def list(self, cp_id: str, limit: int = 50, **where: Any) -> list:
        found = [j for j in self.rows.values()
                 if j.charge_point_id == cp_id and all(getattr(j, k) == v for k, v in where.items())]
        return sorted(found, key=lambda j: -j.id)[:limit]


def firmware_jobs(clock: FakeClock | None = None) -> FakeJobRepository:
    return FakeJobRepository(FirmwareJob, clock)


def log_jobs(clock: FakeClock | None = None) -> FakeJobRepository:
    return FakeJobRepository(LogJob, clock)


class ScriptedGateway:
    """The Gateway Protocol: records each command and answers with ``answer(command)`` (default
    Accepted); command types listed in ``unsupported`` get NotSupported, as a version without them."""

    def __init__(self, answer: Callable[[Any], dict] | None = None, unsupported: tuple[type, ...] = ()):
        self.answer = answer or (lambda command: {"status": "Accepted"})
        self.unsupported = unsupported
        self.executed: list[tuple[str, Any]] = []

    def protocol_of(self, cp_id: str) -> str | None:
        return "ocpp2.0.1"

    async def call(self, cp_id: str, action: str, payload: dict, timeout: float | None = None) -> dict:
        raise AssertionError("typed commands only")

    async def execute(self, cp_id: str, command: Any, timeout: float | None = None) -> dict:
        if isinstance(command, self.unsupported):
            raise CommandNotSent("NotSupported", f"{type(command).__name__} is not available")
        self.executed.append((cp_id, command))
        result = self.answer(command)
        if isinstance(result, BaseException):
            raise result
        return result


class RecordingNotice:
    def __init__(self):
        self.seen: list[tuple[str, str, dict]] = []

    async def __call__(self, cp_id: str, kind: str, data: dict) -> None:
        self.seen.append((cp_id, kind, data))
