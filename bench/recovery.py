"""Recovery without waiting: from a device's (or the broker's) return to the room showing it online again.

The daemon runs as its own process (``courtroom run``) against simulated devices served by this process and a
private mosquitto. Three devices per family and outage: a VISCA camera on its own serial line (a pty whose
symlink vanishes, like a USB-serial adapter pulled out), a PJLink projector on TCP, a VISCA-over-IP camera on
UDP. They are all unplugged at once; each is plugged back after its outage (5, 40, 120 s by default), and the
time from that replug to its ``availability`` message ``online`` is measured on the broker. Then the broker
itself is stopped for each outage in turn and started again: the time to the daemon's ``$ctl/state`` online.

Prints one JSON object: per family and outage the seconds from replug to online (target: under 2 s whatever the
outage). Usage: ``.venv/bin/python bench/recovery.py [--outages 5,40,120] [--no-broker]`` (about 5 minutes with
the defaults: the longest device outage, then the three broker outages one after the other).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiomqtt
import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from controller.localbroker import LocalBroker  # noqa: E402
from sim.room import SimulatedRoom  # noqa: E402

ROOM_ID = "recovery-bench"
ROOT = f"courtroom/v1/{ROOM_ID}"
FAMILIES = {
    "serial": ("camera", "sony/evi-d70", "/dev/courtroom/cam-{n}", 1),
    "tcp": ("display", "epson/eb-l1075u", "tcp://10.0.1.{n}:4352", None),
    "udp": ("camera", "sony/srg-300h", "udp://10.0.2.{n}:52381", None),
}


def room_source(outages: list[float]) -> dict[str, Any]:
    devices = []
    for family, (kind, profile, port, address) in FAMILIES.items():
        for n, outage in enumerate(outages, start=1):
            dev: dict[str, Any] = {
                "id": f"{family}-{int(outage)}s",
                "kind": kind,
                "profile": profile,
                "transport": {"port": port.format(n=n)},
            }
            if address is not None:
                dev["address"] = address
            devices.append(dev)
    return {"room": {"id": ROOM_ID}, "devices": devices}


class Availability:
    """Every availability message of the room, with its arrival time, from a client that reconnects."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.seen: list[tuple[float, str, dict[str, Any]]] = []
        self.changed = asyncio.Event()

    async def run(self) -> None:
        while True:
            try:
                async with aiomqtt.Client("127.0.0.1", self.port, identifier="recovery-watch") as client:
                    await client.subscribe(f"{ROOT}/+/availability", qos=1)
                    await client.subscribe(f"{ROOT}/$ctl/state", qos=1)
                    async for message in client.messages:
                        topic = message.topic.value[len(ROOT) + 1 :].split("/")[0]
                        payload = json.loads(message.payload)  # type: ignore[arg-type]
                        self.seen.append((time.monotonic(), topic, payload))
                        self.changed.set()
            except aiomqtt.MqttError:
                await asyncio.sleep(0.05)

    def online_after(self, topic: str, since: float) -> float | None:
        for at, t, payload in self.seen:
            if t == topic and at >= since and payload.get("state") == "online":
                return at
        return None

    def state(self, topic: str) -> str | None:
        last = [p.get("state") for _, t, p in self.seen if t == topic]
        return last[-1] if last else None

    async def until(self, predicate: Any, timeout_s: float, what: str) -> None:
        deadline = time.monotonic() + timeout_s
        while not predicate():
            if time.monotonic() > deadline:
                raise RuntimeError(f"timed out waiting for {what}")
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), 0.5)


def took(watch: Availability, topic: str, since: dict[str, float]) -> float:
    """Seconds from ``since[topic]`` to the first ``online`` on ``topic`` after it."""
    at = watch.online_after(topic, since[topic])
    assert at is not None
    return round(at - since[topic], 3)


async def run(outages: list[float], broker_outages: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="recovery-bench-") as tmp:
        work = Path(tmp)
        source = work / "source.yaml"
        source.write_text(yaml.safe_dump(room_source(outages)))
        sim = SimulatedRoom(source, run_dir=work / "sim")
        broker = LocalBroker(work / "broker")
        await sim.start()
        broker.start()
        config = work / "room.yaml"
        sim.write_config(config)
        data = yaml.safe_load(config.read_text())
        data["state_dir"] = str(work / "state")
        data["broker"] = {"host": "127.0.0.1", "port": broker.port}
        data["console"] = {"enabled": False}
        config.write_text(yaml.safe_dump(data))
        log = (work / "daemon.log").open("wb")
        daemon = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "controller.cli", "run", str(config), stdout=log, stderr=log
        )
        watch = Availability(broker.port)
        watch_task = asyncio.create_task(watch.run())
        ids = [d["id"] for d in data["devices"]]
        result: dict[str, Any] = {"outages_s": outages}
        try:
            await watch.until(lambda: all(watch.state(d) == "online" for d in ids), 60, "every device online")
            handles: dict[str, Any] = {d: sim.device(d) for d in ids}
            for handle in handles.values():
                handle.unplug()
            await watch.until(lambda: all(watch.state(d) == "offline" for d in ids), 60, "every device offline")
            unplugged = time.monotonic()
            replugged: dict[str, float] = {}
            for outage in sorted(outages):
                await asyncio.sleep(max(0.0, unplugged + outage - time.monotonic()))
                for d in ids:
                    if d.endswith(f"-{int(outage)}s"):
                        handles[d].replug()
                        replugged[d] = time.monotonic()
            await watch.until(lambda: all(watch.online_after(d, replugged[d]) for d in ids), 30, "every device back")
            for family in FAMILIES:
                result[family] = {f"{int(o)}s": took(watch, f"{family}-{int(o)}s", replugged) for o in outages}
            if broker_outages:
                result["broker"] = {}
                for outage in outages:
                    await asyncio.to_thread(broker.stop)
                    await asyncio.sleep(outage)
                    await asyncio.to_thread(broker.start, broker.port)
                    back = {"$ctl": time.monotonic()}
                    await watch.until(lambda b=back: watch.online_after("$ctl", b["$ctl"]), 60, "the daemon back")
                    result["broker"][f"{int(outage)}s"] = took(watch, "$ctl", back)
            values = [v for f in (*FAMILIES, "broker") for v in result.get(f, {}).values()]
            result["max_s"] = max(values)
            result["target_s"] = 2.0
        finally:
            watch_task.cancel()
            await asyncio.gather(watch_task, return_exceptions=True)
            if daemon.returncode is None:
                daemon.terminate()
                await daemon.wait()
            log.close()
            broker.stop()
            await sim.stop()
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outages", default="5,40,120", help="outage lengths in seconds, comma-separated")
    parser.add_argument("--no-broker", action="store_true", help="only the devices, not the broker")
    args = parser.parse_args()
    outages = [float(x) for x in args.outages.split(",")]
    print(json.dumps(asyncio.run(run(outages, not args.no_broker))))


if __name__ == "__main__":
    main()
