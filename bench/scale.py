"""Scale: the daemon with N devices polled at 1 Hz, the simulator in its own process.

For each N: a generated room of N VISCA-over-IP cameras (one UDP port each), served by ``courtroom sim`` in a
process of its own; a private mosquitto; the daemon (``courtroom run``) with the cameras' poll interval at 1 s
(a copy of the profiles with ``visca_ip``'s timing changed). Measured:

- ``online_s``: from starting the daemon's process to the last camera's ``availability`` online on the broker
  (``first_online_s``: to the first one, about the interpreter's start-up);
- ``cpu_pct``: the daemon's CPU time (user + system, /proc) over ``--window`` seconds of steady polling, in % of
  one core (``user_pct`` and ``system_pct`` its two parts);
- ``shutdown_s``: from SIGTERM to the process's exit (every device published offline first), and whether every
  camera's retained availability on the broker then says offline.

Goals (issue 11): 1000 devices at 1 Hz under 15 % of one core, 600 online in under 1.5 s, shutdown under 0.5 s.
``room_start_to_online_s`` is from the daemon's log line that precedes starting the supervisors (the room is
loaded, the journal open) to the last camera online: the start-up cost that grows with the devices, without the
interpreter's imports and the config's parsing.

The daemon runs on the event loop ``courtroom run`` picks (uvloop when installed); ``--loop asyncio`` runs it on
asyncio's own, to compare.

Prints one JSON object. Usage: ``.venv/bin/python bench/scale.py [--n 300,600,1000] [--window 20]
[--loop auto|uvloop|asyncio]`` (about a minute per N).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import aiomqtt
import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from controller.localbroker import LocalBroker  # noqa: E402

ROOM_ID = "scale-bench"
ROOT = f"courtroom/v1/{ROOM_ID}"
TICKS = os.sysconf("SC_CLK_TCK")


def room(n: int) -> dict[str, Any]:
    devices = [
        {
            "id": f"cam-{i:04d}",
            "kind": "camera",
            "profile": "sony/srg-300h",
            "transport": {"port": f"udp://10.{i // 250}.{i % 250 + 1}.1:52381"},
        }
        for i in range(n)
    ]
    return {"room": {"id": ROOM_ID}, "devices": devices}


def cpu_times(pid: int) -> tuple[float, float]:
    """(user, system) CPU seconds of ``pid``."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) / TICKS, int(fields[12]) / TICKS  # utime, stime


def cpu_seconds(pid: int) -> float:
    return sum(cpu_times(pid))


class Availability:
    """Counts cameras online/offline from the retained and live availability messages."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.state: dict[str, str] = {}
        self.first_online: float | None = None
        self.changed = asyncio.Event()

    async def run(self) -> None:
        while True:
            try:
                async with aiomqtt.Client("127.0.0.1", self.port, identifier=f"scale-{os.getpid()}") as client:
                    await client.subscribe(f"{ROOT}/+/availability", qos=1)
                    async for message in client.messages:
                        device = message.topic.value[len(ROOT) + 1 :].split("/")[0]
                        state = json.loads(message.payload)["state"]  # type: ignore[arg-type]
                        self.state[device] = state
                        if state == "online" and self.first_online is None:
                            self.first_online = time.monotonic()
                        self.changed.set()
            except aiomqtt.MqttError:
                await asyncio.sleep(0.05)

    def count(self, state: str) -> int:
        return sum(1 for s in self.state.values() if s == state)

    async def until(self, predicate: Any, timeout_s: float, what: str) -> float:
        deadline = time.monotonic() + timeout_s
        while not predicate():
            if time.monotonic() > deadline:
                raise RuntimeError(f"timed out waiting for {what}")
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), 0.2)
        return time.monotonic()


def room_started(log: Path) -> float:
    """The wall-clock time of the daemon's "room ...: N devices" line (logged just before the supervisors start)."""
    for line in log.read_text(errors="replace").splitlines():
        if "controller.daemon: room " in line:
            stamp = datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f")
            return stamp.timestamp()
    raise RuntimeError(f"no start line in {log}")


