"""Console users: scrypt hashes, the users file, `courtroom console-user`, sessions and their expiry."""

from __future__ import annotations

import argparse
import io
import stat
from pathlib import Path

import pytest

from controller.config import parse_config
from controller.console.auth import SessionStore, UserStore, hash_password, read_users, verify_password
from controller.console.users import add_user, add_user_parser, remove_user, users_path
from drivers.errors import ConfigError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="courtroom")
    add_user_parser(parser.add_subparsers(dest="command", required=True))
    return parser


def test_scrypt_hashes_verify_and_keep_their_parameters() -> None:
    stored = hash_password("法庭-secret-1", n=2**12)
    scheme, n, r, p, _salt, _digest = stored.split("$")
    assert (scheme, n, r, p) == ("scrypt", "4096", "8", "1")
    assert verify_password("法庭-secret-1", stored)
    assert not verify_password("法庭-secret-2", stored)
    assert hash_password("same", n=2**10) != hash_password("same", n=2**10)  # a fresh salt each time
    for bad in ("", "plain", "scrypt$x$8$1$AA==$AA==", "bcrypt$1$2$3$4$5", "scrypt$1024$8$1$!!$AA=="):
        assert not verify_password("anything", bad)


def test_the_command_adds_replaces_lists_and_removes_users(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    users = tmp_path / "etc" / "console-users.yaml"
    monkeypatch.setattr("sys.stdin", io.StringIO("first-password\n"))
    args = _parser().parse_args(["console-user", "add", "zhang", "--role", "clerk", "--users-file", str(users)])
    assert args.func(args) == 0
    assert "added zhang (clerk)" in capsys.readouterr().out
    assert stat.S_IMODE(users.stat().st_mode) == 0o600
    record = read_users(users).users["zhang"]
    assert record.role == "clerk"
    assert verify_password("first-password", record.password)
    assert "first-password" not in users.read_text()

    monkeypatch.setattr("sys.stdin", io.StringIO("second-password\n"))
    args = _parser().parse_args(["console-user", "add", "zhang", "--role", "judge", "--users-file", str(users)])
    assert args.func(args) == 0
    assert "replaced zhang (judge)" in capsys.readouterr().out
    assert verify_password("second-password", read_users(users).users["zhang"].password)

    args = _parser().parse_args(["console-user", "list", "--users-file", str(users)])
    assert args.func(args) == 0
    assert capsys.readouterr().out.split() == ["zhang", "judge"]
    args = _parser().parse_args(["console-user", "remove", "zhang", "--users-file", str(users)])
    assert args.func(args) == 0
    assert read_users(users).users == {}
    assert not remove_user(users, "zhang")
    with pytest.raises(SystemExit):
        _parser().parse_args(["console-user", "add", "li", "--role", "admin", "--users-file", str(users)])


def test_bad_names_passwords_and_files_are_refused(tmp_path: Path) -> None:
    users = tmp_path / "users.yaml"
    with pytest.raises(ConfigError, match="user name"):
        add_user(users, "../etc", "clerk", "long-enough-1")
    with pytest.raises(ConfigError, match="at least 8"):
        add_user(users, "li", "clerk", "short")
    users.write_text("users:\n  li: {role: janitor, password: 'scrypt$1'}\n")
    with pytest.raises(ConfigError, match=r"users\.li\.role"):
        read_users(users)
    users.write_text("users: [1, 2\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        read_users(users)
    assert read_users(tmp_path / "missing.yaml").users == {}


def test_the_room_config_says_where_the_users_are(tmp_path: Path) -> None:
    config = parse_config({"room": {"id": "r1"}, "state_dir": str(tmp_path)})
    assert users_path(config) == tmp_path / "console-users.yaml"
    config = parse_config({"room": {"id": "r1"}, "console": {"users_file": str(tmp_path / "u.yaml")}})
    assert users_path(config) == tmp_path / "u.yaml"


async def test_a_user_added_while_running_can_log_in(tmp_path: Path) -> None:
    users = tmp_path / "users.yaml"
    store = UserStore(users)
    assert await store.authenticate("wang", "password-1") is None
    add_user(users, "wang", "technician", "password-1", display_name="王工")
    assert await store.authenticate("wang", "password-1") == ("wang", "technician", "王工")
    assert await store.authenticate("wang", "password-2") is None


def test_sessions_expire() -> None:
    now = [1000.0]
    sessions = SessionStore(60.0, clock=lambda: now[0])
    session = sessions.create("li", "judge", "李法官")
    assert sessions.get(session.token) is session
    assert session.actor == "console:li"
    assert (session.operator.id, session.operator.name, session.operator.role) == ("console:li", "李法官", "judge")
    assert not session.may("hearing")
    now[0] += 61
    assert sessions.get(session.token) is None
    assert sessions.count() == 0
    assert sessions.get(None) is None


def test_sessions_are_bounded_by_count_per_user_and_in_total() -> None:
    sessions = SessionStore(3600.0, per_user=3, total=5)
    li = [sessions.create("li", "judge") for _ in range(10)]
    # the newest three of li's logins live; the seven before were ended, oldest first
    assert [sessions.get(s.token) is not None for s in li] == [False] * 7 + [True] * 3
    assert sessions.count() == 3
    others = [sessions.create(f"user{i}", "clerk") for i in range(4)]
    # five at most: li's oldest live session went first, then li's next
    assert sessions.count() == 5
    assert all(sessions.get(s.token) is not None for s in others)
    assert [sessions.get(s.token) is not None for s in li[-3:]] == [False, False, True]
    for i in range(100_000):
        sessions.create(f"name{i}", "viewer")
    assert sessions.count() == 5
