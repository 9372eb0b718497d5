"""End-to-end fixtures: a private mosquitto, the simulated room, the daemon as a real process, a watcher.

The simulated room comes two ways: ``sim_room`` in the test's own process, for a test that reads a device's
inner state (the frames on a line, a camera's head), and ``sim_process``, `courtroom sim --control` in a
process of its own, for a test that breaks a device: through the fault control, as a technician would pull a
cable while the daemon runs in a third process (``daemon`` runs against the first, ``sim_process_daemon``
against the second)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiomqtt
import pytest
import yaml

from controller.localbroker import LocalBroker
from controller.mqtt import NO_DELAY
from sim.control import send
from sim.room import SimulatedRoom
from tests.conftest import REPO

EXAMPLE = REPO / "deploy" / "examples" / "courtroom-standard.yaml"
ROOM_ID = "b2-cr104"
ROOT = f"courtroom/v1/{ROOM_ID}"
ROOM_PASSWORD = "room-secret"
CONSOLE_PASSWORD = "console-secret"


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[LocalBroker]:
    """A private mosquitto with passwords and the room ACL, on a free port."""
    b = LocalBroker(tmp_path / "broker", users={ROOM_ID: ROOM_PASSWORD, "console": CONSOLE_PASSWORD})
    b.start()
    yield b
    b.stop()


@pytest.fixture
async def sim_room(tmp_path: Path) -> AsyncIterator[SimulatedRoom]:
    room = SimulatedRoom(EXAMPLE, run_dir=tmp_path / "sim")
    await room.start()
    yield room
    await room.stop()


def for_the_daemon(config: Path, tmp_path: Path, broker: LocalBroker) -> Path:
    """A simulator's room config (its transports at the simulated endpoints), rewritten in place for the daemon
    under test: its broker the private one, its own state folder, a free console port."""
    data = yaml.safe_load(config.read_text())
    secret = tmp_path / "room-password"
    secret.write_text(ROOM_PASSWORD)
    data["broker"] = {
        "host": "127.0.0.1",
        "port": broker.port,
        "username": ROOM_ID,
        "password_file": str(secret),
    }
    data["state_dir"] = str(tmp_path / "state")
    data["console"] = {"port": 0}  # a free port: the machine's 8080 may be taken
    config.write_text(yaml.safe_dump(data, allow_unicode=True))
    return config


@pytest.fixture
def room_config(tmp_path: Path, sim_room: SimulatedRoom, broker: LocalBroker) -> Path:
    """The example room, its transports at the in-process simulator, its broker the private one."""
    out = tmp_path / "room.yaml"
    sim_room.write_config(out)
    return for_the_daemon(out, tmp_path, broker)


@dataclass
class SimProcess:
    """`courtroom sim` of the example room in its own process: the config it emitted and its fault control."""

    config: Path
    control: int

    async def fault(self, device: str, fault: str, *args: str | int | float) -> None:
        """Break or mend a device through the fault control (the request `courtroom sim-fault` sends)."""
        reply = await send(self.control, {"device": device, "fault": fault, "args": list(args)})
        assert reply["ok"], reply


@pytest.fixture
async def sim_process(tmp_path: Path) -> AsyncIterator[SimProcess]:
    """`courtroom sim EXAMPLE --control 0 --files` in a process of its own, stopped with SIGTERM at the end."""
    emitted = tmp_path / "room.yaml"
    log = tmp_path / "sim.log"
    with log.open("ab") as err:  # a file, not a pipe nobody reads: a chatty simulator must never block on it
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "controller.cli", "sim", str(EXAMPLE), "--emit-config", str(emitted),
            "--run-dir", str(tmp_path / "sim"), "--control", "0", "--files",
            stdout=asyncio.subprocess.PIPE, stderr=err,
        )  # fmt: skip
    try:
        assert proc.stdout is not None
        port = None
        while port is None:  # a line per device, then the control's (the last it prints)
            line = await asyncio.wait_for(proc.stdout.readline(), 30)
            assert line, f"the simulator ended before its fault control listened: {log.read_text(errors='replace')}"
            port = json.loads(line).get("control")
        yield SimProcess(emitted, int(port))
    finally:
        await end_process(proc)
    assert proc.returncode == 0, f"the simulator stops cleanly on SIGTERM: {log.read_text(errors='replace')}"


async def end_process(proc: asyncio.subprocess.Process) -> None:
    """SIGTERM, up to 15 s for a clean exit, then SIGKILL: a process a test started never outlives it."""
    if proc.returncode is None:
        proc.terminate()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(proc.wait(), 15)
    if proc.returncode is None:
        proc.kill()
        await proc.wait()


@dataclass
class Watcher:
    """Collects every message under the room's root; tests wait on what they expect to see."""

    client: aiomqtt.Client
    port: int
    messages: list[tuple[str, dict[str, Any], bool]] = field(default_factory=list)
    _new: asyncio.Event = field(default_factory=asyncio.Event)

    async def pump(self) -> None:
        async for message in self.client.messages:
            try:
                payload = json.loads(message.payload)  # type: ignore[arg-type]
            except (ValueError, TypeError, RecursionError):  # hostile payloads too: not UTF-8, 5000 digits or deep
                payload = {"_raw": message.payload}
            self.messages.append((message.topic.value[len(ROOT) + 1 :], payload, bool(message.retain)))
            self._new.set()

    async def wait_for(
        self,
        topic: str,
        predicate: Callable[[dict[str, Any]], bool] = lambda _p: True,
        timeout: float = 10.0,
        start: int = 0,
    ) -> dict[str, Any]:
        """The first message on ``topic`` (from index ``start``) whose payload satisfies ``predicate``."""
        deadline = time.monotonic() + timeout
        seen = start
        while True:
            for t, payload, _ in self.messages[seen:]:
                if t == topic and predicate(payload):
                    return payload
            seen = len(self.messages)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                recent = [(t, p) for t, p, _ in self.messages[-15:]]
                raise AssertionError(f"no message on {topic} matching within {timeout} s; last messages: {recent}")
            self._new.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new.wait(), remaining)

    async def until(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """Wait until ``predicate()`` holds, looking again at every message that comes in."""
        async with asyncio.timeout(timeout):
            while not predicate():
                self._new.clear()
                await self._new.wait()

    def on(self, topic: str) -> list[dict[str, Any]]:
        return [p for t, p, _ in self.messages if t == topic]

    async def publish(self, topic: str, payload: Any, retain: bool = False, **kwargs: Any) -> None:
        body = payload if isinstance(payload, bytes | str) else json.dumps(payload)
        await self.client.publish(f"{ROOT}/{topic}", body, qos=1, retain=retain, **kwargs)

    async def request(self, device: str, action: str, payload: Any, timeout: float = 15.0) -> dict[str, Any]:
        """Send a command and return the reply that echoes its id."""
        start = len(self.messages)
        await self.publish(f"{device}/cmd/{action}", payload)
        want = payload.get("id") if isinstance(payload, dict) else None
        return await self.wait_for(f"{device}/reply/{action}", lambda p: p.get("id") == want, timeout, start)


@pytest.fixture
async def watcher(broker: LocalBroker) -> AsyncIterator[Watcher]:
    client = aiomqtt.Client(
        "127.0.0.1",
        broker.port,
        username="console",
        password=CONSOLE_PASSWORD,
        identifier="test-watcher",
        socket_options=NO_DELAY,
        protocol=aiomqtt.ProtocolVersion.V5,
    )
    async with client:
        await client.subscribe(f"{ROOT}/#", qos=1)
        w = Watcher(client, broker.port)
        task = asyncio.create_task(w.pump())
        yield w
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


@dataclass
class Daemon:
    """The daemon as a real process: `python -m controller.cli run CONFIG`."""

    config: Path
    proc: asyncio.subprocess.Process | None = None
    log_path: Path | None = None

    async def start(self) -> None:
        assert self.log_path is not None
        with self.log_path.open("ab") as log:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "controller.cli", "run", str(self.config), stdout=log, stderr=log
            )

    async def stop(self, sig: str = "TERM", timeout: float = 15.0) -> int:
        assert self.proc is not None
        if self.proc.returncode is None:
            if sig == "TERM":
                self.proc.terminate()
            else:
                self.proc.kill()
        code = await asyncio.wait_for(self.proc.wait(), timeout)
        return code

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path else ""


