"""Commands under load: many clerks (or a runaway client) pressing buttons faster than the room can move.

Full path: MQTT clients publish device commands (QoS 1) at ``--rate`` a second for ``--seconds`` -> private
mosquitto -> the daemon (a real process) -> the simulated standard room (serial ptys with wire time at 9600
baud, TCP displays; the simulator in a process of its own) -> replies. The mix is a console's: preset
recalls, absolute moves and zooms on the six VISCA cameras, and display volume. Each device's bounded queue
answers ``BUSY`` when full, ``SUPERSEDED`` for a waiting move replaced by a newer one, ``EXPIRED`` for one
whose deadline passed while it waited.

Prints one JSON object: offered and executed commands/s, replies by code, p50/p99/max latency of the executed
ones (publish -> ``ok`` reply) and of all replies, unanswered commands, the daemon's RSS before, right after and
``--settle-s`` after the load. Goal: at 1000/s for 20 s, p99 of executed < 1 s and RSS back within 5 MB.

Usage: ``nice .venv/bin/python bench/command_load.py [--rate 1000] [--seconds 20] [--settle-s 60]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiomqtt
import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from controller.localbroker import LocalBroker  # noqa: E402
from controller.mqtt import NO_DELAY  # noqa: E402

EXAMPLE = REPO / "deploy" / "examples" / "courtroom-standard.yaml"
CAMERAS = ["cam-judge", "cam-plaintiff", "cam-defendant", "cam-witness", "cam-panorama", "cam-evidence"]
DISPLAYS = ["disp-judge", "disp-parties"]
SENDERS = 2  # sender processes (time.perf_counter is the same monotonic clock in every process)
MAX_WAIT_S: float | None = None  # --max-wait-s: the room's broker.command_max_wait_s (default: the daemon's)
PROFILE = ""  # --profile: the daemon runs under cProfile and writes its statistics there


def pct(samples: list[float], q: float) -> float | None:
    if not samples:
        return None
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))], 1)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100


def command(rng: random.Random) -> tuple[str, str, dict[str, Any]]:
    """One command of the mix: (device, action, params)."""
    roll = rng.random()
    if roll < 0.9:
        cam = rng.choice(CAMERAS)
        if roll < 0.45:
            return cam, "preset_recall", {"preset": rng.randrange(4)}
        if roll < 0.7:
            return cam, "pan_tilt_to", {"pan": rng.randrange(-800, 800), "tilt": rng.randrange(-200, 200)}
        return cam, "zoom_to", {"position": rng.randrange(0, 4000)}
    return rng.choice(DISPLAYS), "volume", {"level": rng.randrange(0, 30)}


def client(port: int, name: str) -> aiomqtt.Client:
    c = aiomqtt.Client("127.0.0.1", port, identifier=name, protocol=aiomqtt.ProtocolVersion.V5, socket_options=NO_DELAY)
    c.pending_calls_threshold = 100_000  # the load is many publishes in flight on purpose
    return c


@contextlib.asynccontextmanager
async def running_room(work: Path, broker: LocalBroker) -> AsyncIterator[tuple[str, asyncio.subprocess.Process]]:
    """The simulated standard room and the daemon, each in a process of its own; yields the topic root and the
    daemon's process once the room is online."""
    cfg = work / "room.yaml"
    sim = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "controller.cli",
        "sim",
        str(EXAMPLE),
        "--emit-config",
        str(cfg),
        "--run-dir",
        str(work / "sim"),
        "--wire-time",
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
    )
    daemon: asyncio.subprocess.Process | None = None
    try:
        assert sim.stdout is not None
        async with asyncio.timeout(60):
            await sim.stdout.readline()  # the first endpoint line: the config was written before it
        data = yaml.safe_load(cfg.read_text())
        data["broker"] = {"host": "127.0.0.1", "port": broker.port}
        if MAX_WAIT_S is not None:
            data["broker"]["command_max_wait_s"] = MAX_WAIT_S
        data["state_dir"] = str(work / "state")
        data["console"] = {"port": 0}
        cfg.write_text(yaml.safe_dump(data, allow_unicode=True))
        profile = ["-m", "cProfile", "-o", PROFILE] if PROFILE else []
        daemon = await asyncio.create_subprocess_exec(
            sys.executable, *profile, "-m", "controller.cli", "--log-level", "ERROR", "run", str(cfg), cwd=REPO
        )
        root = f"courtroom/v1/{data['room']['id']}"
        async with client(broker.port, "bench-wait") as c:
            await c.subscribe(f"{root}/$ctl/state")
            async with asyncio.timeout(60):
                async for m in c.messages:
                    if json.loads(m.payload)["state"] == "online":  # type: ignore[arg-type]
                        break
        yield root, daemon
    finally:
        for proc in (daemon, sim):
            if proc is not None and proc.returncode is None:
                proc.terminate()
                await proc.wait()


