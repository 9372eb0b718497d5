"""A third-party Tesira client (pytesira 0.9, over SSH with paramiko) drives the simulated unit unchanged.

pytesira logs in over SSH, sets the session up (``SESSION set verbose true`` / ``detailedResponse false``),
reads the unit's identity, discovers blocks by ``SESSION get aliases`` and each alias's interface type,
reads each level block's channels (numChannels, label, minLevel, maxLevel) and subscribes whole blocks
(``levels`` / ``mutes``). It blocks and runs threads of its own, so it runs in a worker thread of its own
executor while the simulator serves on the loop (the loop's default executor stays free for asyncssh).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest
from pytesira.dsp import DSP
from pytesira.transport.ssh import SSH

from sim.tesira import Block, Tesira
from sim.tesira_ssh import SshEndpoint


@pytest.fixture
async def unit() -> AsyncIterator[Tesira]:
    endpoint = SshEndpoint({"default": "tesira"})
    dsp = Tesira(endpoint, {"Level1": Block(4, -60.0, 6.0), "MicLevels": Block(2)})
    dsp.blocks["Level1"].labels[:2] = ["judge", "witness"]
    dsp.open()
    yield dsp
    dsp.close()


T = TypeVar("T")


@pytest.fixture
async def worker() -> AsyncIterator[Callable[..., Any]]:
    """Runs a blocking call of the client in a thread of its own; the thread ends with the test."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pytesira-test")
    loop = asyncio.get_running_loop()

    async def run(call: Callable[..., T], *args: object) -> T:
        return await loop.run_in_executor(pool, call, *args)

    yield run
    pool.shutdown(wait=True)


def connect(port: int) -> tuple[DSP, SSH]:
    client = DSP(device_refresh_interval=3)  # its refresher sleeps this / 3 between polls, and close() joins it
    backend = SSH("127.0.0.1", "default", "tesira", port=port, host_key_check=False, connection_timeout=5)
    client.connect(backend)
    return client, backend


def close(client: DSP, backend: SSH) -> None:
    """pytesira's close() stops its threads but leaves its paramiko client open: close that too."""
    client.close()
    session = getattr(backend, "_SSH__session", None)
    until(lambda: not backend.connected if hasattr(backend, "connected") else True, 1.0)
    if session is not None:
        session.close()


def until(predicate: object, timeout_s: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if callable(predicate) and predicate():
            return True
        time.sleep(0.02)
    return False


# pytesira's close() stops its receiver before its refresher, whose last query then times out in its thread;
# and paramiko warns about the simulator's throw-away host key (the client is told not to check it).
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
@pytest.mark.filterwarnings("ignore:Unknown ssh-ed25519 host key:UserWarning")
async def test_pytesira_discovers_blocks_and_follows_subscriptions(
    unit: Tesira, worker: Callable[..., Any]
) -> None:
    endpoint = unit.endpoint
    assert isinstance(endpoint, SshEndpoint)
    client, backend = await worker(connect, endpoint.port)
    try:
        assert client.hostname == "TesiraForte01"
        assert str(client.serial_number) in ("03725678", "3725678")  # pytesira reads a numeric string as a number
        assert client.software_version == "4.7.1.23292"
        assert set(client.blocks) == {"Level1", "MicLevels"}  # found by their aliases
        level1 = client.blocks["Level1"]
        assert sorted(level1.channels) == [1, 2, 3, 4]
        assert level1.channels[1].label == "judge" and level1.channels[2].label == "witness"
        assert level1.channels[1].min_level == -60.0 and level1.channels[1].max_level == 6.0
        unit.turn_knob("Level1", 2, -12)  # the wall panel: a whole-block push reaches the client
        assert await worker(until, lambda: level1.channels[2].level == -12.0)
        unit.press_mute("MicLevels", 1, True)
        assert await worker(until, lambda: client.blocks["MicLevels"].channels[1].muted is True)

        def set_level() -> None:
            level1.channels[3].level = -20.0

        await worker(set_level)
        assert unit.level("Level1", 3) == -20.0
        assert "SESSION get aliases" in unit.received
        assert '"Level1" subscribe levels "S_levels_ALL_Level1"' in unit.received
    finally:
        await worker(close, client, backend)
