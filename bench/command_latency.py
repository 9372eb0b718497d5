"""Command latency: what the controller adds to a VISCA preset recall, measured against a bare baseline.

Full path: an MQTT client publishes ``cam-judge/cmd/preset_recall`` -> private mosquitto -> daemon (a real
process) -> serial pty -> simulated camera (wire time emulated at 9600 baud) -> ACK + Completion -> daemon ->
mosquitto -> reply received by the client.
Baseline, in the same run: a bare mosquitto QoS 1 round trip (request and reply topics, an echo client) plus a
bare pty request/reply (the same VISCA frame to a simulated camera, read until Completion), paired sample by
sample. ``p99_overhead_ms`` = full p99 - baseline p99. Target: under 1.5 ms.

Prints one JSON object. Usage: ``.venv/bin/python bench/command_latency.py [--samples N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
import uuid
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


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def full_path(port: int, root: str, samples: int) -> list[float]:
    times = []
    async with aiomqtt.Client(
        "127.0.0.1", port, identifier="bench-full", protocol=aiomqtt.ProtocolVersion.V5, socket_options=NO_DELAY
    ) as c:
        await c.subscribe(f"{root}/cam-judge/reply/+", qos=1)
        messages = aiter(c.messages)

        async def call(action: str, **params: Any) -> dict[str, Any]:
            rid = uuid.uuid4().hex
            await c.publish(f"{root}/cam-judge/cmd/{action}", json.dumps({"id": rid, **params}), qos=1)
            while True:
                reply = json.loads((await anext(messages)).payload)  # type: ignore[arg-type]
                if reply["id"] == rid:
                    return dict(reply)

        assert (await call("preset_set", preset=1))["status"] == "ok"
        for i in range(samples + 10):
            start = time.perf_counter()
            reply = await call("preset_recall", preset=1)
            elapsed = (time.perf_counter() - start) * 1000
            assert reply["status"] == "ok", reply
            if i >= 10:  # warm-up
                times.append(elapsed)
    return times


async def mqtt_round_trip(port: int, samples: int) -> list[float]:
    times = []
    async with (
        aiomqtt.Client(
            "127.0.0.1", port, identifier="bench-echo", protocol=aiomqtt.ProtocolVersion.V5, socket_options=NO_DELAY
        ) as echo,
        aiomqtt.Client(
            "127.0.0.1", port, identifier="bench-req", protocol=aiomqtt.ProtocolVersion.V5, socket_options=NO_DELAY
        ) as req,
    ):
        await echo.subscribe("bench/request", qos=1)
        await req.subscribe("bench/reply", qos=1)

        async def echoer() -> None:
            async for message in echo.messages:
                await echo.publish("bench/reply", message.payload, qos=1)

        task = asyncio.create_task(echoer())
        replies = aiter(req.messages)
        for i in range(samples + 10):
            start = time.perf_counter()
            await req.publish("bench/request", str(i), qos=1)
            await anext(replies)
            if i >= 10:
                times.append((time.perf_counter() - start) * 1000)
        task.cancel()
    return times


async def pty_round_trip(path: str, samples: int) -> list[float]:
    reader, writer = await serial_asyncio_fast.open_serial_connection(url=path, baudrate=9600)
    times = []

    async def exchange(frame: bytes) -> None:
        writer.write(frame)
        buf = b""
        while b"\x90\x51\xff" not in buf and b"\x90\x52\xff" not in buf:
            buf += await reader.read(64)

    await exchange(SET_1)
    for i in range(samples + 10):
        start = time.perf_counter()
        await exchange(RECALL_1)
        if i >= 10:
            times.append((time.perf_counter() - start) * 1000)
    writer.close()
    return times


async def main(samples: int) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="bench-latency-"))
    broker = LocalBroker(work / "broker")
    broker.start()
    room = SimulatedRoom(EXAMPLE, run_dir=work / "sim", wire_time=True)
    await room.start()
    # a second, separate line with one camera for the bare pty baseline
    single = yaml.safe_load(EXAMPLE.read_text())
    single["devices"] = [dict(single["devices"][0], transport={"port": "/dev/bench-single"})]
    (work / "single.yaml").write_text(yaml.safe_dump(single, allow_unicode=True))
    baseline_room = SimulatedRoom(work / "single.yaml", run_dir=work / "sim-single", wire_time=True)
    await baseline_room.start()
    cfg = work / "room.yaml"
    room.write_config(cfg)
    data = yaml.safe_load(cfg.read_text())
    data["broker"] = {"host": "127.0.0.1", "port": broker.port}
    data["state_dir"] = str(work / "state")
    cfg.write_text(yaml.safe_dump(data, allow_unicode=True))
    daemon = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "controller.cli", "--log-level", "WARNING", "run", str(cfg), cwd=REPO
    )
    try:
        root = f"courtroom/v1/{data['room']['id']}"
        async with aiomqtt.Client(
            "127.0.0.1", broker.port, socket_options=NO_DELAY
        ) as c:  # wait until the room is online
            await c.subscribe(f"{root}/cam-judge/availability")
            async with asyncio.timeout(30):
                async for m in c.messages:
                    if json.loads(m.payload)["state"] == "online":  # type: ignore[arg-type]
                        break
        full = await full_path(broker.port, root, samples)
        mqtt = await mqtt_round_trip(broker.port, samples)
        pty = await pty_round_trip(baseline_room.endpoints["cam-judge"], samples)
    finally:
        daemon.terminate()
        await daemon.wait()
        await room.stop()
        await baseline_room.stop()
        broker.stop()
    baseline = [a + b for a, b in zip(mqtt, pty, strict=True)]
    result = {
        "samples": samples,
        "full_p50_ms": round(pct(full, 0.50), 3),
        "full_p99_ms": round(pct(full, 0.99), 3),
        "baseline_p50_ms": round(pct(baseline, 0.50), 3),
        "baseline_p99_ms": round(pct(baseline, 0.99), 3),
        "p99_overhead_ms": round(pct(full, 0.99) - pct(baseline, 0.99), 3),
        "p50_overhead_ms": round(pct(full, 0.50) - pct(baseline, 0.50), 3),
        "mqtt_rtt_p50_ms": round(statistics.median(mqtt), 3),
        "pty_rtt_p50_ms": round(statistics.median(pty), 3),
        "target_p99_overhead_ms": 1.5,
    }
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=300)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.samples))))
