"""`courtroom ctl` when something is wrong on the technician's side: one line saying what and how to fix it, exit 2."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from controller.cli import main
from controller.localbroker import LocalBroker, free_port
from tests.e2e.conftest import EXAMPLE, ROOM_ID, ROOM_PASSWORD


@pytest.fixture
def users_broker(tmp_path: Path) -> Iterator[LocalBroker]:
    b = LocalBroker(tmp_path / "broker", users={ROOM_ID: ROOM_PASSWORD})
    b.start()
    yield b
    b.stop()


def _config(tmp_path: Path, port: int, password: str) -> Path:
    data = yaml.safe_load(EXAMPLE.read_text())
    secret = tmp_path / "password"
    secret.write_text(password)
    data["broker"] = {"host": "127.0.0.1", "port": port, "username": ROOM_ID, "password_file": str(secret)}
    path = tmp_path / "room.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


def _ctl(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """Run ``courtroom ctl ARGS``; assert exit 2 and one line on stderr; return that line."""
    try:
        code = main(["ctl", *args])
    except SystemExit as exc:  # argparse's own exit
        code = int(exc.code or 0)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    return err.strip()


def test_broker_down(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()
    config = _config(tmp_path, port, ROOM_PASSWORD)
    line = _ctl(capsys, "--config", str(config), "status")
    assert line.startswith(f"courtroom ctl: cannot reach the MQTT broker at 127.0.0.1:{port}")
    assert "is mosquitto running there?" in line and f"broker.host and broker.port in {config}" in line
    line = _ctl(capsys, "--room", ROOM_ID, "--port", str(port), "send", "cam-judge", "preset_recall", "preset=2")
    assert "cannot reach the MQTT broker" in line and "check --host and --port" in line


def test_wrong_password(tmp_path: Path, users_broker: LocalBroker, capsys: pytest.CaptureFixture[str]) -> None:
    config = _config(tmp_path, users_broker.port, "not-the-password")
    line = _ctl(capsys, "--config", str(config), "status")
    assert f"the broker at 127.0.0.1:{users_broker.port} refused user '{ROOM_ID}'" in line
    assert f"broker.username and broker.password_file in {config}" in line


def test_bad_arguments_and_no_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = _ctl(capsys, "status")
    assert line == (
        "courtroom ctl: which room? give --config ROOM.yaml (the room's config file), "
        "or --room ROOM_ID with --host and --port"
    )
    config = _config(tmp_path, free_port(), ROOM_PASSWORD)
    line = _ctl(capsys, "--config", str(config), "send", "cam-judge", "preset_recall", "preset")
    assert "'preset': parameters are written key=value" in line
    line = _ctl(capsys, "--config", str(config), "sned", "cam-judge")
    assert "invalid choice: 'sned'" in line and "see courtroom ctl --help" in line
    line = _ctl(capsys, "--config", str(config), "--port", "x", "status")
    assert "argument --port: invalid int value: 'x'" in line
    line = _ctl(capsys, "--config", str(tmp_path / "missing.yaml"), "status")
    assert f"{tmp_path / 'missing.yaml'}: cannot read" in line
    (tmp_path / "password").unlink()
    line = _ctl(capsys, "--config", str(config), "status")
    assert f"{config}: broker.password_file: cannot read" in line


def test_no_traceback_from_the_installed_command(tmp_path: Path) -> None:
    """The same through a real process: Python's own error output would show here."""
    config = _config(tmp_path, free_port(), ROOM_PASSWORD)
    proc = subprocess.run(
        [sys.executable, "-m", "controller.cli", "ctl", "--config", str(config), "status"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "cannot reach the MQTT broker" in proc.stderr
