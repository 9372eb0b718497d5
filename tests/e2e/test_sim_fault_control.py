"""Faults injected from outside into a simulator in its own process (`courtroom sim --control` and
`courtroom sim-fault`), seen by the daemon in a third one, as a technician would pull and replug a cable."""

from __future__ import annotations

import asyncio
import sys

from tests.e2e.conftest import Daemon, SimProcess, Watcher


async def _courtroom(*args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "controller.cli", *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_a_device_unplugged_through_the_fault_control_goes_offline_and_comes_back(
    sim_process: SimProcess, sim_process_daemon: Daemon, watcher: Watcher
) -> None:
    daemon, port = sim_process_daemon, sim_process.control
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
    assert await daemon.stop() == 0
