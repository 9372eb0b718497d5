"""The console's one WebSocket: live device state, hearing state and events, and level meters.

Server -> page messages (JSON objects with a ``type``):

- ``snapshot``: ``devices`` (id -> device view) and ``hearing`` (HearingState), first after connecting;
- ``device``: one device view (``id``, ``kind``, ``availability``, ``state``, ``health``) when it changed;
- ``hearing``: ``state`` (HearingState) when it changed;
- ``hearing_event``: ``event`` (HearingEvent): transitions, marks, alarms, failed macro steps;
- ``device_event``: ``id`` and ``event`` (DeviceEvent: mic_on, mic_off, request_on ...), not to judges;
- ``meter``: ``id`` and ``levels`` (channel or seat -> dBFS), ``ts``: level meters at up to 10 Hz per device;
- ``bye``: ``reason`` (session ended or expired) just before the server closes the socket.

State messages are coalesced per key (a page that falls behind gets the newest state of each device, not every
step between); events are kept in order. A page more than ``MAX_PENDING`` messages behind is disconnected and
gets a fresh snapshot when it reconnects. The page sends nothing but ``{"type": "ping"}``: every control is an
HTTP request, checked against the role like any other.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
from collections.abc import Callable
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from controller.console.auth import SESSION, Session
from controller.console.view import device_view, event_visible, room_snapshot
from controller.hearing.service import HearingService
from controller.model import DeviceEvent, HearingEvent, now_ms
from controller.room import Room

log = logging.getLogger(__name__)

MAX_PENDING = 2000
CLOSE_SESSION_ENDED = 4401  # an application close code: the page goes back to the login page


def encode(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


class Client:
    """One connected page: what it may see, and what is waiting to be sent to it."""

    def __init__(self, ws: web.WebSocketResponse, session: Session) -> None:
        self.ws = ws
        self.session = session
        self.pending: dict[str, str] = {}
        self.wake = asyncio.Event()
        self.closing = False

    def put(self, key: str, text: str) -> bool:
        """Queue (or replace) a message; False when the page is too far behind."""
        if key in self.pending:
            del self.pending[key]  # a newer state goes to the back, after the events queued before it
        self.pending[key] = text
        self.wake.set()
        return len(self.pending) <= MAX_PENDING

    async def pump(self) -> None:
        while not self.closing:
            await self.wake.wait()
            self.wake.clear()
            batch, self.pending = self.pending, {}
            for text in batch.values():
                if self.ws.closed:
                    return
                await self.ws.send_str(text)


class Hub:
    """Fans the room's and the hearing's changes out to every connected page."""

    def __init__(self, room: Room, hearing: HearingService, origin_ok: Callable[[web.Request], bool]) -> None:
        self.room = room
        self.hearing = hearing
        self.origin_ok = origin_ok
        self.clients: set[Client] = set()
        self._dirty: set[str] = set()
        self._hearing_dirty = False
        self._flush_handle: asyncio.Handle | None = None
        self._seq = itertools.count()
        self._closing: set[asyncio.Future[Any]] = set()

    # -- hooks (called on the loop by the room and the hearing) --------------------------------------------
    def device_changed(self, device_id: str) -> None:
        self._dirty.add(device_id)
        self._schedule()

    def hearing_changed(self) -> None:
        self._hearing_dirty = True
        self._schedule()

    def hearing_event(self, event: HearingEvent) -> None:
        text = encode({"type": "hearing_event", "event": event.model_dump()})
        self._send(f"ev:{next(self._seq)}", text, lambda c: event_visible(c.session.role, event))
        if event.event == "mark":
            self.hearing_changed()  # the mark count changed

    def device_event(self, device_id: str, event: DeviceEvent) -> None:
        text = encode({"type": "device_event", "id": device_id, "event": event.model_dump()})
        self._send(f"ev:{next(self._seq)}", text, lambda c: c.session.role != "judge")

    def meter(self, device_id: str, levels: dict[str, float | None]) -> None:
        """Level meters of one device: coalesced, so a slow page skips frames instead of lagging."""
        text = encode({"type": "meter", "id": device_id, "levels": levels, "ts": now_ms()})
        self._send(f"meter:{device_id}", text, lambda _c: True)

    def broadcast(self, key: str, message: dict[str, Any]) -> None:
        """A message to every page (the newest of one ``key`` replaces an unsent older one)."""
        self._send(key, encode(message), lambda _c: True)

    def _schedule(self) -> None:
        if self._flush_handle is None and self.clients:
            self._flush_handle = asyncio.get_running_loop().call_soon(self._flush)
        elif not self.clients:
            self._dirty.clear()
            self._hearing_dirty = False

    def _flush(self) -> None:
        self._flush_handle = None
        dirty, self._dirty = self._dirty, set()
        for device_id in dirty:
            text = encode({"type": "device", **device_view(self.room, device_id)})
            self._send(f"device:{device_id}", text, lambda _c: True)
        if self._hearing_dirty:
            self._hearing_dirty = False
            text = encode({"type": "hearing", "state": self.hearing.state().model_dump()})
            self._send("hearing", text, lambda _c: True)

    def _send(self, key: str, text: str, visible: Callable[[Client], bool]) -> None:
        for client in list(self.clients):
            if visible(client) and not client.put(key, text):
                log.warning(
                    "console: %s's page is %d messages behind: disconnecting it", client.session.user, MAX_PENDING
                )
                self._drop(client, WSCloseCode.TRY_AGAIN_LATER, "too far behind")

    # -- connections ---------------------------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.StreamResponse:
        session = request[SESSION]
        if not self.origin_ok(request):
            raise web.HTTPForbidden(
                text=encode({"error": {"code": "FORBIDDEN", "message": "WebSocket from a foreign origin refused"}}),
                content_type="application/json",
            )
        ws = web.WebSocketResponse(heartbeat=20.0, max_msg_size=4096)
        await ws.prepare(request)
        client = Client(ws, session)
        self.clients.add(client)
        client.put("snapshot", encode({"type": "snapshot", **room_snapshot(self.room, self.hearing)}))
        pump = asyncio.create_task(client.pump(), name=f"console-ws:{session.user}")
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT and msg.data == '{"type":"ping"}':
                    client.put(f"pong:{next(self._seq)}", encode({"type": "pong", "ts": now_ms()}))
                elif msg.type == WSMsgType.ERROR:
                    break
        finally:
            self.clients.discard(client)
            client.closing = True
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionError):
                await pump
        return ws

    def _drop(self, client: Client, code: int, reason: str) -> None:
        self.clients.discard(client)
        client.closing = True
        task = asyncio.ensure_future(client.ws.close(code=code, message=reason.encode()))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def end_session(self, token: str, reason: str) -> None:
        """Close the pages of a session that ended (logout)."""
        for client in [c for c in self.clients if c.session.token == token]:
            await self._close(client, reason)

    async def close_all(self, reason: str = "server stopping") -> None:
        for client in list(self.clients):
            await self._close(client, reason, WSCloseCode.GOING_AWAY)
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        await asyncio.gather(*self._closing, return_exceptions=True)

    async def close_expired(self, alive: Callable[[str], bool]) -> None:
        """Close the pages whose session expired."""
        for client in [c for c in self.clients if not alive(c.session.token)]:
            await self._close(client, "session expired")

    async def _close(self, client: Client, reason: str, code: int = CLOSE_SESSION_ENDED) -> None:
        self.clients.discard(client)
        client.closing = True
        with contextlib.suppress(ConnectionError, RuntimeError):
            await client.ws.send_str(encode({"type": "bye", "reason": reason}))
        with contextlib.suppress(ConnectionError, RuntimeError):
            await client.ws.close(code=code, message=reason.encode())
