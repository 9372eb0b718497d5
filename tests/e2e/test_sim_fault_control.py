"""Faults injected from outside into a simulator in its own process (`courtroom sim --control` and
`courtroom sim-fault`), seen by the daemon in a third one, as a technician would pull and replug a cable."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml

from controller.localbroker import LocalBroker
from tests.e2e.conftest import EXAMPLE, ROOM_ID, ROOM_PASSWORD, Daemon, Watcher


async def _courtroom(*args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "controller.cli", *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


@pytest.fixture
async def sim_process(tmp_path: Path) -> AsyncIterator[tuple[Path, int]]:
    """`courtroom sim` of the standard room with its fault control; yields (emitted config, control port)."""
    emitted = tmp_path / "room.yaml"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "controller.cli", "sim", str(EXAMPLE), "--emit-config", str(emitted),
        "--run-dir", str(tmp_path / "sim"), "--control", "0", "--files",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        port = None
        while port is None:
            line = json.loads(await asyncio.wait_for(proc.stdout.readline(), 30))
            port = line.get("control")
        yield emitted, int(port)
    finally:
        if proc.returncode is None:
            proc.terminate()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(proc.wait(), 15)
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0, "the simulator stops cleanly on SIGTERM"


async def test_a_device_unplugged_through_the_fault_control_goes_offline_and_comes_back(
    tmp_path: Path, sim_process: tuple[Path, int], broker: LocalBroker, watcher: Watcher
) -> None:
    config, port = sim_process
    data = yaml.safe_load(config.read_text())
    secret = tmp_path / "room-password"
    secret.write_text(ROOM_PASSWORD)
    data["broker"] = {"host": "127.0.0.1", "port": broker.port, "username": ROOM_ID, "password_file": str(secret)}
    data["state_dir"] = str(tmp_path / "state")
    data["console"] = {"port": 0}
    config.write_text(yaml.safe_dump(data, allow_unicode=True))
    daemon = Daemon(config, log_path=tmp_path / "daemon.log")
    await daemon.start()
    try:
        await watcher.wait_for("proj-evidence/availability", lambda p: p["state"] == "online", timeout=30)
        await watcher.wait_for("cam-judge/availability", lambda p: p["state"] == "online", timeout=30)
        mark = len(watcher.messages)  # each change waited for comes after the fault that causes it
        code, out, err = await _courtroom("sim-fault", "--control", str(port), "proj-evidence", "unplug")
        assert code == 0, err
        await watcher.wait_for("proj-evidence/availability", lambda p: p["state"] == "offline", timeout=30, start=mark)
        mark = len(watcher.messages)  # online again means after this
        code, out, err = await _courtroom("sim-fault", "--control", str(port), "proj-evidence", "replug")
        assert code == 0, err
        await watcher.wait_for("proj-evidence/availability", lambda p: p["state"] == "online", timeout=40, start=mark)

        # a camera of the VISCA chain falls silent alone (hung firmware) and answers again: the same words
        mark = len(watcher.messages)
        code, out, err = await _courtroom("sim-fault", "--control", str(port), "cam-judge", "silent")
        assert code == 0, err
        await watcher.wait_for("cam-judge/availability", lambda p: p["state"] == "offline", timeout=30, start=mark)
        assert watcher.on("cam-plaintiff/availability")[-1]["state"] == "online"  # same line, still answering
        mark = len(watcher.messages)
        code, out, err = await _courtroom("sim-fault", "--control", str(port), "cam-judge", "resume")
        assert code == 0, err
        await watcher.wait_for("cam-judge/availability", lambda p: p["state"] == "online", timeout=40, start=mark)

        # the backup deck's replies come 2 s late, far past what its profile waits: it is lost, then back on time
        mark = len(watcher.messages)
        code, out, err = await _courtroom("sim-fault", "--control", str(port), "rec-backup", "slow", "2")
        assert code == 0, err
        await watcher.wait_for("rec-backup/availability", lambda p: p["state"] == "offline", timeout=30, start=mark)
        mark = len(watcher.messages)
        code, out, err = await _courtroom("sim-fault", "--control", str(port), "rec-backup", "slow", "0")
        assert code == 0, err
        await watcher.wait_for("rec-backup/availability", lambda p: p["state"] == "online", timeout=40, start=mark)

        code, out, err = await _courtroom("sim-fault", "--control", str(port), "proj-nobody", "unplug")
        assert code == 2 and err.count("\n") == 1 and "no simulated device 'proj-nobody'" in err, (code, err)
        code, out, err = await _courtroom("sim-fault", "--control", str(port))
        assert code == 0 and any(line.split()[0] == "proj-evidence" for line in out.splitlines()), out
    finally:
        assert await daemon.stop() == 0
