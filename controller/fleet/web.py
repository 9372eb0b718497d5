"""The fleet view's web page: a tile per room (aiohttp), behind HTTP Basic authentication.

``GET /`` the page; ``GET /api/fleet`` every room's summary (the page asks every second); ``POST
/api/rooms/<room>/republish`` (technician) asks the room to publish its retained set again. The page uses the
clerk console's style sheet, served from the console's package, and its own few rules.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import re
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

from controller.config import ROOM_ID_PATTERN
from controller.eventloop import cancel_and_wait
from controller.fleet.model import FleetModel, now_ms
from controller.fleet.service import CentralBroker, FleetService
from controller.fleet.users import FleetAuth, read_fleet_users
from drivers.errors import ConfigError, CourtroomError, ErrorCode

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
CONSOLE_CSS = Path(__file__).resolve().parent.parent / "console" / "static" / "style.css"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
USER = web.RequestKey("fleet_user", tuple)  # (name, role), set by the authentication middleware
REALM = 'Basic realm="courtroom fleet", charset="UTF-8"'


class FleetWeb:
    def __init__(self, model: FleetModel, service: FleetService, auth: FleetAuth) -> None:
        self.model = model
        self.service = service
        self.auth = auth
        self.app = web.Application(middlewares=[self._authenticate])
        self.app.add_routes(
            [
                web.get("/", self._page),
                web.get("/static/console.css", self._console_css),
                web.get("/static/{name}", self._static),
                web.get("/api/fleet", self._fleet),
                web.post("/api/rooms/{room}/republish", self._republish),
            ]
        )
        self.runner: web.AppRunner | None = None
        self.url: str | None = None

    @web.middleware
    async def _authenticate(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        header = request.headers.get("Authorization", "")
        role = None
        name = ""
        if header.startswith("Basic "):
            try:
                name, _, password = base64.b64decode(header[6:], validate=True).decode("utf-8").partition(":")
            except (binascii.Error, UnicodeDecodeError):
                name, password = "", ""
            role = await asyncio.to_thread(self.auth.check, name, password) if name else None
        if role is None:
            return web.Response(status=401, headers={"WWW-Authenticate": REALM}, text="fleet view: log in\n")
        request[USER] = (name, role)
        return await handler(request)

    async def _page(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(STATIC / "fleet.html", headers={"Cache-Control": "no-store"})

    async def _console_css(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(CONSOLE_CSS)

    async def _static(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        if not re.fullmatch(r"[a-z]+\.(js|css)", name) or not (STATIC / name).is_file():
            raise web.HTTPNotFound(text=f"no such file: {name}")
        return web.FileResponse(STATIC / name)

    async def _fleet(self, request: web.Request) -> web.StreamResponse:
        user, role = request[USER]
        return web.json_response(
            {
                "now_ms": now_ms(),
                "user": user,
                "role": role,
                "connected_to": self.service.connected_to,
                "stale_after_s": self.model.stale_after_ms / 1000,
                "rooms": self.model.snapshot(),
            }
        )

    async def _republish(self, request: web.Request) -> web.StreamResponse:
        user, role = request[USER]
        if role != "technician":
            return _error(403, "FORBIDDEN", f"{user} ({role}) may not ask a room to republish: technicians only")
        if request.content_type != "application/json":  # a cross-site form cannot send this type
            return _error(415, "BAD_REQUEST", "send Content-Type: application/json")
        room = request.match_info["room"]
        if not re.match(ROOM_ID_PATTERN, room) or room not in self.model.rooms:
            return _error(404, "NOT_FOUND", f"no room '{room}' has reported")
        try:
            request_id = await self.service.republish(room, f"fleet:{user}")
        except CourtroomError as exc:
            return _error(503, "UNAVAILABLE", str(exc))
        log.info("fleet: %s asked %s to republish (%s)", user, room, request_id)
        return web.json_response({"status": "ok", "request_id": request_id})

    async def start(self, host: str, port: int) -> None:
        self.runner = web.AppRunner(self.app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, host, port)
        await site.start()
        bound = self.runner.addresses[0]
        self.url = f"http://{bound[0]}:{bound[1]}/"

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None


def _error(status: int, code: ErrorCode, message: str) -> web.Response:
    return web.json_response({"status": "error", "error": {"code": code, "message": message}}, status=status)


async def serve(central: CentralBroker, users: Path, host: str, port: int, stale_after_s: float) -> int:
    """`courtroom fleet`: the view until SIGTERM/SIGINT."""
    auth = FleetAuth(users)
    if not read_fleet_users(users):  # a bad users file is a start-up error too
        raise ConfigError(
            f"fleet: no users in {users}: add one with "
            f"`courtroom fleet user add NAME --role technician --users {users}`"
        )
    model = FleetModel(stale_after_s)
    service = FleetService(model, central)
    page = FleetWeb(model, service, auth)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    task = asyncio.create_task(service.run(), name="fleet-mqtt")
    await page.start(host, port)
    print(f"fleet view at {page.url} (central {', '.join(f'{h}:{p}' for h, p in central.addresses)})", flush=True)
    try:
        await stop.wait()
    finally:
        await page.stop()
        await cancel_and_wait([task])
    return 0
