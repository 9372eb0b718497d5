"""`courtroom console-user add|remove|list`: the console's users file, edited from the command line.

The password is read from standard input when it is not a terminal (one line), else asked twice with getpass; it
is stored as a scrypt hash with its salt and parameters. The file is written whole to a temporary file and
renamed over the old one, readable by its owner only.
"""

from __future__ import annotations

import argparse
import getpass
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

from controller.config import RoomConfig
from controller.console.auth import MIN_PASSWORD_LENGTH, ROLES, USER_NAME_PATTERN, hash_password, read_users
from drivers.errors import ConfigError

DEFAULT_CONFIG = Path("/etc/courtroom/room.yaml")
HEADER = "# Clerk console users (courtroom console-user add NAME --role ...): role and scrypt password hash.\n"


def users_path(config: RoomConfig) -> Path:
    """Where a room keeps its console users."""
    return config.console.users_file or config.state_dir / "console-users.yaml"


def write_users(path: Path, users: dict[str, dict[str, Any]]) -> None:
    """Replace the users file atomically (mode 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = HEADER + yaml.safe_dump({"users": users}, allow_unicode=True, sort_keys=True)
    fd, tmp = tempfile.mkstemp(prefix=".console-users-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(body)
            out.flush()
            os.fsync(out.fileno())
        Path(tmp).chmod(0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def add_user(path: Path, name: str, role: str, password: str, display_name: str = "") -> bool:
    """Add or replace a user; True when the name was new."""
    if not re.match(USER_NAME_PATTERN, name):
        raise ConfigError(f"user name '{name}': use letters, digits, _ . - (at most 32, starting with a letter/digit)")
    if role not in ROLES:
        raise ConfigError(f"role '{role}': one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ConfigError(f"password: at least {MIN_PASSWORD_LENGTH} characters")
    current = {n: u.model_dump() for n, u in read_users(path).users.items()}
    new = name not in current
    current[name] = {"role": role, "password": hash_password(password), "name": display_name}
    write_users(path, current)
    return new


def remove_user(path: Path, name: str) -> bool:
    current = {n: u.model_dump() for n, u in read_users(path).users.items()}
    if current.pop(name, None) is None:
        return False
    write_users(path, current)
    return True


def _read_password(prompt_twice: bool) -> str:
    if not sys.stdin.isatty():
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    first = getpass.getpass("password: ")
    if prompt_twice and getpass.getpass("again: ") != first:
        raise ConfigError("the two passwords differ")
    return first


def _target(args: argparse.Namespace) -> Path:
    if args.users_file is not None:
        path: Path = args.users_file
        return path
    from controller.config import load_config

    return users_path(load_config(args.config or DEFAULT_CONFIG))


def _cmd_console_user(args: argparse.Namespace) -> int:
    path = _target(args)
    if args.user_command == "add":
        new = add_user(path, args.name, args.role, _read_password(True), args.display_name)
        print(f"{path}: {'added' if new else 'replaced'} {args.name} ({args.role})")
        return 0
    if args.user_command == "remove":
        if not remove_user(path, args.name):
            print(f"{path}: no user '{args.name}'", file=sys.stderr)
            return 1
        print(f"{path}: removed {args.name}")
        return 0
    for name, user in sorted(read_users(path).users.items()):
        print(f"{name:<24} {user.role:<11} {user.name}")
    return 0


def add_user_parser(subparsers: Any) -> None:
    """Add ``console-user`` to the `courtroom` command's subparsers."""
    p = subparsers.add_parser("console-user", help="add, remove or list the clerk console's users")
    sub = p.add_subparsers(dest="user_command", required=True)
    add = sub.add_parser("add", help="add NAME (or set a new password); the password comes from stdin or a prompt")
    add.add_argument("name")
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument("--display-name", default="", help="the name the page shows, e.g. 张书记员")
    rm = sub.add_parser("remove", help="remove NAME")
    rm.add_argument("name")
    ls = sub.add_parser("list", help="list the users and their roles")
    for q in (add, rm, ls):
        where = q.add_mutually_exclusive_group()
        where.add_argument("--users-file", type=Path, help="the users file itself")
        where.add_argument(
            "--config", type=Path, help=f"room config: its console.users_file or state_dir (default {DEFAULT_CONFIG})"
        )
    p.set_defaults(func=_cmd_console_user)
