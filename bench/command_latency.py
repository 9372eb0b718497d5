"""Command latency: what the controller adds to a VISCA preset recall, against a bare baseline in the same run.

Full path: an MQTT client publishes ``<camera>/cmd/preset_recall`` -> private mosquitto -> the daemon (a real
process) -> serial pty -> simulated camera, wire time emulated at 9600 baud -> ACK + Completion -> daemon ->
mosquitto -> reply at the client. The camera sits alone on its line, like a point-to-point RS-232 camera.
Baseline: a bare mosquitto QoS 1 round trip (request topic, an echo client, reply topic) plus a bare pty
request/reply (the same VISCA frame to another simulated camera, read until Completion), paired sample by
sample. Both baseline peers run in processes of their own, as the daemon does, so process wake-ups count
on both sides. ``p99_overhead_ms`` = full p99 - baseline p99; target under 1.5 ms.

The three probes take turns, sample by sample, and each request is spaced like a clerk's clicks
(``--gap-ms``, default 60), so each one meets the line idle.
``shared_line_*`` repeats the full path on the example room, five cameras on one RS-485 line, where the
daemon's liveness polls of the other cameras sometimes hold the line when a command arrives: that is the
price of a shared 9600-baud line, reported apart.

Prints one JSON object. Usage: ``.venv/bin/python bench/command_latency.py [--samples N] [--gap-ms MS]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiomqtt
import serial_asyncio_fast
import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from controller.localbroker import LocalBroker  # noqa: E402
from controller.mqtt import NO_DELAY  # noqa: E402
from sim.room import SimulatedRoom  # noqa: E402

EXAMPLE = REPO / "deploy" / "examples" / "courtroom-standard.yaml"
RECALL_1 = bytes.fromhex("81 01 04 3F 02 01 FF")
SET_1 = bytes.fromhex("81 01 04 3F 01 01 FF")
WARM_UP = 10
PROFILE = ""  # --profile: the one-camera daemon runs under cProfile and writes its statistics there


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def client(port: int, name: str) -> aiomqtt.Client:
    return aiomqtt.Client(
        "127.0.0.1", port, identifier=name, protocol=aiomqtt.ProtocolVersion.V5, socket_options=NO_DELAY
    )


def one_camera_config(work: Path, name: str) -> Path:
    data = yaml.safe_load(EXAMPLE.read_text())
    data["devices"] = [dict(data["devices"][0], transport={"port": f"/dev/bench-{name}"})]
    for key in ("seats", "hearing", "voice_follow"):  # they name the rest of the room
        data.pop(key, None)
    path = work / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


@contextlib.asynccontextmanager
async def running_room(config: Path, work: Path, broker: LocalBroker) -> AsyncIterator[str]:
    """The simulator for ``config`` and the daemon in its own process; yields the room's topic root."""
    sim = SimulatedRoom(config, run_dir=work / f"sim-{config.stem}", wire_time=True)
    await sim.start()
    cfg = work / f"daemon-{config.stem}.yaml"
    sim.write_config(cfg)
    data = yaml.safe_load(cfg.read_text())
    data["broker"] = {"host": "127.0.0.1", "port": broker.port}
    data["state_dir"] = str(work / f"state-{config.stem}")
    data["console"] = {"port": 0}  # any free port: two daemons run during the benchmark
    cfg.write_text(yaml.safe_dump(data, allow_unicode=True))
    profile = ["-m", "cProfile", "-o", PROFILE] if PROFILE and config.stem == "alone" else []
    daemon = await asyncio.create_subprocess_exec(
        sys.executable, *profile, "-m", "controller.cli", "--log-level", "WARNING", "run", str(cfg), cwd=REPO
    )
    root = f"courtroom/v1/{data['room']['id']}"
    try:
        async with client(broker.port, "bench-wait") as c:
            await c.subscribe(f"{root}/$ctl/state")
            async with asyncio.timeout(30):
                async for m in c.messages:
                    if json.loads(m.payload)["state"] == "online":  # type: ignore[arg-type]
                        break
        yield root
    finally:
        daemon.terminate()
        await daemon.wait()
        await sim.stop()


class FullPath:
    """One preset recall over MQTT through the daemon, timed from publish to reply."""

    def __init__(self, c: aiomqtt.Client, root: str, device: str) -> None:
        self.c, self.root, self.device = c, root, device
        self.messages = aiter(c.messages)

    async def start(self) -> None:
        await self.c.subscribe(f"{self.root}/{self.device}/reply/+", qos=1)
        assert (await self.call("preset_set", preset=1))["status"] == "ok"

    async def call(self, action: str, **params: Any) -> dict[str, Any]:
        rid = uuid.uuid4().hex
        await self.c.publish(f"{self.root}/{self.device}/cmd/{action}", json.dumps({"id": rid, **params}), qos=1)
        while True:
            reply = json.loads((await anext(self.messages)).payload)  # type: ignore[arg-type]
            if reply["id"] == rid:
                return dict(reply)

    async def sample(self) -> float:
        start = time.perf_counter()
        reply = await self.call("preset_recall", preset=1)
        assert reply["status"] == "ok", reply
        return (time.perf_counter() - start) * 1000


class MqttRoundTrip:
    """A bare QoS 1 round trip through mosquitto to an echo client in its own process."""

    def __init__(self, c: aiomqtt.Client) -> None:
        self.c = c
        self.replies = aiter(c.messages)

    async def start(self) -> None:
        await self.c.subscribe("bench/reply", qos=1)
        while True:  # the echo process may still be subscribing: ask until it answers
            await self.c.publish("bench/request", "hello", qos=1)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(0.5):
                    await anext(self.replies)
                    return

    async def sample(self) -> float:
        start = time.perf_counter()
        await self.c.publish("bench/request", "x", qos=1)
        await anext(self.replies)
        return (time.perf_counter() - start) * 1000


