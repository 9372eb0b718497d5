"""`session` in `$ctl/state` counts sessions: a broker stopped for a while and restarted (a real mosquitto, the
daemon as a process, the simulated room) gives exactly one more, however many connection attempts failed."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import aiomqtt

from controller.localbroker import LocalBroker
from controller.mqtt import NO_DELAY
from tests.e2e.conftest import CONSOLE_PASSWORD, ROOT, Daemon


async def _online_state(port: int, timeout: float) -> dict[str, Any]:
    """The retained `$ctl/state` once it says online (a fresh client each time: the broker restarts)."""
    async with asyncio.timeout(timeout):
        while True:
            try:
                async with aiomqtt.Client(
                    "127.0.0.1", port, username="console", password=CONSOLE_PASSWORD, socket_options=NO_DELAY
                ) as c:
                    await c.subscribe(f"{ROOT}/$ctl/state", qos=1)
                    async for message in c.messages:
                        state: dict[str, Any] = json.loads(message.payload)  # type: ignore[arg-type]
                        if state["state"] in ("online", "degraded"):
                            return state
            except aiomqtt.MqttError:
                await asyncio.sleep(0.2)


async def test_session_grows_once_per_successful_connection(
    room_config: Path, broker: LocalBroker, tmp_path: Path
) -> None:
    daemon = Daemon(room_config, log_path=tmp_path / "daemon.log")
    await daemon.start()
    try:
        first = (await _online_state(broker.port, 30))["session"]
        port = broker.port
        await asyncio.to_thread(broker.stop)
        # the daemon tries again and again while the broker is away (0.5 + 1 + 2 s of backoff at least)
        await asyncio.sleep(4)
        await asyncio.to_thread(broker.start, port)
        second = await _online_state(port, 60)
        assert second["session"] == first + 1, (first, second, daemon.log()[-2000:])
        assert "reconnecting" in daemon.log()  # attempts did fail meanwhile
    finally:
        await daemon.stop()
