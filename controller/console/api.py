"""The console's JSON API: login, the room's state, device and hearing commands, the journal and the export.

Every request but ``POST /api/login`` needs a session (the server's middleware refuses it with 401 before it
gets here); every handler names the permission it needs. Commands go through ``Room.execute`` and
``HearingService.execute``, the operations MQTT and ``courtroom ctl`` use, with the actor ``console:<user>``
and the user's display name and role (the journal and the record name them). A technician's raw command may
carry ``override_reason`` to override the recording rule; a technician may declare a ``fault`` interruption.
Errors are ``{"error": {"code": ..., "message": ...}}`` with an HTTP status from the code.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import web
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from controller.console.auth import (
    MAX_PASSWORD_LENGTH,
    SESSION,
    USER_NAME_PATTERN,
    Permission,
    Session,
    SessionStore,
    UserStore,
)
from controller.console.limits import LoginLimiter
from controller.console.view import (
    CLERK_ACTIONS,
    acknowledge,
    room_snapshot,
    session_info,
    sounding_alarms,
)
from controller.console.ws import Hub
from controller.hearing.commands import COMMANDS
from controller.hearing.record import build_record, find_hearing
from controller.hearing.record_render import render_html, render_markdown, render_pdf_bytes
from controller.hearing.service import HearingService
from controller.journal import Entry, Journal, JournalError, JournalFile, Kind
from controller.journal.checkpoint import verify_journal
from controller.room import Room
from controller.settings import REASON_LABELS, ConsoleConfig
from drivers.errors import CourtroomError, ErrorCode

T = TypeVar("T")

SESSION_COOKIE = "courtroom_session"
MAX_JOURNAL_ROWS = 2000
EXPORT_TYPES = ("md", "json", "html", "pdf")

STATUS_BY_CODE: dict[ErrorCode, int] = {
    "BAD_REQUEST": 400,
    "INVALID_ARGUMENT": 400,
    "UNSUPPORTED": 422,
    "UNAUTHENTICATED": 401,
    "FORBIDDEN": 403,
    "NOT_FOUND": 404,
    "LOCKED": 429,
    "INVALID_STATE": 409,
    "CHECK_FAILED": 409,
    "RECORDING_RULE": 409,
    "JOURNAL_ERROR": 503,
    "NOT_EXECUTABLE": 409,
    "BUSY": 409,
    "DEVICE_NAK": 502,
    "DECODE_ERROR": 502,
    "OFFLINE": 503,
    "TRANSPORT_LOST": 503,
    "DEVICE_TIMEOUT": 504,
}


def _shown(value: str) -> str:
    """A query value quoted for an error message, cut short: a refusal must not echo a megabyte back."""
    return repr(value if len(value) <= 40 else value[:40] + "...")


def query_int(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    """A whole-number query parameter within [low, high]; anything else (-1, 1e20, 5000 digits) is a 400."""
    raw = request.query.get(name)
    if raw is None:
        return default
    if not re.fullmatch(r"[0-9]{1,9}", raw) or not low <= int(raw) <= high:
        raise ApiError("BAD_REQUEST", f"{name}: {_shown(raw)} is not a whole number from {low} to {high}")
    return int(raw)


class ApiError(Exception):
    """A refusal with its HTTP status, code and message (and extra keys for the body)."""

    def __init__(self, code: ErrorCode, message: str, status: int | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status or STATUS_BY_CODE.get(code, 500)
        self.extra = extra

    def response(self) -> web.Response:
        body = {"error": {"code": self.code, "message": self.message}, **self.extra}
        return web.json_response(body, status=self.status, dumps=_dumps)


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)


def ok(data: Any) -> web.Response:
    return web.json_response(data, dumps=_dumps)


def need(request: web.Request, permission: Permission) -> Session:
    session = request[SESSION]
    if not session.may(permission):
        raise ApiError("FORBIDDEN", f"a {session.role} may not do this ({permission})")
    return session


async def read_json(request: web.Request) -> dict[str, Any]:
    """The request body as a JSON object; an empty body is ``{}``."""
    if request.content_type != "application/json":
        raise ApiError("BAD_REQUEST", f"Content-Type must be application/json, not '{request.content_type}'", 415)
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ApiError("BAD_REQUEST", f"request body is not UTF-8: {exc.reason} at byte {exc.start}") from None
    except json.JSONDecodeError as exc:
        raise ApiError(
            "BAD_REQUEST", f"request body is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    if not isinstance(data, dict):
        raise ApiError("BAD_REQUEST", f"request body must be a JSON object, not {type(data).__name__}")
    return data


def entry_view(entry: Entry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "ts": entry.ts_ms,
        "hearing_id": entry.hearing_id,
        "kind": entry.kind,
        "actor": entry.actor,
        "data": entry.data,
    }


@dataclass
class Api:
    room: Room
    hearing: HearingService
    journal: Journal
    config: ConsoleConfig
    users: UserStore
    sessions: SessionStore
    hub: Hub
    public_key: Ed25519PublicKey | None = None  # the room's key: an export verifies the journal first
    logins: LoginLimiter = field(default_factory=LoginLimiter)

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/api/login", self.login),
            web.post("/api/logout", self.logout),
            web.get("/api/session", self.session),
            web.get("/api/state", self.state),
            web.post("/api/device/{device}/{action}", self.device_command),
            web.post("/api/hearing/{action}", self.hearing_command),
            web.post("/api/alarm/ack", self.alarm_ack),
            web.get("/api/journal", self.journal_rows),
            web.get("/api/marks", self.marks),
            web.get("/api/hearings", self.hearings),
            web.get("/api/export", self.export),
            web.get("/api/diagnostics", self.diagnostics),
        ]

    # -- sessions ------------------------------------------------------------------------------------------
    async def login(self, request: web.Request) -> web.Response:
        body = await read_json(request)
        user, password = body.get("user"), body.get("password")
        if not isinstance(user, str) or not isinstance(password, str) or not user or not password:
            raise ApiError("BAD_REQUEST", "give 'user' and 'password' as strings")
        if len(password) > MAX_PASSWORD_LENGTH:
            raise ApiError("BAD_REQUEST", f"password: longer than {MAX_PASSWORD_LENGTH} characters")
        remote = request.remote or "?"
        if not re.match(USER_NAME_PATTERN, user):
            user = "(not a user name)"  # counted and journaled like any wrong name, without its text
        wait_s = self.logins.locked_for(user, remote)
        if wait_s > 0:
            raise ApiError("LOCKED", f"too many failed logins: try again in {int(wait_s) + 1} s")
        found = await self.users.authenticate(user, password)
        if found is None:
            self.logins.failed(user, remote)
            self.journal.record(Kind.CONSOLE_LOGIN_FAILED, {"user": user, "remote": remote}, actor="console")
            raise ApiError("UNAUTHENTICATED", "wrong user name or password")
        self.logins.succeeded(user, remote)
        session = self.sessions.create(*found)
        self.journal.record(
            Kind.CONSOLE_LOGIN, {"user": user, "role": session.role, "remote": remote}, actor=session.operator
        )
        response = ok({"user": session.user, "role": session.role})
        response.set_cookie(
            SESSION_COOKIE,
            session.token,
            max_age=int(self.config.session_hours * 3600),
            path="/",
            httponly=True,
            samesite="Strict",
            secure=request.secure,
        )
        return response

    async def logout(self, request: web.Request) -> web.Response:
        session = request[SESSION]
        self.sessions.end(session.token)
        self.journal.record(Kind.CONSOLE_LOGOUT, {"user": session.user}, actor=session.operator)
        await self.hub.end_session(session.token, "logged out")
        response = ok({"status": "ok"})
        response.del_cookie(SESSION_COOKIE, path="/")
        return response

    async def session(self, request: web.Request) -> web.Response:
        session = need(request, "view")
        return ok(
            {
                "user": session.user,
                "display_name": session.display_name,
                "role": session.role,
                "permissions": sorted(session.permissions),
                "language": self.config.language,
                "reasons": {k: {"zh-CN": v[0], "en": v[1]} for k, v in REASON_LABELS.items()},
                **session_info(self.room),
            }
        )

    async def state(self, request: web.Request) -> web.Response:
        need(request, "view")
        return ok(room_snapshot(self.room, self.hearing))

    # -- commands ------------------------------------------------------------------------------------------
    async def device_command(self, request: web.Request) -> web.Response:
        session = need(request, "device")
        device_id, action = request.match_info["device"], request.match_info["action"]
        params = await read_json(request)
        reason = params.pop("override_reason", None)
        if reason is not None:
            if not session.may("raw"):
                raise ApiError("FORBIDDEN", "an override of the recording rule is the technician's")
            if not isinstance(reason, str) or not 4 <= len(reason.strip()) <= 500:
                raise ApiError("INVALID_ARGUMENT", "override_reason: a written reason of 4 to 500 characters")
        if not session.may("raw"):
            try:
                kind = self.room.device(device_id).kind
            except CourtroomError as exc:
                raise ApiError(exc.code, str(exc)) from None
            if action not in CLERK_ACTIONS.get(kind, frozenset()):
                offered = ", ".join(sorted(CLERK_ACTIONS.get(kind, frozenset()))) or "none"
                raise ApiError(
                    "FORBIDDEN",
                    f"'{action}' on a {kind} is the technician's raw command (a {session.role} may: {offered})",
                )
        try:
            result = await self.room.execute(device_id, action, params, actor=session.operator, override_reason=reason)
        except CourtroomError as exc:
            raise ApiError(exc.code, str(exc)) from None
        return ok({"status": "ok", "data": result})

    async def hearing_command(self, request: web.Request) -> web.Response:
        session = request[SESSION]
        action = request.match_info["action"]
        if action not in COMMANDS:
            raise ApiError("NOT_FOUND", f"no hearing action '{action}' (actions: {', '.join(COMMANDS)})")
        params = await read_json(request)
        if not (session.role == "technician" and action == "interrupt" and params.get("reason") == "fault"):
            need(request, "hearing")  # a technician runs no hearing, but may declare an equipment fault
        try:
            result = await self.hearing.execute(action, params, actor=session.operator)
        except CourtroomError as exc:
            extra: dict[str, Any] = {}
            if exc.code == "CHECK_FAILED" and self.hearing.check_result is not None:
                extra["check"] = self.hearing.check_result.model_dump()
            raise ApiError(exc.code, str(exc), **extra) from None
        return ok({"status": "ok", "data": result, "hearing": self.hearing.state().model_dump()})

    async def alarm_ack(self, request: web.Request) -> web.Response:
        """A clerk silences the sounding alarms (all, or those named in ``alarms``); journaled with who and when.
        The alarm itself stays raised until its cause is gone."""
        session = need(request, "hearing")
        body = await read_json(request)
        wanted = body.get("alarms")
        if wanted is not None and (not isinstance(wanted, list) or not all(isinstance(i, str) for i in wanted)):
            raise ApiError("INVALID_ARGUMENT", "alarms: a list of alarm ids")
        alarms = [a for a in sounding_alarms(self.hearing) if wanted is None or a.id in wanted]
        if not alarms:
            raise ApiError("INVALID_STATE", "no sounding alarm to acknowledge")
        ts = int(time.time() * 1000)
        data = {"alarms": [a.model_dump(include={"id", "kind", "device", "message"}) for a in alarms], "ts": ts}
        if self.journal.available:
            try:
                await self.journal.append(
                    Kind.ALARM_ACKNOWLEDGED, data, actor=session.operator, hearing_id=self.hearing.hearing_id
                )
            except JournalError as exc:
                raise ApiError("JOURNAL_ERROR", str(exc)) from None
        else:  # the journal is the alarm: silence it all the same, the row is written once the journal can
            self.journal.record(
                Kind.ALARM_ACKNOWLEDGED, data, actor=session.operator, hearing_id=self.hearing.hearing_id
            )
        who = session.operator
        acks = acknowledge(
            self.hearing, alarms, {"actor": who.id, "by": {"name": who.name, "role": who.role}, "ts": ts}
        )
        self.hub.broadcast("acks", {"type": "alarm_ack", "acks": acks})
        return ok({"status": "ok", "acks": acks})

    # -- the record ----------------------------------------------------------------------------------------
    async def _in_journal_file(self, fn: Callable[[JournalFile], T]) -> T:
        """Run ``fn`` on the journal's read connection (its own thread), after pending rows are written."""
        await self.journal.flush()
        return await self.journal.read(fn)

    async def _hearing_id(self, key: str | None) -> str | None:
        """The hearing a request names: an id or case number; none or ``current``: this or the last hearing."""
        if key in (None, "", "current"):
            if self.hearing.hearing_id is not None:
                return self.hearing.hearing_id
            hearings = await self._in_journal_file(lambda f: f.hearings())
            return hearings[-1][0] if hearings else None
        assert key is not None
        try:
            return await self._in_journal_file(lambda f: find_hearing(f, key))
        except JournalError as exc:
            raise ApiError("NOT_FOUND", str(exc)) from None

    async def journal_rows(self, request: web.Request) -> web.Response:
        need(request, "journal")
        limit = query_int(request, "limit", 500, 1, MAX_JOURNAL_ROWS)
        scope = request.query.get("scope", "hearing")
        if scope not in ("hearing", "room"):
            raise ApiError("BAD_REQUEST", f"scope: {_shown(scope)} is not hearing or room")
        if scope == "room":
            need(request, "diagnostics")
            await self.journal.flush()
            last = await self.journal.last()
            after = max(0, last.seq - limit) if last is not None else 0
            rows = await self.journal.entries(None, after)
            return ok({"hearing_id": None, "entries": [entry_view(e) for e in rows]})
        hearing_id = await self._hearing_id(request.query.get("hearing"))
        rows = await self.journal.entries(hearing_id) if hearing_id is not None else []
        return ok({"hearing_id": hearing_id, "entries": [entry_view(e) for e in rows[-limit:]]})

    async def marks(self, request: web.Request) -> web.Response:
        need(request, "view")
        hearing_id = await self._hearing_id(request.query.get("hearing"))
        rows = await self.journal.entries(hearing_id) if hearing_id is not None else []
        return ok({"hearing_id": hearing_id, "marks": [entry_view(e) for e in rows if e.kind == "mark"]})

    async def hearings(self, request: web.Request) -> web.Response:
        need(request, "export")
        found = await self._in_journal_file(lambda f: f.hearings())
        return ok({"hearings": [{"hearing_id": h, "opened_ts": ts, "case_no": case} for h, ts, case in found[-50:]]})

    async def export(self, request: web.Request) -> web.Response:
        """The hearing's record, verified first: ``format`` md (default), json, html or pdf; ``lang`` zh or en."""
        need(request, "export")
        fmt = request.query.get("format", "md")
        if fmt not in EXPORT_TYPES:
            raise ApiError("BAD_REQUEST", f"format: '{fmt}' is not one of {', '.join(EXPORT_TYPES)}")
        lang = request.query.get("lang", "zh")
        if lang not in ("zh", "en"):
            raise ApiError("BAD_REQUEST", f"lang: '{lang}' is not zh or en")
        hearing_id = await self._hearing_id(request.query.get("hearing"))
        if hearing_id is None:
            raise ApiError("NOT_FOUND", "no hearing has been opened in this room yet")
        public = self.public_key

        def build(file: JournalFile) -> dict[str, Any]:
            verification = verify_journal(file, public) if public is not None else None
            return build_record(
                file, hearing_id, "en" if lang == "en" else "zh", verification, self.room.config.room.zone
            )

        try:
            record = await self._in_journal_file(build)
        except JournalError as exc:
            raise ApiError("NOT_FOUND", str(exc)) from None
        name = f"{hearing_id}.{fmt}"
        headers = {"Content-Disposition": f'attachment; filename="{name}"'}
        if fmt == "json":
            return web.Response(text=_dumps(record), content_type="application/json", headers=headers)
        if fmt == "html":
            return web.Response(text=render_html(record), content_type="text/html", headers=headers)
        if fmt == "pdf":
            try:
                body = await render_pdf_bytes(record)
            except CourtroomError as exc:
                raise ApiError("INTERNAL", str(exc), 500) from None
            return web.Response(body=body, content_type="application/pdf", headers=headers)
        return web.Response(text=render_markdown(record), content_type="text/markdown", headers=headers)

    async def diagnostics(self, request: web.Request) -> web.Response:
        need(request, "diagnostics")
        verify: dict[str, Any] | None = None
        if request.query.get("verify") == "1":
            started = time.monotonic()
            count, bad, why = await self.journal.verify()
            verify = {
                "rows": count,
                "bad_seq": bad,
                "problem": why or None,
                "took_s": round(time.monotonic() - started, 3),
            }
        return ok(
            {
                "supervisors": self.room.diagnostics(),
                "devices": [entry.model_dump() for entry in self.room.device_entries()],
                "offline": self.room.offline_devices(),
                "console": {"sessions": self.sessions.count(), "pages": len(self.hub.clients)},
                "journal": {"path": str(self.journal.path), "verify": verify},
            }
        )
