"""Soak: the standard room for a long time at a few commands a second, with a hearing cycle, watching memory.

The simulated standard room (its own ptys and TCP ports, the mic system's events, the recorders) and the daemon
as a real process on a private mosquitto; a client sends ``--rate`` camera and display commands a second, and
every ``--cycle-s`` runs a hearing: check, open (with an override reason when the check fails), marks, a recess,
resume, close. Every ``--report-min`` minutes it notes the daemon's RSS and its CPU share of one core over the
interval (each line also goes to stderr as it happens).

Prints one JSON object: the samples, replies by code, and the RSS growth in MB/h after the first 10 minutes
(goal: under 5 MB/h). Not part of ``make test``.

Usage: ``nice .venv/bin/python bench/soak.py --minutes 30 [--rate 3] [--report-min 5]``.
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
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.command_load import client, command, cpu_s, rss_mb, running_room  # noqa: E402
from controller.localbroker import LocalBroker  # noqa: E402

HEARING = [
    ("check", {}),
    ("open", {"case_no": "(2026)京0105民初99号", "title": "soak", "override_reason": "soak test, simulated room"}),
    ("mark", {"text": "原告陈述"}),
    ("interrupt", {"reason": "recess"}),
    ("resume", {}),
    ("mark", {"text": "被告答辩"}),
    ("close", {}),
]


async def main(minutes: float, rate: float, report_min: float, cycle_s: float) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="bench-soak-"))
    broker = LocalBroker(work / "broker")
    broker.start()
    samples: list[dict[str, Any]] = []
    codes: Counter[str] = Counter()
    try:
        async with running_room(work, broker) as (root, daemon), client(broker.port, "soak") as c:
            await c.subscribe(f"{root}/#", qos=0)  # everything the room publishes, meters included

            async def consume() -> None:
                async for m in c.messages:
                    topic = m.topic.value
                    if "/reply/" in topic:
                        with contextlib.suppress(ValueError, KeyError, TypeError):
                            body = json.loads(m.payload)  # type: ignore[arg-type]
                            codes["ok" if body["status"] == "ok" else body["error"]["code"]] += 1

            consumer = asyncio.create_task(consume())
            rng = random.Random(7)
            t0 = last_t = time.monotonic()
            last_cpu = cpu_s(daemon.pid)
            samples.append({"minute": 0.0, "rss_mb": rss_mb(daemon.pid), "cpu_pct": None})
            next_report = t0 + report_min * 60
            next_cycle = t0 + 30
            n = 0
            end = t0 + minutes * 60
            while (now := time.monotonic()) < end:
                if now >= next_cycle:
                    next_cycle = now + cycle_s
                    for action, params in HEARING:
                        body = json.dumps({"id": f"h{n}", **params})
                        n += 1
                        await c.publish(f"{root}/hearing/cmd/{action}", body, qos=1)
                        await asyncio.sleep(1.0)
                device, action, params = command(rng)
                body = json.dumps({"id": f"s{n}", "ts": int(time.time() * 1000), **params})
                n += 1
                await c.publish(f"{root}/{device}/cmd/{action}", body, qos=1)
                if now >= next_report:
                    next_report += report_min * 60
                    cpu = cpu_s(daemon.pid)
                    sample = {
                        "minute": round((now - t0) / 60, 1),
                        "rss_mb": rss_mb(daemon.pid),
                        "cpu_pct": round(100 * (cpu - last_cpu) / (now - last_t), 1),
                    }
                    last_cpu, last_t = cpu, now
                    samples.append(sample)
                    print(json.dumps(sample), file=sys.stderr, flush=True)
                await asyncio.sleep(1 / rate)
            samples.append({"minute": round(minutes, 1), "rss_mb": rss_mb(daemon.pid), "cpu_pct": None})
            consumer.cancel()
            await asyncio.gather(consumer, return_exceptions=True)
    finally:
        broker.stop()
    late = [s for s in samples if s["minute"] >= 10]
    growth = None
    if len(late) >= 2 and late[-1]["minute"] > late[0]["minute"]:
        growth = round((late[-1]["rss_mb"] - late[0]["rss_mb"]) / ((late[-1]["minute"] - late[0]["minute"]) / 60), 1)
    return {
        "minutes": minutes,
        "rate_per_s": rate,
        "samples": samples,
        "replies": dict(codes.most_common()),
        "rss_growth_mb_per_h_after_10_min": growth,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--rate", type=float, default=3.0, help="commands a second (default 3)")
    parser.add_argument("--report-min", type=float, default=5.0, help="minutes between samples (default 5)")
    parser.add_argument("--cycle-s", type=float, default=300.0, help="seconds between hearing cycles (default 300)")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.minutes, args.rate, args.report_min, args.cycle_s))))
