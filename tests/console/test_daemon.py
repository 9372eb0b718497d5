"""The console inside the real daemon process (`courtroom run`), with the simulated room and a private mosquitto."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import aiohttp
import yaml

from controller.localbroker import LocalBroker, free_port
from sim.room import SimulatedRoom
from tests.console.conftest import ROOM_CONFIG, USERS, write_room


async def test_the_daemon_serves_the_console(tmp_path: Path, broker: LocalBroker) -> None:
    sim = SimulatedRoom(ROOM_CONFIG, run_dir=tmp_path / "sim")
    await sim.start()
    proc: asyncio.subprocess.Process | None = None
    log = tmp_path / "daemon.log"
    try:
        config = write_room(tmp_path, sim, broker.port)
        data = yaml.safe_load(config.read_text())
        port = free_port()
        data["console"] = {"port": port}
        config.write_text(yaml.safe_dump(data, allow_unicode=True))
        with log.open("wb") as out:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "controller.cli", "run", str(config), stdout=out, stderr=out
            )
        base = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession(base_url=base, cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
            deadline = time.monotonic() + 20
            while True:
                try:
                    async with client.get("/api/state") as response:
                        assert response.status == 401
                        break
                except aiohttp.ClientConnectionError:
                    assert time.monotonic() < deadline, log.read_text()
                    await asyncio.sleep(0.1)
            user, password = USERS["clerk"]
            async with client.post("/api/login", json={"user": user, "password": password}) as response:
                assert response.status == 200
            while True:
                async with client.get("/api/state") as response:
                    state = await response.json()
                if all(d["availability"]["state"] == "online" for d in state["devices"].values()):
                    break
                assert time.monotonic() < deadline, state
                await asyncio.sleep(0.2)
            async with client.post("/api/hearing/check", json={}) as response:
                assert (await response.json())["data"]["ok"] is True
    finally:
        if proc is not None and proc.returncode is None:
            proc.terminate()
            assert await asyncio.wait_for(proc.wait(), 15) == 0, log.read_text()
        await sim.stop()
    assert f"clerk console at http://127.0.0.1:{port}/" in log.read_text()