@pytest.fixture
def room_devices(room_config: Path) -> list[str]:
    """The ids of every device in the room under test."""
    return [d["id"] for d in yaml.safe_load(room_config.read_text())["devices"]]


@contextlib.asynccontextmanager
async def _running_daemon(config: Path, devices: list[str], tmp_path: Path, watcher: Watcher) -> AsyncIterator[Daemon]:
    d = Daemon(config, log_path=tmp_path / "daemon.log")
    await d.start()
    try:
        for dev in devices:
            await watcher.wait_for(f"{dev}/availability", lambda p: p["state"] == "online", timeout=20)
        yield d
    finally:
        if d.proc is not None and d.proc.returncode is None:
            await d.stop()
        if d.proc is not None and d.proc.returncode not in (0, -9):
            print(d.log())


@pytest.fixture
async def daemon(room_config: Path, room_devices: list[str], tmp_path: Path, watcher: Watcher) -> AsyncIterator[Daemon]:
    """A running daemon against ``sim_room`` with every device online (the watcher has seen it)."""
    async with _running_daemon(room_config, room_devices, tmp_path, watcher) as d:
        yield d


@pytest.fixture
async def sim_process_daemon(
    sim_process: SimProcess, broker: LocalBroker, tmp_path: Path, watcher: Watcher
) -> AsyncIterator[Daemon]:
    """A running daemon against ``sim_process`` with every device online (the watcher has seen it)."""
    config = for_the_daemon(sim_process.config, tmp_path, broker)
    devices = [d["id"] for d in yaml.safe_load(config.read_text())["devices"]]
    async with _running_daemon(config, devices, tmp_path, watcher) as d:
        yield d
