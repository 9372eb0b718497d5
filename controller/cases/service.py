"""The room's schedule for the day, read from the case system periodically and on demand, and opening a
hearing from one of its cases with one command (``cases/cmd/open {"case": <id>}``).

The schedule shown is the last one read; when the case system is down (unreachable, refusing, or answering
something that is not a schedule) the state says so and keeps the last schedule of the same day, and the clerk
opens the hearing by hand (``hearing/cmd/open``), which the journal records as a ``manual`` source together
with the case system's state at that moment. A hearing opened from the schedule journals ``source: {"kind":
"case_system", "id", "fetched_ts"}`` and the case's facts (案由, judges, clerk, publicity and its reason).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import datetime, tzinfo
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from controller.cases.client import CaseSystemClient, CaseSystemError, tls_context
from controller.cases.config import CaseSystemConfig
from controller.hearing.service import HearingService
from controller.journal import Actor
from controller.model import CasesState, ScheduledCase, now_ms
from drivers.devices.base import describe_validation
from drivers.errors import ConfigError, InvalidArgument

log = logging.getLogger(__name__)

CaseStatus = Literal["ok", "unreachable", "refused", "malformed", "not_configured"]


class OpenCase(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    case: str = Field(min_length=1, max_length=128)  # the scheduled hearing's id (or its 案号)
    override_reason: str | None = Field(None, min_length=4, max_length=500)


class CaseService:
    """Today's schedule of one room, and ``open``/``refresh`` for MQTT and the console."""

    def __init__(self, config: CaseSystemConfig | None, room_id: str, zone: tzinfo, hearing: HearingService) -> None:
        self.config = config
        self.zone = zone
        self.hearing = hearing
        self.client: CaseSystemClient | None = None
        if config is not None:
            token = None
            if config.token_file is not None:
                try:
                    token = config.token_file.read_text().strip()
                except OSError as exc:
                    raise ConfigError(f"cases.token_file: cannot read {config.token_file}: {exc.strerror}") from None
            try:
                context = tls_context(config)
            except OSError as exc:
                raise ConfigError(f"cases: cannot load the TLS files: {exc}") from None
            self.client = CaseSystemClient(config, room_id, token, context)
        self.status: CaseStatus = "not_configured" if config is None else "unreachable"
        self.problem: str | None = None if config is None else "not read yet"
        self.day = self._today()
        self.fetched_ts: int | None = None
        self.cases: list[ScheduledCase] = []
        self.state_listeners: list[Callable[[], None]] = []
        self._task: asyncio.Task[None] | None = None
        self._refreshing: asyncio.Lock = asyncio.Lock()
        hearing.manual_source = self._manual_source

    def _today(self) -> str:
        return datetime.now(self.zone).date().isoformat()

    def state(self) -> CasesState:
        return CasesState(
            status=self.status, problem=self.problem, day=self.day, fetched_ts=self.fetched_ts, cases=self.cases
        )

    def _manual_source(self) -> dict[str, Any]:
        """What a hand-typed case's journal row says about the case system."""
        if self.config is None:
            return {"case_system": "not_configured"}
        return {"case_system": self.status, "problem": self.problem}

    # -- reading -------------------------------------------------------------------------------------------
    async def refresh(self) -> CasesState:
        """Read today's schedule now; a failure is kept in the state (and logged), never raised."""
        if self.client is None:
            return self.state()
        async with self._refreshing:
            day = datetime.now(self.zone).date()
            try:
                cases = await self.client.fetch(day)
            except CaseSystemError as exc:
                if self.problem != str(exc):
                    log.warning("%s", exc)
                self.status, self.problem = exc.status, str(exc)
                if self.day != day.isoformat():  # yesterday's schedule is not today's
                    self.cases, self.fetched_ts, self.day = [], None, day.isoformat()
            else:
                self.status, self.problem = "ok", None
                self.cases, self.fetched_ts, self.day = cases, now_ms(), day.isoformat()
        for listener in list(self.state_listeners):
            listener()
        return self.state()

    def find(self, key: str) -> ScheduledCase | None:
        return next((c for c in self.cases if key in (c.id, c.case_no)), None)

    # -- commands ------------------------------------------------------------------------------------------
    async def execute(self, action: str, params: Mapping[str, Any], actor: Actor | str = "unknown") -> dict[str, Any]:
        if action == "refresh":
            return (await self.refresh()).model_dump()
        if action != "open":
            raise InvalidArgument(f"unknown cases action '{action}' (known: open, refresh)")
        try:
            p = OpenCase.model_validate(dict(params))
        except ValidationError as exc:
            raise InvalidArgument(describe_validation(exc)) from None
        case = self.find(p.case)
        if case is None:
            known = ", ".join(c.id for c in self.cases) or "none: the schedule is empty"
            why = f" (case system {self.status}: {self.problem})" if self.problem else ""
            raise InvalidArgument(
                f"case: '{p.case}' is not on today's schedule{why} (scheduled: {known}); "
                f"open it by hand with hearing open"
            )
        opened: dict[str, Any] = {
            "case_no": case.case_no,
            "title": case.cause,
            "parties": case.parties[:20],
            "cause": case.cause,
            "judges": case.judges[:10],
            "clerk": case.clerk,
            "publicity": case.publicity,
            "publicity_reason": case.publicity_reason,
        }
        if p.override_reason is not None:
            opened["override_reason"] = p.override_reason
        source = {
            "kind": "case_system",
            "id": case.id,
            "fetched_ts": self.fetched_ts,
            "publicity_note": case.publicity_note,
        }
        return await self.hearing.execute("open", opened, actor, source=source)

    # -- life ----------------------------------------------------------------------------------------------
    def start(self) -> None:
        if self.client is not None:
            self._task = asyncio.create_task(self._loop(), name="case-system")

    async def _loop(self) -> None:
        assert self.config is not None
        while True:
            await self.refresh()
            await asyncio.sleep(self.config.refresh_s)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