async def send(index: int, port: int, root: str, rate: float, seconds: float, *, prefix: str) -> dict[str, Any]:
    """One sender process: every SENDERS-th command of the sequence, paced; send and PUBACK times."""
    sent: dict[str, float] = {}
    acked: dict[str, float] = {}
    total = int(rate * seconds)
    rng = random.Random(11)
    async with client(port, f"bench-send-{index}") as c:
        pending: set[asyncio.Task[None]] = set()
        t0 = time.perf_counter()
        for n in range(total):
            device, action, params = command(rng)  # the same sequence in every sender: each takes its share
            if n % SENDERS != index:
                continue
            delay = t0 + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            rid = f"{prefix}{n}"
            sent[rid] = time.perf_counter()
            body = json.dumps({"id": rid, "ts": int(time.time() * 1000), **params})
            task = asyncio.create_task(c.publish(f"{root}/{device}/cmd/{action}", body, qos=1))
            pending.add(task)
            task.add_done_callback(pending.discard)
            task.add_done_callback(lambda _t, rid=rid: acked.__setitem__(rid, time.perf_counter()))
        offered_s = time.perf_counter() - t0
        await asyncio.gather(*pending, return_exceptions=True)
    return {"sent": sent, "acked": acked, "offered_s": offered_s}


async def main(rate: float, seconds: float, settle_s: float, bursts: int) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    broker = LocalBroker(work / "broker")
    broker.start()
    try:
        async with running_room(work, broker) as (root, daemon):
            await asyncio.sleep(3)  # identification and first polls done
            sent: dict[str, float] = {}
            replies: dict[str, tuple[float, str]] = {}
            acked: dict[str, float] = {}  # when the broker acknowledged the command (PUBACK)
            total = int(rate * seconds)
            all_in = asyncio.Event()
            expected = [total]  # replies expected by the end of the present burst
            diag: dict[str, Any] = {}  # the daemon's MQTT backlog when the offered load ends
            settled_diag: dict[str, Any] = {}  # and after the settling time (memory_trims: heap trims so far)
            async with client(broker.port, "bench-replies") as listener:
                await listener.subscribe(f"{root}/+/reply/+", qos=1)

                async def collect() -> None:
                    async for m in listener.messages:
                        now = time.perf_counter()
                        body = json.loads(m.payload)  # type: ignore[arg-type]
                        if body["id"] in ("diag", "diag-settled"):
                            into = diag if body["id"] == "diag" else settled_diag
                            into.update(body["data"]["mqtt"] if body["status"] == "ok" else body["error"])
                            continue
                        code = "ok" if body["status"] == "ok" else body["error"]["code"]
                        replies[str(body["id"])] = (now, code)
                        if len(replies) >= expected[0]:
                            all_in.set()

                collector = asyncio.create_task(collect())
                rss_before = rss_mb(daemon.pid)
                cpu_before = cpu_s(daemon.pid)
                settled: list[float] = []
                offered_s = 0.0
                for burst in range(bursts):
                    expected[0] = total * (burst + 1)
                    all_in.clear()
                    t0 = time.perf_counter()
                    procs = [
                        await asyncio.create_subprocess_exec(
                            sys.executable,
                            __file__,
                            "--sender",
                            str(i),
                            "--port",
                            str(broker.port),
                            "--root",
                            root,
                            "--rate",
                            str(rate),
                            "--seconds",
                            str(seconds),
                            "--prefix",
                            f"B{burst}L",
                            stdout=asyncio.subprocess.PIPE,
                            cwd=REPO,
                        )
                        for i in range(SENDERS)
                    ]
                    outputs = await asyncio.gather(*(proc.communicate() for proc in procs))
                    await listener.publish(f"{root}/$ctl/request/diagnostics", json.dumps({"id": "diag"}), qos=1)
                    burst_s = 0.0
                    for out, _ in outputs:
                        part = json.loads(out)
                        sent.update(part["sent"])
                        acked.update(part["acked"])
                        burst_s = max(burst_s, part["offered_s"])
                    offered_s += burst_s
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(all_in.wait(), 60)
                    load_s = time.perf_counter() - t0
                    rss_after = rss_mb(daemon.pid)
                    cpu_load = cpu_s(daemon.pid) - cpu_before
                    await asyncio.sleep(settle_s)
                    rss_settled = rss_mb(daemon.pid)
                    await listener.publish(
                        f"{root}/$ctl/request/diagnostics", json.dumps({"id": "diag-settled"}), qos=1
                    )
                    settled.append(rss_settled)
                await asyncio.sleep(1)  # the last diagnostics reply
                collector.cancel()
                await asyncio.gather(collector, return_exceptions=True)
    finally:
        broker.stop()
    codes = Counter(code for _, code in replies.values())
    rng = random.Random(11)  # the senders' sequence again: which action each request id was
    actions = [command(rng)[1] for _ in range(int(rate * seconds))]
    by_action: dict[str, Any] = {}
    for action in sorted(set(actions)):
        mine = [r for r in sent if actions[int(r.rsplit("L", 1)[1])] == action]
        done = [(replies[r][0] - sent[r]) * 1000 for r in mine if r in replies and replies[r][1] == "ok"]
        by_action[action] = {
            "replies": dict(Counter(replies[r][1] for r in mine if r in replies).most_common()),
            "executed_p50_ms": pct(done, 0.5),
            "executed_p99_ms": pct(done, 0.99),
        }
    executed = [(replies[r][0] - t) * 1000 for r, t in sent.items() if r in replies and replies[r][1] == "ok"]
    answered = [(replies[r][0] - t) * 1000 for r, t in sent.items() if r in replies]
    return {
        "rate_asked_per_s": rate,
        "seconds": seconds,
        "offered_per_s": round(len(sent) / offered_s, 1),
        "executed_per_s": round(len(executed) / offered_s, 1),
        "commands": len(sent),
        "replies": dict(codes.most_common()),
        "busy": codes.get("BUSY", 0),
        "expired": codes.get("EXPIRED", 0),
        "superseded": codes.get("SUPERSEDED", 0),
        "unanswered": len(sent) - len(replies),
        "executed_p50_ms": pct(executed, 0.5),
        "executed_p99_ms": pct(executed, 0.99),
        "executed_max_ms": pct(executed, 1.0),
        "answered_p99_ms": pct(answered, 0.99),
        "broker_ack_p99_ms": pct([(acked[r] - t) * 1000 for r, t in sent.items() if r in acked], 0.99),
        "all_answered_after_s": round(load_s, 1),
        "daemon_cpu_s_during_load": round(cpu_load, 1),
        "daemon_backlog_at_end": diag,
        "daemon_after_settling": settled_diag,
        "rss_before_mb": rss_before,
        "rss_after_mb": rss_after,
        "rss_settled_mb": rss_settled,
        "settle_s": settle_s,
        "rss_growth_settled_mb": round(rss_settled - rss_before, 1),
        "rss_settled_after_each_burst_mb": settled,
        "by_action": by_action,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=1000.0, help="commands a second (default 1000)")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long (default 20)")
    parser.add_argument("--sender", type=int, help=argparse.SUPPRESS)  # internal: run one sender process
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--root", help=argparse.SUPPRESS)
    parser.add_argument("--prefix", default="L", help=argparse.SUPPRESS)
    parser.add_argument("--bursts", type=int, default=1, help="run the load this many times, settling after each")
    parser.add_argument("--max-wait-s", type=float, help="the room's broker.command_max_wait_s for this run")
    parser.add_argument("--profile", default="", help="run the daemon under cProfile, statistics to this file")
    parser.add_argument("--settle-s", type=float, default=60.0, help="wait before the last RSS reading (default 60)")
    args = parser.parse_args()
    PROFILE = args.profile
    MAX_WAIT_S = args.max_wait_s
    if args.sender is not None:
        print(
            json.dumps(
                asyncio.run(send(args.sender, args.port, args.root, args.rate, args.seconds, prefix=args.prefix))
            )
        )
        sys.exit(0)
    print(json.dumps(asyncio.run(main(args.rate, args.seconds, args.settle_s, args.bursts))))
