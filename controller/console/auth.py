"""Console users, passwords and sessions.

Users live in a YAML file (``console.users_file``, default ``<state_dir>/console-users.yaml``) written by
``courtroom console-user add``; each has a role and a scrypt hash whose parameters are stored beside it. The file
is read again when it changes, so a user added on the command line can log in without a restart.

A session is a random token in a cookie (HttpOnly, SameSite=Strict), kept in memory only: a restart of the daemon
logs everybody out. What each role may do is ``PERMISSIONS``; every API and WebSocket request is checked against it.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml
from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from controller.journal import Actor
from drivers.errors import ConfigError
from drivers.validation import validation_lines

log = logging.getLogger(__name__)

ConsoleRole = Literal["clerk", "judge", "technician"]
ROLES: tuple[ConsoleRole, ...] = ("clerk", "judge", "technician")
Permission = Literal["view", "hearing", "device", "journal", "export", "diagnostics", "raw"]

PERMISSIONS: dict[str, frozenset[str]] = {
    # runs the hearing and drives the room's devices (the actions the page offers)
    "clerk": frozenset({"view", "hearing", "device", "journal", "export"}),
    # sees the state, the marks and the alarms: no control at all
    "judge": frozenset({"view", "export"}),
    # diagnostics, device details, the journal, any device action with any parameters
    "technician": frozenset({"view", "device", "journal", "export", "diagnostics", "raw"}),
}

SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SCRYPT_MAXMEM = 64 * 1024 * 1024
USER_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$"
MIN_PASSWORD_LENGTH = 8

MAX_PASSWORD_LENGTH = 1024  # scrypt of a megabyte "password" is work an attacker should not get for free


def hash_password(password: str, *, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> str:
    """``scrypt$<n>$<r>$<p>$<salt>$<hash>`` (base64), with a fresh random salt."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=SCRYPT_MAXMEM, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${n}${r}${p}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` matches a ``hash_password`` string; a malformed string never matches."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest, validate=True)
        got = hashlib.scrypt(
            password.encode("utf-8"),
            salt=base64.b64decode(salt, validate=True),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=SCRYPT_MAXMEM,
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


_DUMMY_HASH = hash_password(secrets.token_hex(8), n=2**10)  # verified for unknown names: no timing oracle


class UserRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    role: ConsoleRole
    password: str = Field(pattern=r"^scrypt\$")
    name: str = ""  # a display name, e.g. 张书记员


class UsersFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    users: dict[str, UserRecord] = Field(default_factory=dict)


def read_users(path: Path) -> UsersFile:
    """Parse a users file; a missing file is an empty one, a bad one a ConfigError naming the key."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return UsersFile()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    try:
        users = UsersFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError("; ".join(validation_lines(exc, source=str(path), root=UsersFile, data=data))) from None
    for name in users.users:
        if not re.match(USER_NAME_PATTERN, name):
            raise ConfigError(f"{path}: users.{name}: not a valid user name (letters, digits, _ . -; at most 32)")
    return users


class UserStore:
    """The users file, re-read (in a thread) when its modification time changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: tuple[int, int] | None = None
        self._users = UsersFile()

    def _load(self) -> UsersFile:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            self._stamp, self._users = None, UsersFile()
            return self._users
        stamp = (st.st_mtime_ns, st.st_size)
        if stamp != self._stamp:
            self._users = read_users(self.path)
            self._stamp = stamp
        return self._users

    async def load(self) -> UsersFile:
        return await asyncio.to_thread(self._load)

    async def authenticate(self, name: str, password: str) -> tuple[str, ConsoleRole, str] | None:
        """(name, role, display name) when the password is right; scrypt runs in a thread."""
        try:
            users = await self.load()
        except ConfigError as exc:
            log.error("console users: %s", exc)
            return None
        record = users.users.get(name)
        stored = record.password if record is not None else _DUMMY_HASH
        ok = await asyncio.to_thread(verify_password, password, stored)
        if record is None or not ok:
            return None
        return name, record.role, record.name


@dataclass
class Session:
    token: str
    user: str
    role: ConsoleRole
    expires: float  # time.monotonic()
    display_name: str = ""  # the users file's ``name`` (e.g. 张书记员), for the journal and the record

    @property
    def permissions(self) -> frozenset[str]:
        return PERMISSIONS[self.role]

    def may(self, permission: Permission) -> bool:
        return permission in PERMISSIONS[self.role]

    @property
    def actor(self) -> str:
        return f"console:{self.user}"

    @property
    def operator(self) -> Actor:
        """Who this session is, for the journal: the console user with display name and role."""
        return Actor(self.actor, name=self.display_name or self.user, role=self.role)


@dataclass
class SessionStore:
    """Live sessions by token (the login limits are controller/console/limits.py).

    Bounded by age (``lifetime_s``) and by count: a user keeps at most ``per_user`` live sessions and the console
    at most ``total``; a login beyond either ends the oldest session of that user (or of anybody, for the total),
    so logging in again and again from a script cannot grow the daemon, and the newest login always works.
    """

    lifetime_s: float
    clock: Callable[[], float] = time.monotonic
    per_user: int = 16
    total: int = 512
    _sessions: dict[str, Session] = field(default_factory=dict)  # insertion order = oldest first

    def _now(self) -> float:
        return self.clock()

    def create(self, user: str, role: ConsoleRole, display_name: str = "") -> Session:
        self._prune()
        mine = [token for token, s in self._sessions.items() if s.user == user]
        for token in mine[: max(0, len(mine) - self.per_user + 1)]:
            del self._sessions[token]
        while len(self._sessions) >= self.total:
            del self._sessions[next(iter(self._sessions))]
        session = Session(secrets.token_urlsafe(32), user, role, self._now() + self.lifetime_s, display_name)
        self._sessions[session.token] = session
        return session

    def get(self, token: str | None) -> Session | None:
        if not token:
            return None
        session = self._sessions.get(token)
        if session is None:
            return None
        if session.expires <= self._now():
            del self._sessions[token]
            return None
        return session

    def end(self, token: str) -> Session | None:
        return self._sessions.pop(token, None)

    def count(self) -> int:
        self._prune()
        return len(self._sessions)

    def _prune(self) -> None:
        now = self._now()
        for token in [t for t, s in self._sessions.items() if s.expires <= now]:
            del self._sessions[token]


SESSION = web.RequestKey("session", Session)  # set by the server's middleware on every request with a session
