"""`python -m sim` and `serve()`: JSON lines per device, the emitted config, a clean exit on SIGINT."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path

import pytest
import yaml

from sim.cli import main, serve
from tests.conftest import REPO
from tests.sim.conftest import ClientFactory, is_link

STANDARD = REPO / "deploy" / "examples" / "courtroom-standard.yaml"
CAMERAS = ["cam-judge", "cam-plaintiff", "cam-defendant", "cam-witness", "cam-panorama"]  # one RS-485 line
DEVICES = [*CAMERAS, "cam-evidence", "cam-gallery"]
DEVICES += ["disp-judge", "disp-parties", "proj-evidence", "rec-main", "rec-backup", "dsp", "mics"]


async def test_python_m_sim_prints_endpoints_and_exits_on_sigint(tmp_path: Path, connect: ClientFactory) -> None:
    out, run_dir = tmp_path / "sim.yaml", tmp_path / "run"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sim", str(STANDARD), "--emit-config", str(out), "--run-dir", str(run_dir),
        cwd=REPO, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        lines = [json.loads(await asyncio.wait_for(proc.stdout.readline(), 10)) for _ in DEVICES]
        link = str(run_dir / "courtroom-rs485-cameras")
        assert lines[:5] == [{"device": d, "endpoint": link} for d in CAMERAS]
        assert [line["device"] for line in lines[5:]] == DEVICES[5:]
        written = yaml.safe_load(out.read_text(encoding="utf-8"))
        assert [d["transport"]["port"] for d in written["devices"]] == [line["endpoint"] for line in lines]
        client = await connect(link)
        assert await client.ask("88 30 01 FF") == ["88 30 06 FF"]
        await client.close()
        proc.send_signal(signal.SIGINT)
        _, err = await asyncio.wait_for(proc.communicate(), 10)
        assert proc.returncode == 0, err.decode()
        assert not is_link(link)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def test_serve_in_process_until_stopped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(serve(STANDARD, None, None, True, stop=stop))
    captured = ""
    async with asyncio.timeout(5):
        while captured.count("\n") < len(DEVICES):
            await asyncio.sleep(0.005)
            captured += capsys.readouterr().out
    stop.set()
    await asyncio.wait_for(task, 5)
    lines = [json.loads(line) for line in captured.splitlines()]
    assert [line["device"] for line in lines] == DEVICES
    temp_link = Path(lines[0]["endpoint"])
    assert temp_link.name == "courtroom-rs485-cameras"
    assert not temp_link.parent.exists()  # the temporary run dir is removed


def test_main_reports_a_bad_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "room.yaml"
    bad.write_text("devices:\n  - {id: tv, kind: display, profile: sony/evi-d70, transport: {port: /dev/x}}\n")
    assert main([str(bad), "--run-dir", str(tmp_path / "run")]) == 2
    assert "device 'tv'" in capsys.readouterr().err
