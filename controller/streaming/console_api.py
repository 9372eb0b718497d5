"""The console's part of the case system and the live stream: today's schedule with one-press open, and the
stream's start, cut (暂停直播), stop and seat protection. A clerk opens cases; the clerk, the judge and the
technician may press the stream's buttons, and the stream's own rules decide (a start is the judge's or the
clerk's)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web

from controller.cases.service import CaseService
from controller.console.api import ApiError, need, ok, read_json
from controller.streaming.service import StreamService
from drivers.errors import CourtroomError, ErrorCode

HTTP_STATUS: dict[ErrorCode, int] = {"STREAM_POLICY": 409, "CASE_SYSTEM": 502}


@dataclass
class LiveApi:
    cases: CaseService
    stream: StreamService

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/api/cases", self.cases_state),
            web.post("/api/cases/{action}", self.cases_command),
            web.get("/api/stream", self.stream_state),
            web.post("/api/stream/{action}", self.stream_command),
        ]

    async def cases_state(self, request: web.Request) -> web.Response:
        need(request, "view")
        return ok(self.cases.state().model_dump())

    async def cases_command(self, request: web.Request) -> web.Response:
        session = need(request, "hearing")
        params = await read_json(request)
        data = await _run(self.cases.execute(request.match_info["action"], params, session.operator))
        return ok({"status": "ok", "data": data, "hearing": self.cases.hearing.state().model_dump()})

    async def stream_state(self, request: web.Request) -> web.Response:
        need(request, "view")
        return ok(self.stream.state().model_dump())

    async def stream_command(self, request: web.Request) -> web.Response:
        session = need(request, "view")  # every role may press; the stream's rules say who may start
        params = await read_json(request)
        data = await _run(self.stream.execute(request.match_info["action"], params, session.operator))
        return ok({"status": "ok", "data": data})


async def _run(operation: Any) -> dict[str, Any]:
    try:
        result: dict[str, Any] = await operation
    except CourtroomError as exc:
        raise ApiError(exc.code, str(exc), HTTP_STATUS.get(exc.code)) from None
    return result
