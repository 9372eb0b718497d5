"""Command latency: what the controller adds to a VISCA preset recall, against a bare baseline in the same run.

Full path: an MQTT client publishes ``<camera>/cmd/preset_recall`` -> private mosquitto -> the daemon (a real
process) -> serial pty -> simulated camera, wire time emulated at 9600 baud -> ACK + Completion -> daemon ->
mosquitto -> reply at the client. The camera sits alone on its line, like a point-to-point RS-232 camera.
Baseline: a bare mosquitto QoS 1 round trip (request topic, an echo client, reply topic) plus a bare pty
request/reply (the same VISCA frame to another simulated camera, read until Completion), paired sample by
sample. Both baseline peers run in processes of their own, as the daemon does, so process wake-ups count
on both sides. ``p99_overhead_ms`` = full p99 - baseline p99; target under 1.5 ms.

Commands are spaced like a clerk's clicks (``--gap-ms``, default 100), so each one meets the line idle.
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
    cfg.write_text(yaml.safe_dump(data, allow_unicode=True))
    daemon = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "controller.cli", "--log-level", "WARNING", "run", str(cfg), cwd=REPO
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


async def full_path(port: int, root: str, device: str, samples: int, gap_s: float) -> list[float]:
    times = []
    async with client(port, f"bench-full-{uuid.uuid4().hex[:6]}") as c:
        await c.subscribe(f"{root}/{device}/reply/+", qos=1)
        messages = aiter(c.messages)

        async def call(action: str, **params: Any) -> dict[str, Any]:
            rid = uuid.uuid4().hex
            await c.publish(f"{root}/{device}/cmd/{action}", json.dumps({"id": rid, **params}), qos=1)
            while True:
                reply = json.loads((await anext(messages)).payload)  # type: ignore[arg-type]
                if reply["id"] == rid:
                    return dict(reply)

        assert (await call("preset_set", preset=1))["status"] == "ok"
        for i in range(samples + WARM_UP):
            await asyncio.sleep(gap_s)
            start = time.perf_counter()
            reply = await call("preset_recall", preset=1)
            elapsed = (time.perf_counter() - start) * 1000
            assert reply["status"] == "ok", reply
            if i >= WARM_UP:
                times.append(elapsed)
    return times


async def echo_forever(port: int) -> None:
    """The echo side of the bare MQTT round trip, run in its own process like the daemon."""
    async with client(port, "bench-echo") as echo:
        await echo.subscribe("bench/request", qos=1)
        async for message in echo.messages:
            await echo.publish("bench/reply", message.payload, qos=1)


async def mqtt_round_trip(port: int, samples: int, gap_s: float) -> list[float]:
    times = []
    echo = await asyncio.create_subprocess_exec(sys.executable, __file__, "--echo", str(port))
    try:
        async with client(port, "bench-req") as req:
            await req.subscribe("bench/reply", qos=1)
            replies = aiter(req.messages)
            for i in range(samples + WARM_UP):
                await asyncio.sleep(gap_s)
                start = time.perf_counter()
                await req.publish("bench/request", str(i), qos=1)
                # the echo process may still be subscribing: resend until the first answer comes
                while True:
                    try:
                        async with asyncio.timeout(0.5 if i == 0 else 10):
                            await anext(replies)
                        break
                    except TimeoutError:
                        await req.publish("bench/request", str(i), qos=1)
                if i >= WARM_UP:
                    times.append((time.perf_counter() - start) * 1000)
    finally:
        echo.terminate()
        await echo.wait()
    return times


async def pty_round_trip_here(path: str, samples: int, gap_s: float) -> list[float]:
    reader, writer = await serial_asyncio_fast.open_serial_connection(url=path, baudrate=9600)
    times = []

    async def exchange(frame: bytes) -> None:
        writer.write(frame)
        buf = b""
        while b"\x90\x51\xff" not in buf and b"\x90\x52\xff" not in buf:
            buf += await reader.read(64)

    await exchange(SET_1)
    for i in range(samples + WARM_UP):
        await asyncio.sleep(gap_s)
        start = time.perf_counter()
        await exchange(RECALL_1)
        if i >= WARM_UP:
            times.append((time.perf_counter() - start) * 1000)
    writer.close()
    return times


async def pty_round_trip(path: str, samples: int, gap_s: float) -> list[float]:
    """The bare pty request/reply, from its own process like the daemon's driver."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--pty-client",
        path,
        "--samples",
        str(samples),
        "--gap-ms",
        str(gap_s * 1000),
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await proc.communicate()
    return list(json.loads(out))


async def main(samples: int, gap_ms: float) -> dict[str, Any]:
    gap_s = gap_ms / 1000
    work = Path(tempfile.mkdtemp(prefix="bench-latency-"))
    broker = LocalBroker(work / "broker")
    broker.start()
    try:
        async with running_room(one_camera_config(work, "alone"), work, broker) as root:
            full = await full_path(broker.port, root, "cam-judge", samples, gap_s)
        async with running_room(EXAMPLE, work, broker) as root:
            shared = await full_path(broker.port, root, "cam-witness", samples, gap_s)
        mqtt = await mqtt_round_trip(broker.port, samples, gap_s)
        async with SimulatedRoom(one_camera_config(work, "bare"), run_dir=work / "sim-bare", wire_time=True) as bare:
            pty = await pty_round_trip(bare.endpoints["cam-judge"], samples, gap_s)
    finally:
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
        "shared_line_full_p50_ms": round(pct(shared, 0.50), 3),
        "shared_line_full_p99_ms": round(pct(shared, 0.99), 3),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--gap-ms", type=float, default=100.0, help="pause before each command")
    parser.add_argument("--echo", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--pty-client", metavar="PATH", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.echo:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(echo_forever(args.echo))
    elif args.pty_client:
        print(json.dumps(asyncio.run(pty_round_trip_here(args.pty_client, args.samples, args.gap_ms / 1000))))
    else:
        print(json.dumps(asyncio.run(main(args.samples, args.gap_ms))))
