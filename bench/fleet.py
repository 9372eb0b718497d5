"""Fleet scale: N simulated rooms through a three-node NATS cluster (JetStream, MQTT) to the fleet view.

For each room count (default 100, 300, 1000): a fresh cluster; a load generator speaking the room contract
(``controller.fleet.loadgen``: 30 devices' retained state and availability, the controller's state, info and
device list, the hearing state) publishes every room's retained set to nodes 0 and 1, as the rooms' bridges
would (one bridge per room is not started: 1000 mosquittos do not fit this machine; the bridge itself is tested
in tests/fleet/test_cluster.py). The fleet view's MQTT side and model run in a child process on node 2. Once the
view holds every retained topic ("synced"), the steady phase sends, per room, ``--changes`` device state changes
per second (retained, QoS 1, as a camera's moves are) and a hearing event every 30 s; meters are not sent, as the
bridge keeps them in the room.

Figures per room count: the initial sync (retained messages, seconds), the steady messages/s through the cluster,
the view's staleness (publish at the room -> applied in the view's model) p50/p99 over the steady phase, the view
process's CPU (% of one core) and RSS. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiomqtt

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from controller.fleet.loadgen import LoadRoom, is_retained  # noqa: E402
from controller.fleet.model import FleetModel  # noqa: E402
from controller.fleet.service import CentralBroker, FleetService  # noqa: E402
from controller.mqtt import NO_DELAY  # noqa: E402
from tests.fleet.cluster import NatsCluster  # noqa: E402

DEVICES = 30
ROOMS_PER_CLIENT = 10  # rooms per load generator connection: each room has its own bridge connection on site


def pct(samples: list[int], q: float) -> float:
    ordered = sorted(samples)
    return float(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]) if ordered else float("nan")


def rss_kib() -> int:
    status = Path("/proc/self/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))


# -- the fleet view, in its own process -----------------------------------------------------------------------
async def view_main(port: int, expected_topics: int) -> None:
    model = FleetModel()
    service = FleetService(model, CentralBroker([("127.0.0.1", port)]), client_id="bench-fleet-view")
    task = asyncio.create_task(service.run())
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    started = time.monotonic()
    while model.messages < expected_topics:  # noqa: ASYNC110 - the model has no event to wait on; 50 ms is fine
        await asyncio.sleep(0.05)
    synced_s = time.monotonic() - started
    model.staleness_ms.clear()
    messages_at_sync = model.messages
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu0, wall0 = usage.ru_utime + usage.ru_stime, time.monotonic()
    print(f"synced {synced_s:.2f}", flush=True)
    await stop.wait()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu, wall = usage.ru_utime + usage.ru_stime - cpu0, time.monotonic() - wall0
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    samples = list(model.staleness_ms)
    rss_kb = rss_kib()
    print(
        json.dumps(
            {
                "view_synced_s": round(synced_s, 2),
                "view_messages_steady": model.messages - messages_at_sync,
                "staleness_ms_p50": pct(samples, 0.50),
                "staleness_ms_p99": pct(samples, 0.99),
                "staleness_ms_max": max(samples) if samples else None,
                "view_cpu_percent_of_core": round(100 * cpu / wall, 1),
                "view_rss_mb": round(rss_kb / 1024, 1),
                "rooms_in_view": len(model.rooms),
                "rejected": model.rejected,
            }
        ),
        flush=True,
    )


# -- the load generator ---------------------------------------------------------------------------------------
async def publish_all(client: aiomqtt.Client, messages: list[tuple[str, bytes]], batch: int = 50) -> None:
    for i in range(0, len(messages), batch):
        await asyncio.gather(*(client.publish(t, p, qos=1, retain=is_retained(t)) for t, p in messages[i : i + batch]))


async def run_size(rooms_n: int, seconds: float, changes_per_room_s: float, workdir: Path) -> dict[str, Any]:
    cluster = NatsCluster(workdir / f"nats-{rooms_n}")
    await asyncio.to_thread(cluster.start)
    view: asyncio.subprocess.Process | None = None
    try:
        await cluster.ready()
        rooms = [LoadRoom(f"r{i:04d}", devices=DEVICES) for i in range(rooms_n)]
        per_room = len(rooms[0].retained_set())
        view = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--view",
            str(cluster.mqtt_ports[2]),
            str(per_room * rooms_n),
            stdout=asyncio.subprocess.PIPE,
        )
        await asyncio.sleep(1.0)  # the view subscribes first: it counts live messages, not retained ones
        n_clients = max(1, rooms_n // ROOMS_PER_CLIENT)
        clients = [
            aiomqtt.Client(
                "127.0.0.1",
                cluster.mqtt_ports[i % 2],
                identifier=f"bench-rooms-{i}",
                socket_options=NO_DELAY,
                timeout=120,
            )
            for i in range(n_clients)
        ]
        for c in clients:
            c.pending_calls_threshold = 1_000_000
            await c.__aenter__()
        try:
            t0 = time.monotonic()
            shares = [rooms[i::n_clients] for i in range(n_clients)]
            await asyncio.gather(
                *(
                    publish_all(c, [m for room in share for m in room.retained_set()])
                    for c, share in zip(clients, shares, strict=True)
                )
            )
            published_s = time.monotonic() - t0
            assert view.stdout is not None
            line = await asyncio.wait_for(view.stdout.readline(), 900)
            assert line.startswith(b"synced"), line
            sync_s = time.monotonic() - t0

            # steady phase: each room changes a device `changes_per_room_s` times a second, an event every 30 s
            rate = rooms_n * (changes_per_room_s + 1 / 30)
            every_event = round(30 * changes_per_room_s + 1)  # one message in this many is a hearing event
            tick = 0.02
            sent = 0
            late_ticks = 0
            start = time.monotonic()
            next_tick = start
            credit = 0.0
            pending: set[asyncio.Task[Any]] = set()
            i = 0
            while time.monotonic() - start < seconds:
                credit += rate * tick
                batch = []
                while credit >= 1:
                    credit -= 1
                    room = rooms[i % rooms_n]
                    i += 1
                    event = i % every_event == 0
                    batch.append(room.hearing_event() if event else room.change())
                for n, (t, p) in enumerate(batch):
                    task = asyncio.create_task(clients[(i + n) % n_clients].publish(t, p, qos=1, retain=is_retained(t)))
                    pending.add(task)
                    task.add_done_callback(pending.discard)
                sent += len(batch)
                next_tick += tick
                delay = next_tick - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                else:
                    late_ticks += 1
            await asyncio.gather(*pending, return_exceptions=True)
            steady_s = time.monotonic() - start
        finally:
            for c in clients:
                await c.__aexit__(None, None, None)
        await asyncio.sleep(1.0)  # the last ones reach the view
        view.send_signal(signal.SIGTERM)
        out, _ = await asyncio.wait_for(view.communicate(), 60)
        figures = json.loads(out.decode().strip().splitlines()[-1])
        return {
            "rooms": rooms_n,
            "devices_per_room": DEVICES,
            "retained_messages": per_room * rooms_n,
            "initial_publish_s": round(published_s, 2),
            "initial_sync_s": round(sync_s, 2),
            "steady_messages_per_s": round(sent / steady_s, 1),
            "generator_late_ticks": late_ticks,
            **figures,
        }
    finally:
        if view is not None and view.returncode is None:
            view.kill()
            await view.wait()
        await asyncio.to_thread(cluster.stop)


async def main(args: argparse.Namespace) -> None:
    if NatsCluster.available() is None:
        print(json.dumps({"error": "nats-server is not installed"}))
        return
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-fleet-") as tmp:
        for n in args.rooms:
            results.append(await run_size(n, args.seconds, args.changes, Path(tmp)))
    biggest = results[-1]
    print(
        json.dumps(
            {
                "benchmark": "fleet",
                "cpus": os.cpu_count(),
                "changes_per_room_s": args.changes,
                "steady_seconds": args.seconds,
                "sizes": results,
                "goal": "1000 rooms: staleness p99 < 1000 ms, view < 50% of one core",
                "goal_met": biggest["rooms"] >= 1000
                and biggest["staleness_ms_p99"] < 1000
                and biggest["view_cpu_percent_of_core"] < 50,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--view":
        asyncio.run(view_main(int(sys.argv[2]), int(sys.argv[3])))
        sys.exit(0)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", type=int, nargs="+", default=[100, 300, 1000])
    parser.add_argument("--seconds", type=float, default=20.0, help="steady phase per size")
    parser.add_argument("--changes", type=float, default=0.2, help="device state changes per room per second")
    asyncio.run(main(parser.parse_args()))
