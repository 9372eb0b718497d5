"""A standard PJLink client (pypjlink2) logs in with the password and powers the simulated projector on.

pypjlink uses blocking sockets, so it runs in a worker thread while the simulator keeps serving on the loop.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from pypjlink import Projector as PjlinkClient

from sim.pjlink import Projector
from sim.room import SimulatedRoom

PASSWORD = "JBMIAProjectorLink"


@pytest.fixture
async def room(tmp_path: Path) -> AsyncIterator[tuple[SimulatedRoom, int]]:
    secret = tmp_path / "projector.pw"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    config = {
        "room": {"id": "r"},
        "devices": [
            {
                "id": "projector",
                "kind": "display",
                "profile": "epson/eb-l1075u",
                "transport": {"port": "tcp://192.0.2.20:4352"},
                "options": {"password_file": str(secret)},
            }
        ],
    }
    path = tmp_path / "room.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    async with SimulatedRoom(path, tmp_path / "run") as sim:
        yield sim, int(sim.endpoints["projector"].rsplit(":", 1)[1])


def _session(port: int, password: str, actions: list[tuple[str, Any]]) -> list[Any]:
    """Log in with pypjlink and run ``actions`` (method name, argument or None); returns their results."""
    with PjlinkClient.from_address("127.0.0.1", port, timeout=3) as client:
        results: list[Any] = [client.authenticate(password)]
        for name, arg in actions:
            method = getattr(client, name)
            results.append(method() if arg is None else method(*arg))
        return results


def _power_on_and_wait(port: int) -> list[Any]:
    with PjlinkClient.from_address("127.0.0.1", port, timeout=3) as client:
        assert client.authenticate(PASSWORD) is True
        client.set_power("on")
        states = [client.get_power()]
        deadline = time.monotonic() + 5
        while states[-1] != "on" and time.monotonic() < deadline:
            time.sleep(0.05)
            states.append(client.get_power())
        return [*states, client.get_errors(), client.get_lamps(), client.get_manufacturer()]


async def test_pypjlink_logs_in_and_powers_on(room: tuple[SimulatedRoom, int]) -> None:
    sim, port = room
    projector = sim.device("projector")
    assert isinstance(projector, Projector)
    *states, errors, lamps, maker = await asyncio.to_thread(_power_on_and_wait, port)
    assert states[0] == "warm-up"
    assert states[-1] == "on"
    assert projector.power and projector.power_state == "on"
    assert errors == {
        "fan": "ok",
        "lamp": "ok",
        "temperature": "ok",
        "cover": "ok",
        "filter": "ok",
        "other": "ok",
    }
    assert lamps == [(1234, True)]
    assert maker == "EPSON"


async def test_pypjlink_wrong_password_is_refused(room: tuple[SimulatedRoom, int]) -> None:
    sim, port = room
    assert await asyncio.to_thread(_session, port, "not-the-password", []) == [False]
    projector = sim.device("projector")
    assert isinstance(projector, Projector)
    assert not projector.power
