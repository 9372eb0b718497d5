"""The fleet view's users: a YAML file ``users: {name: {role: viewer|technician, password: scrypt$...}}``
(0600), the console's password hashing. ``viewer`` sees every room; ``technician`` may also ask a room to
republish its state."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from controller.console.auth import MIN_PASSWORD_LENGTH, USER_NAME_PATTERN, hash_password, verify_password
from drivers.errors import ConfigError
from drivers.validation import validation_lines

FleetRole = Literal["viewer", "technician"]
HEADER = "# Fleet view users (courtroom fleet user add NAME --role viewer|technician): role and scrypt hash.\n"


class FleetUser(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    role: FleetRole
    password: str = Field(pattern=r"^scrypt\$")


def read_fleet_users(path: Path) -> dict[str, FleetUser]:
    """The users; a missing file has none; a bad one is a ConfigError naming the key."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        return {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    raw = data.get("users", {}) if isinstance(data, dict) else None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: users: expected a mapping of name -> {{role, password}}")
    users = {}
    for name, record in raw.items():
        if not re.match(USER_NAME_PATTERN, str(name)):
            raise ConfigError(f"{path}: users.{name}: not a valid user name")
        try:
            users[str(name)] = FleetUser.model_validate(record)
        except ValidationError as exc:
            lines = validation_lines(exc, source=str(path), prefix=f"users.{name}", root=FleetUser, data=record)
            raise ConfigError("; ".join(lines)) from None
    return users


def add_fleet_user(path: Path, name: str, role: str, password: str) -> None:
    if not re.match(USER_NAME_PATTERN, name):
        raise ConfigError(f"user name '{name}': use letters, digits, _ . - (at most 32, starting with a letter/digit)")
    if role not in ("viewer", "technician"):
        raise ConfigError(f"role '{role}': viewer or technician")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ConfigError(f"password: at least {MIN_PASSWORD_LENGTH} characters")
    users = {n: u.model_dump() for n, u in read_fleet_users(path).items()}
    users[name] = {"role": role, "password": hash_password(password)}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".fleet-users-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(HEADER + yaml.safe_dump({"users": users}, sort_keys=True))
        Path(tmp).chmod(0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class FleetAuth:
    """Checks HTTP Basic credentials; a verified (name, password) is remembered (scrypt takes tens of ms, and
    the page asks every second) until the file changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._mtime: float | None = None
        self._users: dict[str, FleetUser] = {}
        self._verified: dict[tuple[str, bytes], FleetRole] = {}

    def _reload(self) -> None:
        try:
            mtime = self.path.stat().st_mtime
        except FileNotFoundError:
            mtime = None
        if mtime != self._mtime or self._mtime is None:
            self._users = read_fleet_users(self.path)
            self._mtime = mtime
            self._verified.clear()

    def check(self, name: str, password: str) -> FleetRole | None:
        """The user's role, or None. Blocking (scrypt): call it in a thread."""
        self._reload()
        key = (name, hashlib.sha256(password.encode()).digest())
        if key in self._verified:
            return self._verified[key]
        user = self._users.get(name)
        if user is None or not verify_password(password, user.password):
            return None
        self._verified[key] = user.role
        return user.role
