"""sd_notify: the real daemon (`courtroom run`) tells a socket the test owns READY, STATUS, WATCHDOG and STOPPING,
as systemd's NOTIFY_SOCKET would receive them; and the watchdog is fed from the event loop, so a stalled loop
stops feeding it."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from controller.localbroker import LocalBroker, free_port
from controller.systemd import Notifier
from sim.room import SimulatedRoom
from tests.console.conftest import ROOM_CONFIG, ROOM_ID, ROOM_PASSWORD, write_room

DEVICES = len(yaml.safe_load(ROOM_CONFIG.read_text())["devices"])


@pytest.fixture
def notify_socket(tmp_path: Path) -> Iterator[tuple[socket.socket, str]]:
    """A datagram socket in the abstract namespace (no path length limit), as systemd's own."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    name = f"courtroom-test-notify-{os.getpid()}-{id(tmp_path)}"
    sock.bind("\0" + name)
    sock.setblocking(False)
    yield sock, "@" + name
    sock.close()


async def _next(sock: socket.socket, timeout: float) -> dict[str, str]:
    data = await asyncio.wait_for(asyncio.get_running_loop().sock_recv(sock, 4096), timeout)
    return dict(line.split("=", 1) for line in data.decode().splitlines())


async def _run_daemon(tmp_path: Path, port: int, name: str, extra_env: dict[str, str]) -> list[dict[str, str]]:
    """Start `courtroom run` on the simulated room, collect notices until READY and two WATCHDOGs, stop it."""
    sim = SimulatedRoom(ROOM_CONFIG, run_dir=tmp_path / "sim")
    await sim.start()
    proc: asyncio.subprocess.Process | None = None
    log = tmp_path / "daemon.log"
    notices: list[dict[str, str]] = []
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind("\0" + name)
    sock.setblocking(False)
    try:
        config = write_room(tmp_path, sim, port)
        env = {**os.environ, "NOTIFY_SOCKET": "@" + name, "WATCHDOG_USEC": "400000"}
        env.update(extra_env)
        with log.open("wb") as out:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "controller.cli", "run", str(config), stdout=out, stderr=out, env=env
            )
        deadline = time.monotonic() + 30
        while not (any("READY" in n for n in notices) and sum("WATCHDOG" in n for n in notices) >= 2):
            assert time.monotonic() < deadline, (notices, log.read_text())
            notices.append(await _next(sock, 30))
        proc.send_signal(signal.SIGTERM)
        while "STOPPING" not in notices[-1]:
            notices.append(await _next(sock, 15))
        assert await asyncio.wait_for(proc.wait(), 15) == 0, log.read_text()
    finally:
        if proc is not None and proc.returncode is None:
            proc.kill()
            await proc.wait()
        sock.close()
        await sim.stop()
    return notices


async def test_ready_once_connected_then_watchdog_then_stopping(tmp_path: Path) -> None:
    broker = LocalBroker(tmp_path / "broker", users={ROOM_ID: ROOM_PASSWORD})
    broker.start()
    try:
        notices = await _run_daemon(tmp_path, broker.port, "courtroom-notify-" + str(os.getpid()), {})
    finally:
        broker.stop()
    ready = next(n for n in notices if "READY" in n)
    assert ready["READY"] == "1"
    assert ready["STATUS"] == f"{DEVICES} devices started; broker 127.0.0.1:{broker.port} connected"
    first_watchdog = next(i for i, n in enumerate(notices) if "WATCHDOG" in n)
    assert notices[first_watchdog]["WATCHDOG"] == "1"
    assert notices[-1] == {"STOPPING": "1", "STATUS": "stopping"}


async def test_ready_without_the_broker_says_so(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    notices = await _run_daemon(
        tmp_path, port, "courtroom-notify-nb-" + str(os.getpid()), {"COURTROOM_READY_BROKER_WAIT_S": "1"}
    )
    ready = next(n for n in notices if "READY" in n)
    assert ready["STATUS"] == f"{DEVICES} devices started; broker 127.0.0.1:{port} unreachable, retrying"


async def test_the_watchdog_is_fed_from_the_event_loop(notify_socket: tuple[socket.socket, str]) -> None:
    sock, address = notify_socket
    sock.setblocking(True)
    sock.settimeout(0.2)
    arrivals: list[float] = []
    done = threading.Event()

    def receive() -> None:  # on a thread, so arrivals are timed while the event loop is stalled
        while not done.is_set():
            try:
                if sock.recv(4096) == b"WATCHDOG=1":
                    arrivals.append(time.monotonic())
            except (TimeoutError, OSError):
                continue

    receiver = threading.Thread(target=receive)
    receiver.start()
    notifier = Notifier({"NOTIFY_SOCKET": address, "WATCHDOG_USEC": "100000"})
    assert notifier.watchdog_s == 0.1
    feeder = asyncio.create_task(notifier.feed_watchdog())
    try:
        await asyncio.sleep(0.3)
        stall_start = time.monotonic()
        time.sleep(0.6)  # noqa: ASYNC251 - on purpose: the loop stalls, as under a blocking call in a handler
        stall_end = time.monotonic()
        await asyncio.sleep(0.3)
    finally:
        feeder.cancel()
        await asyncio.gather(feeder, return_exceptions=True)
        notifier.close()
        done.set()
        await asyncio.to_thread(receiver.join)
    before = [t for t in arrivals if t < stall_start]
    during = [t for t in arrivals if stall_start + 0.01 < t < stall_end]
    after = [t for t in arrivals if t > stall_end]
    assert len(before) >= 3, arrivals  # every 50 ms while the loop runs
    assert during == []
    assert len(after) >= 3


def test_no_socket_no_notices() -> None:
    notifier = Notifier({})
    assert not notifier.enabled
    assert notifier.notify(ready="1") is False
    assert Notifier({"NOTIFY_SOCKET": "@x", "WATCHDOG_USEC": "1000000", "WATCHDOG_PID": "1"}).watchdog_s is None