async def echo_forever(port: int) -> None:
    """The echo side of the bare MQTT round trip."""
    async with client(port, "bench-echo") as echo:
        await echo.subscribe("bench/request", qos=1)
        async for message in echo.messages:
            await echo.publish("bench/reply", message.payload, qos=1)


async def pty_client(path: str) -> None:
    """The bare pty request/reply, in its own process: one exchange per line on stdin, its time on stdout."""
    reader, writer = await serial_asyncio_fast.open_serial_connection(url=path, baudrate=9600)
    loop = asyncio.get_running_loop()

    async def exchange(frame: bytes) -> float:
        start = time.perf_counter()
        writer.write(frame)
        buf = b""
        while b"\x90\x51\xff" not in buf and b"\x90\x52\xff" not in buf:
            buf += await reader.read(64)
        return (time.perf_counter() - start) * 1000

    await exchange(SET_1)
    while await loop.run_in_executor(None, sys.stdin.readline):
        print(await exchange(RECALL_1), flush=True)
    writer.close()


class PtyRoundTrip:
    """Drives the pty client process: one line out, one time back."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    async def sample(self) -> float:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(b"go\n")
        await self.proc.stdin.drain()
        return float(await self.proc.stdout.readline())


async def main(samples: int, gap_ms: float, shared_samples: int) -> dict[str, Any]:
    gap_s = gap_ms / 1000
    work = Path(tempfile.mkdtemp(prefix="bench-latency-"))
    broker = LocalBroker(work / "broker")
    broker.start()
    full: list[float] = []
    mqtt: list[float] = []
    pty: list[float] = []
    shared: list[float] = []
    helpers: list[asyncio.subprocess.Process] = []
    try:
        bare = SimulatedRoom(one_camera_config(work, "bare"), run_dir=work / "sim-bare", wire_time=True)
        await bare.start()
        helpers.append(await asyncio.create_subprocess_exec(sys.executable, __file__, "--echo", str(broker.port)))
        helpers.append(
            await asyncio.create_subprocess_exec(
                sys.executable,
                __file__,
                "--pty-client",
                bare.endpoints["cam-judge"],
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
            )
        )
        async with (
            running_room(one_camera_config(work, "alone"), work, broker) as root,
            client(broker.port, "bench-full") as c_full,
            client(broker.port, "bench-req") as c_mqtt,
        ):
            probes = [(FullPath(c_full, root, "cam-judge"), full), (MqttRoundTrip(c_mqtt), mqtt)]
            for probe, _ in probes:
                await probe.start()  # type: ignore[attr-defined]
            pty_probe = PtyRoundTrip(helpers[1])
            # Interleaved, so whatever else the machine does in a moment weighs on the path and the baseline alike.
            for i in range(samples + WARM_UP):
                for probe, out in [*probes, (pty_probe, pty)]:
                    await asyncio.sleep(gap_s)
                    value = await probe.sample()  # type: ignore[attr-defined]
                    if i >= WARM_UP:
                        out.append(value)
        if shared_samples:
            async with running_room(EXAMPLE, work, broker) as root, client(broker.port, "bench-shared") as c_shared:
                shared_probe = FullPath(c_shared, root, "cam-witness")
                await shared_probe.start()
                for i in range(shared_samples + WARM_UP):
                    await asyncio.sleep(gap_s)
                    value = await shared_probe.sample()
                    if i >= WARM_UP:
                        shared.append(value)
        await bare.stop()
    finally:
        for proc in helpers:
            if proc.returncode is None:
                proc.terminate()
            await proc.wait()
        broker.stop()
    baseline = [a + b for a, b in zip(mqtt, pty, strict=True)]
    return {
        "samples": samples,
        "gap_ms": gap_ms,
        "full_p50_ms": round(pct(full, 0.50), 3),
        "full_p99_ms": round(pct(full, 0.99), 3),
        "baseline_p50_ms": round(pct(baseline, 0.50), 3),
        "baseline_p99_ms": round(pct(baseline, 0.99), 3),
        "p99_overhead_ms": round(pct(full, 0.99) - pct(baseline, 0.99), 3),
        "p50_overhead_ms": round(pct(full, 0.50) - pct(baseline, 0.50), 3),
        "target_p99_overhead_ms": 1.5,
        "mqtt_rtt_p50_ms": round(statistics.median(mqtt), 3),
        "pty_rtt_p50_ms": round(statistics.median(pty), 3),
        "shared_line_full_p50_ms": round(pct(shared, 0.50), 3) if shared else None,
        "shared_line_full_p99_ms": round(pct(shared, 0.99), 3) if shared else None,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--samples", type=int, default=600)
    parser.add_argument("--gap-ms", type=float, default=60.0, help="pause before each request")
    parser.add_argument("--shared-samples", type=int, help="samples on the shared line (default --samples; 0 skips)")
    parser.add_argument("--echo", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--pty-client", metavar="PATH", help=argparse.SUPPRESS)
    parser.add_argument("--profile", default="", help="run the one-camera daemon under cProfile, statistics here")
    args = parser.parse_args()
    PROFILE = args.profile
    shared = args.samples if args.shared_samples is None else args.shared_samples
    if args.echo:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(echo_forever(args.echo))
    elif args.pty_client:
        asyncio.run(pty_client(args.pty_client))
    else:
        print(json.dumps(asyncio.run(main(args.samples, args.gap_ms, shared))))
