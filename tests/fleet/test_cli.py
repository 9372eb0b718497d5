"""`courtroom fleet` on the command line: users, and the errors a technician meets first."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from controller.fleet.users import FleetAuth


def courtroom(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "controller.cli", "fleet", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_users_are_added_listed_and_checked(tmp_path: Path) -> None:
    users = tmp_path / "fleet-users.yaml"
    out = courtroom("--users", str(users), "user", "add", "tech1", "--role", "technician", stdin="tech-password-1\n")
    assert out.returncode == 0, out.stderr
    assert f"{users.stat().st_mode & 0o777:o}" == "600"
    courtroom("--users", str(users), "user", "add", "view1", "--role", "viewer", stdin="view-password-1\n")
    listed = courtroom("--users", str(users), "user", "list")
    assert listed.stdout.split() == ["tech1", "technician", "view1", "viewer"]
    auth = FleetAuth(users)
    assert auth.check("tech1", "tech-password-1") == "technician"
    assert auth.check("tech1", "wrong") is None and auth.check("nobody", "tech-password-1") is None
    short = courtroom("--users", str(users), "user", "add", "x", "--role", "viewer", stdin="short\n")
    assert short.returncode == 1 and "password: at least" in short.stderr


def test_errors_are_one_line(tmp_path: Path) -> None:
    cases = [
        (["--users", str(tmp_path / "none.yaml"), "--broker", "127.0.0.1:1"], "fleet: no users in"),
        (["--broker", "nowhere"], "--broker 'nowhere': expected HOST:PORT"),
        (["status"], "give --broker HOST:PORT"),
    ]
    for args, message in cases:
        out = courtroom(*args)
        assert out.returncode == 1, (args, out.stdout)
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 1 and message in lines[0], (args, out.stderr)