async def one(n: int, window_s: float, work: Path, loop: str = "auto") -> dict[str, Any]:
    profiles = work / "profiles"
    shutil.copytree(REPO / "firmware_profiles", profiles)
    proto = profiles / "protocols" / "visca_ip.yaml"
    data = yaml.safe_load(proto.read_text())
    data.setdefault("timing", {})["poll_interval_s"] = 1.0
    proto.write_text(yaml.safe_dump(data))
    source = work / "source.yaml"
    source.write_text(yaml.safe_dump({**room(n), "profiles_dir": str(profiles)}))
    config = work / "room.yaml"
    sim = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sim", str(source), "--emit-config", str(config), "--run-dir", str(work / "sim"),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    broker = LocalBroker(work / "broker")
    broker.start()
    daemon: asyncio.subprocess.Process | None = None
    watch = Availability(broker.port)
    watch_task = asyncio.create_task(watch.run())
    try:
        assert sim.stdout is not None
        for _ in range(n):  # one JSON line per device once every endpoint is up
            await asyncio.wait_for(sim.stdout.readline(), 120)
        data = yaml.safe_load(config.read_text())
        data["state_dir"] = str(work / "state")
        data["broker"] = {"host": "127.0.0.1", "port": broker.port}
        data["console"] = {"enabled": False}
        config.write_text(yaml.safe_dump(data))
        log = (work / "daemon.log").open("wb")
        started = time.monotonic()
        daemon = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "controller.cli", "--log-level", "INFO", "run", str(config), "--loop", loop,
            stdout=log, stderr=log,
        )  # fmt: skip
        all_online = await watch.until(lambda: watch.count("online") == n, 120, "every camera online")
        all_online_wall = time.time()
        await asyncio.sleep(5)  # past the start-up burst
        (user0, sys0), t0 = cpu_times(daemon.pid), time.monotonic()
        await asyncio.sleep(window_s)
        (user1, sys1), t1 = cpu_times(daemon.pid), time.monotonic()
        still_online = watch.count("online")
        stop = time.monotonic()
        daemon.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(daemon.wait(), 60)
        stopped = time.monotonic()
        log.close()
        await watch.until(lambda: watch.count("offline") == n, 10, "every camera offline")
        assert watch.first_online is not None
        return {
            "n": n,
            "first_online_s": round(watch.first_online - started, 3),
            "online_s": round(all_online - started, 3),
            "room_start_to_online_s": round(all_online_wall - room_started(work / "daemon.log"), 3),
            "cpu_pct": round(100 * (user1 + sys1 - user0 - sys0) / (t1 - t0), 2),
            "user_pct": round(100 * (user1 - user0) / (t1 - t0), 2),
            "system_pct": round(100 * (sys1 - sys0) / (t1 - t0), 2),
            "online_during_window": still_online,
            "shutdown_s": round(stopped - stop, 3),
            "exit_code": code,
            "all_offline_after": watch.count("offline") == n,
            # datagrams sent again for want of a reply: a simulator too busy to answer in time makes the daemon
            # work more (resends, timeouts); compare runs only when this is small
            "retransmits": (work / "daemon.log").read_text(errors="replace").count("no reply, sending again"),
        }
    finally:
        watch_task.cancel()
        await asyncio.gather(watch_task, return_exceptions=True)
        if daemon is not None and daemon.returncode is None:
            daemon.kill()
            await daemon.wait()
        broker.stop()
        if sim.returncode is None:
            sim.terminate()
            await sim.wait()


async def run(ns: list[int], window_s: float, loop: str = "auto") -> dict[str, Any]:
    results = []
    for n in ns:
        with tempfile.TemporaryDirectory(prefix=f"scale-{n}-") as tmp:
            results.append(await one(n, window_s, Path(tmp), loop))
    return {"poll_hz": 1.0, "window_s": window_s, "loop": loop, "runs": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", default="300,600,1000", help="device counts, comma-separated")
    parser.add_argument("--window", type=float, default=20.0, help="seconds of steady polling to measure CPU over")
    parser.add_argument("--loop", choices=("auto", "uvloop", "asyncio"), default="auto", help="the daemon's event loop")
    args = parser.parse_args()
    ns = [int(x) for x in args.n.split(",")]
    print(json.dumps(asyncio.run(run(ns, args.window, args.loop))))


if __name__ == "__main__":
    main()
