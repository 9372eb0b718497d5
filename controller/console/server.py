"""The clerk console's web server, inside the daemon: static page, JSON API, one WebSocket.

``start_console()`` binds ``console.host:console.port`` (127.0.0.1:8080 by default; port 0 takes a free port) and
subscribes the console to the room's event bus (devices and hearing), and unsubscribes it at its stop.

Security: nothing but the login page and its assets is served without a session; sessions are HttpOnly,
SameSite=Strict cookies; a request that changes anything must come from the console's own origin (or one of
``console.allowed_origins``) and carry JSON, and so must the WebSocket handshake; when the console is bound to
one address, a request naming another host is refused (DNS rebinding); every page has a strict CSP.
"""

from __future__ import annotations

import asyncio
import importlib.resources
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from controller import texts
from controller.config import RoomConfig
from controller.console.api import SESSION_COOKIE, Api, ApiError
from controller.console.auth import SESSION, SessionStore, UserStore
from controller.console.replay import Replay
from controller.console.users import users_path
from controller.console.ws import Hub
from controller.events import (
    AvailabilityChanged,
    DeviceEventRaised,
    HearingChanged,
    HearingEventRaised,
    MetersRead,
    StateChanged,
)
from controller.hearing.service import HearingService
from controller.journal import Journal
from controller.room import Room
from controller.signing import RoomKey
from drivers.errors import ConfigError, CourtroomError

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

PUBLIC_ASSETS = frozenset({"login.html", "login.js", "style.css", "i18n.js", "texts.js", "favicon.svg"})
CONTENT_TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
)
WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", ""})
LOCAL_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
REAP_INTERVAL_S = 30.0
MAX_BODY_BYTES = 64 * 1024


def load_assets() -> dict[str, tuple[bytes, str]]:
    """Every file of ``static/``: name -> (body, content type); read once, at start."""
    root = importlib.resources.files("controller.console") / "static"
    assets = {}
    for item in root.iterdir():
        suffix = Path(item.name).suffix
        if item.is_file() and suffix in CONTENT_TYPES:
            assets[item.name] = (item.read_bytes(), CONTENT_TYPES[suffix])
    assets["texts.js"] = (texts.javascript().encode("utf-8"), CONTENT_TYPES[".js"])  # the shared catalogue
    return assets


def flatten_meter(levels: dict[str, Any]) -> dict[str, float | None]:
    """``{"seats": {name: {channel, rms_dbfs, speaking}}}`` keyed by each seat's channel, the number a room
    seat's ``mics`` entry names: ``{"3": -20.5, "3:speaking": 1.0}``, as the page looks them up."""
    seats = levels.get("seats", {})
    flat: dict[str, float | None] = {}
    for seat in seats.values() if isinstance(seats, dict) else ():
        number = seat.get("channel") if isinstance(seat, dict) else None
        if isinstance(number, int):
            flat[str(number)] = seat.get("rms_dbfs")
            flat[f"{number}:speaking"] = 1.0 if seat.get("speaking") else 0.0
    return flat


