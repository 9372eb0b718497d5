"""Reads a day's schedule from the case system over HTTP/JSON and maps it, field by field, to ScheduledCase.

Every failure is a CaseSystemError whose ``status`` says what kind it is (``unreachable``: no answer in time or
no connection; ``refused``: an HTTP error such as 401 or 503; ``malformed``: an answer that is not the schedule)
and whose message names what was wrong in one line (``cases[2].ah: missing``).
"""

from __future__ import annotations

import asyncio
import json
import ssl
from datetime import date
from typing import Any, Literal

import aiohttp

from controller.cases.config import CaseSystemConfig, FieldMap
from controller.model import ScheduledCase
from drivers.errors import CourtroomError

Status = Literal["unreachable", "refused", "malformed"]
MAX_BYTES = 4 << 20  # a day's schedule is a few kB; more is not a schedule


class CaseSystemError(CourtroomError):
    """The case system could not give the schedule; ``status`` says how it failed."""

    code = "CASE_SYSTEM"

    def __init__(self, status: Status, message: str) -> None:
        super().__init__(message)
        self.status = status


def tls_context(config: CaseSystemConfig) -> ssl.SSLContext | None:
    """The TLS context for an https case system: its CA, and the room's client certificate when configured."""
    if not config.url.startswith("https://"):
        return None
    context = ssl.create_default_context(cafile=str(config.ca_file) if config.ca_file else None)
    if config.client_cert is not None and config.client_key is not None:
        context.load_cert_chain(str(config.client_cert), str(config.client_key))
    return context


class CaseSystemClient:
    """One case system: ``fetch(day)`` reads and maps that day's schedule of the room."""

    def __init__(self, config: CaseSystemConfig, room_id: str, token: str | None, context: ssl.SSLContext | None):
        self.config = config
        self.room = config.court_room or room_id
        self.token = token
        self.context = context

    async def fetch(self, day: date) -> list[ScheduledCase]:
        c = self.config
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        query = {c.room_param: self.room, c.date_param: day.isoformat()}
        timeout = aiohttp.ClientTimeout(total=c.timeout_s)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.get(c.url, params=query, headers=headers, ssl=self.context or True) as response,
            ):
                body = await response.content.read(MAX_BYTES + 1)
                status = response.status
        except TimeoutError:
            raise CaseSystemError("unreachable", f"case system: no answer within {c.timeout_s:g} s") from None
        except (aiohttp.ClientError, OSError, ssl.SSLError) as exc:
            raise CaseSystemError("unreachable", f"case system: cannot connect: {exc}") from None
        if status != 200:
            raise CaseSystemError("refused", f"case system: HTTP {status}: {_snippet(body)}")
        if len(body) > MAX_BYTES:
            raise CaseSystemError("malformed", f"case system: answer larger than {MAX_BYTES >> 20} MB")
        try:
            data = await asyncio.to_thread(_json, body)
        except ValueError as exc:
            raise CaseSystemError("malformed", f"case system: the answer is not JSON: {exc}") from None
        return parse_schedule(data, c.fields)


def _json(body: bytes) -> Any:
    return json.loads(body.decode("utf-8"))


def _snippet(body: bytes) -> str:
    text = body.decode("utf-8", "replace").strip().replace("\n", " ")
    return text[:120] or "(empty)"


def pick(data: Any, path: str) -> Any:
    """The value at a dotted ``path`` (``data.ajlb``; a number indexes a list); None when it is not there."""
    for key in path.split("."):
        if isinstance(data, dict):
            data = data.get(key)
        elif isinstance(data, list) and key.isdigit() and int(key) < len(data):
            data = data[int(key)]
        else:
            return None
    return data


def _people(value: Any, name_key: str, role_key: str | None, where: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [p.strip() for p in value.replace("，", ",").split(",") if p.strip()]
    if not isinstance(value, list):
        raise CaseSystemError("malformed", f"case system: {where}: expected a list, got {type(value).__name__}")
    people = []
    for i, item in enumerate(value):
        if isinstance(item, str):
            people.append(item)
            continue
        name = pick(item, name_key)
        if not isinstance(name, str) or not name:
            raise CaseSystemError("malformed", f"case system: {where}[{i}].{name_key}: missing")
        role = pick(item, role_key) if role_key else None
        people.append(f"{role} {name}" if isinstance(role, str) and role else name)
    return people


def parse_schedule(data: Any, fields: FieldMap) -> list[ScheduledCase]:
    """Map the case system's answer to the day's cases; CaseSystemError names the first field that is wrong."""
    items = pick(data, fields.cases)
    if not isinstance(items, list):
        got = "nothing" if items is None else type(items).__name__
        raise CaseSystemError("malformed", f"case system: {fields.cases}: expected the list of hearings, got {got}")
    cases = []
    for i, item in enumerate(items):
        where = f"{fields.cases}[{i}]"

        def text(path: str, required: bool = True, *, item: Any = item, where: str = where) -> str:
            value = pick(item, path)
            if value is None or value == "":
                if required:
                    raise CaseSystemError("malformed", f"case system: {where}.{path}: missing")
                return ""
            if not isinstance(value, str | int | float):
                raise CaseSystemError("malformed", f"case system: {where}.{path}: expected text")
            return str(value)

        public = text(fields.publicity, required=False)
        is_public = public.strip().lower() in {v.lower() for v in fields.public_values}
        note = text(fields.publicity_reason, required=False)
        reason = None if is_public else fields.reasons.get(note.strip(), "other")
        cases.append(
            ScheduledCase(
                id=text(fields.id),
                case_no=text(fields.case_no),
                cause=text(fields.cause, required=False),
                start=text(fields.start, required=False),
                parties=_people(pick(item, fields.parties), fields.party_name, fields.party_role, f"{where}.parties"),
                judges=_people(pick(item, fields.judges), fields.judge_name, fields.judge_role, f"{where}.judges"),
                clerk=text(fields.clerk, required=False),
                publicity="public" if is_public else "not_public",
                publicity_reason=reason,
                publicity_note=note,
            )
        )
    return cases