class ConsoleServer:
    """The console of one room; ``await start()``, then ``url``; ``await stop()``."""

    def __init__(self, config: RoomConfig, room: Room, hearing: HearingService, journal: Journal) -> None:
        self.config = config.console
        self.room = room
        self.hearing = hearing
        self.journal = journal
        self.users = UserStore(users_path(config))
        self.sessions = SessionStore(self.config.session_hours * 3600)
        self.hub = Hub(room, hearing, self.origin_ok)
        self.api = Api(room, hearing, journal, self.config, self.users, self.sessions, self.hub)
        self._key_path = config.signing_key_path
        self.url: str | None = None
        self._assets: dict[str, tuple[bytes, str]] = {}
        self._runner: web.AppRunner | None = None
        self._reaper: asyncio.Task[None] | None = None
        self.extra_routes: list[web.RouteDef] = []  # room services' parts of the API (the schedule, the stream)
        bound = self.config.host
        self._hosts: frozenset[str] | None = None
        if bound not in WILDCARD_HOSTS:
            extra = {urlsplit(o).hostname or "" for o in self.config.allowed_origins}
            self._hosts = frozenset({bound.lower(), *LOCAL_NAMES, *extra} - {""})

    # -- life ----------------------------------------------------------------------------------------------
    async def start(self) -> None:
        self._assets = await asyncio.to_thread(load_assets)
        if self._key_path.exists():  # the daemon made it at start; a console without it exports unverified
            try:
                self.api.public_key = (await asyncio.to_thread(RoomKey.load, self._key_path)).public
            except CourtroomError as exc:
                log.error("console: %s", exc)
        users = await self.users.load()
        if not users.users:
            log.warning("console: no users in %s: add one with `courtroom console-user add`", self.users.path)
        app = web.Application(
            middlewares=[self._headers, self._errors, self._authenticate, self._same_origin],
            client_max_size=MAX_BODY_BYTES,
        )
        app.add_routes(self.api.routes())
        app.add_routes(self.extra_routes)
        app.add_routes(Replay(self.room, self.journal, lambda: self._file("replay.html")).routes())
        app.add_routes(
            [
                web.get("/", self._index),
                web.get("/login", self._login_page),
                web.get("/static/{name}", self._asset),
                web.get("/ws", self.hub.handle),
            ]
        )
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.config.host, self.config.port)
        try:
            await site.start()
        except OSError as exc:
            await self._runner.cleanup()
            self._runner = None
            where = f"{self.config.host}:{self.config.port}"
            raise ConfigError(f"console: cannot listen on {where}: {exc.strerror or exc} (console.host/port)") from exc
        address = self._runner.addresses[0]
        host = address[0] if ":" not in address[0] else f"[{address[0]}]"
        self.url = f"http://{host}:{address[1]}/"
        self._hook()
        self._reaper = asyncio.create_task(self._reap(), name="console-sessions")
        log.info("clerk console at %s (users: %s)", self.url, self.users.path)

    async def stop(self) -> None:
        self._unhook()
        if self._reaper is not None:
            self._reaper.cancel()
            await asyncio.gather(self._reaper, return_exceptions=True)
            self._reaper = None
        await self.hub.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _reap(self) -> None:
        while True:
            await asyncio.sleep(REAP_INTERVAL_S)
            await self.hub.close_expired(lambda token: self.sessions.get(token) is not None)

    # -- the room's events ------------------------------------------------------------------------------
    def _hook(self) -> None:
        bus = self.room.bus
        bus.subscribe("console", AvailabilityChanged, lambda e: self.hub.device_changed(e.device_id))
        bus.subscribe("console", StateChanged, lambda e: self.hub.device_changed(e.device_id))
        bus.subscribe("console", DeviceEventRaised, lambda e: self.hub.device_event(e.device_id, e.event))
        bus.subscribe("console", MetersRead, lambda e: self._device_meter(e.device_id, e.levels))
        bus.subscribe("console", HearingChanged, lambda _e: self.hub.hearing_changed())
        bus.subscribe("console", HearingEventRaised, lambda e: self.hub.hearing_event(e.event))

    def _unhook(self) -> None:
        self.room.bus.unsubscribe("console")

    def _device_meter(self, device_id: str, levels: dict[str, Any]) -> None:
        """An audio input's levels as the page reads them: by the channel number a room seat's ``mics`` entry
        names (the meter carries it), RMS in dBFS."""
        flat = flatten_meter(levels)
        if flat:
            self.meter(device_id, flat)

    def meter(self, device_id: str, levels: dict[str, float | None]) -> None:
        """Push level meters of one device to the pages (audio inputs, up to 10 Hz)."""
        self.hub.meter(device_id, levels)

    # -- origin --------------------------------------------------------------------------------------------
    def origin_ok(self, request: web.Request) -> bool:
        """The Origin header is the console's own origin or an allowed one."""
        origin = request.headers.get("Origin")
        if origin is None:
            return False
        return origin == f"{request.scheme}://{request.host}" or origin in self.config.allowed_origins

    def _host_ok(self, request: web.Request) -> bool:
        if self._hosts is None:
            return True
        name = urlsplit(f"//{request.host}").hostname or ""
        return name.lower() in self._hosts

    # -- middlewares ---------------------------------------------------------------------------------------
    @web.middleware
    async def _errors(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except ApiError as exc:
            return exc.response()
        except web.HTTPRequestEntityTooLarge:
            return ApiError("BAD_REQUEST", f"request body too large (at most {MAX_BODY_BYTES} bytes)", 413).response()
        except web.HTTPException as exc:
            if exc.status >= 400 and request.path.startswith("/api/"):
                return ApiError("NOT_FOUND" if exc.status == 404 else "BAD_REQUEST", exc.reason, exc.status).response()
            raise
        except Exception:
            log.exception("console: %s %s", request.method, request.path)
            return ApiError("INTERNAL", "internal error (logged by the daemon)", 500).response()

    @web.middleware
    async def _headers(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if not self._host_ok(request):
            response: web.StreamResponse = ApiError(
                "BAD_REQUEST", f"this console does not answer to host '{request.host}'", 421
            ).response()
        else:
            response = await handler(request)
        if not response.prepared:
            response.headers.setdefault("Content-Security-Policy", CSP)
            response.headers.setdefault("X-Content-Type-Options", "nosniff")
            response.headers.setdefault("Referrer-Policy", "no-referrer")
            response.headers.setdefault("X-Frame-Options", "DENY")
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @web.middleware
    async def _authenticate(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        public = (
            request.path == "/login"
            or (request.path == "/api/login" and request.method == "POST")
            or (request.path.startswith("/static/") and request.match_info.get("name") in PUBLIC_ASSETS)
        )
        session = self.sessions.get(request.cookies.get(SESSION_COOKIE))
        if session is not None:
            request[SESSION] = session
        elif not public:
            if request.path.startswith("/api/") or request.path == "/ws":
                raise ApiError("UNAUTHENTICATED", "log in first")
            raise web.HTTPFound("/login")
        return await handler(request)

    @web.middleware
    async def _same_origin(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """A request that changes something (any POST) must come from the console's own page."""
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            if request.headers.get("Sec-Fetch-Site") in ("cross-site", "same-site"):
                raise ApiError("FORBIDDEN", "cross-site request refused")
            if "Origin" in request.headers and not self.origin_ok(request):
                raise ApiError("FORBIDDEN", f"request from origin '{request.headers['Origin']}' refused")
        return await handler(request)

    # -- pages ---------------------------------------------------------------------------------------------
    def _file(self, name: str) -> web.Response:
        found = self._assets.get(name)
        if found is None:
            raise web.HTTPNotFound()
        body, content_type = found
        return web.Response(body=body, content_type=content_type, charset="utf-8")

    async def _index(self, _request: web.Request) -> web.Response:
        return self._file("index.html")

    async def _login_page(self, request: web.Request) -> web.StreamResponse:
        if SESSION in request:
            raise web.HTTPFound("/")
        return self._file("login.html")

    async def _asset(self, request: web.Request) -> web.Response:
        return self._file(request.match_info["name"])


async def start_console(
    config: RoomConfig,
    room: Room,
    hearing: HearingService,
    journal: Journal,
    extra_routes: list[web.RouteDef] | None = None,
) -> ConsoleServer:
    """Start the room's console (unless ``console.enabled`` is false: then ``url`` stays None)."""
    server = ConsoleServer(config, room, hearing, journal)
    server.extra_routes = list(extra_routes or [])
    if config.console.enabled:
        await server.start()
    return server
