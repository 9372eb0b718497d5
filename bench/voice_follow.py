"""Voice-follow latency: from a delegate's mic-on frame to the preset-recall frame at the simulated camera.

The standard courtroom runs in one process, as the daemon would run it (Room, supervisors, HearingService),
against its simulators with wire time emulated (9600-baud VISCA line, the DIS-CCU on TCP). A hearing is
opened with the room's voice-follow settings (the defaults: reaction 110 ms, hold 2 s). Then, spaced by more
than the hold time so only the reaction time can suppress a switch:
- speech: a seat's mic goes on and stays on; latency = recall frame's arrival at the camera - the moment the
  simulated CCU sent `mic_on` (both on this process's monotonic clock);
- noise: a mic goes on for 20..95 ms and off again (a tap, a cough into a button); any recall frame for that
  seat's camera within the next second counts in ``noise_switches`` (target 0).

Prints one JSON object: ``p50_ms``, ``p99_ms`` (target under 150), ``noise_switches``, sample counts.
Usage: ``.venv/bin/python bench/voice_follow.py [--samples N] [--noise N]`` (about 2.3 s per sample).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from controller.config import load_config, load_profiles  # noqa: E402
from controller.events import AvailabilityChanged, StateChanged  # noqa: E402
from controller.hearing.service import HearingService  # noqa: E402
from controller.room import Room  # noqa: E402
from controller.supervisor import Backoff  # noqa: E402
from sim.room import SimulatedRoom  # noqa: E402

EXAMPLE = REPO / "deploy" / "examples" / "courtroom-standard.yaml"
SEATS = [(3, "cam-plaintiff"), (4, "cam-defendant"), (5, "cam-witness")]  # mic seat -> the seat's camera


def _recall(address: int) -> Any:
    head = bytes([0x80 + address, 0x01, 0x04, 0x3F, 0x02])
    return lambda data: data.startswith(head)


async def run(samples: int, noise: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="vf-bench-") as tmp:
        work = Path(tmp)
        sim = SimulatedRoom(EXAMPLE, run_dir=work / "sim", wire_time=True)
        await sim.start()
        cfg_path = work / "room.yaml"
        sim.write_config(cfg_path)
        data = yaml.safe_load(cfg_path.read_text())
        data["state_dir"] = str(work / "state")
        cfg_path.write_text(yaml.safe_dump(data, allow_unicode=True))
        config = load_config(cfg_path)
        room = Room(config, load_profiles(config, str(cfg_path)), backoff=Backoff(first_s=0.1, max_s=0.5))
        hearing = HearingService(room)
        room.start()
        hearing.start()
        try:
            changed = asyncio.Event()
            for kind in (AvailabilityChanged, StateChanged):
                room.bus.subscribe("bench", kind, lambda _e: changed.set())
            async with asyncio.timeout(20):
                while room.offline_devices():
                    changed.clear()
                    await changed.wait()
            await hearing.execute("open", {"case_no": "BENCH-1"}, actor="bench")
            mics: Any = sim.device("mics")
            hold = config.voice_follow.hold_s + 0.2
            await asyncio.sleep(hold)
            latencies: list[float] = []
            noise_switches = 0
            rng = random.Random(7)
            plan = ["speech"] * samples + ["noise"] * noise
            rng.shuffle(plan)
            turn = 0
            for kind in plan:
                seat, camera = SEATS[turn % len(SEATS)]
                if hearing.voice.current == camera.removeprefix("cam-"):
                    turn += 1
                    seat, camera = SEATS[turn % len(SEATS)]
                turn += 1
                address = config.device(camera).address
                assert address is not None
                bus = sim.bus_for(camera)
                onset = time.monotonic()
                mics.press(seat)
                if kind == "speech":
                    frame = await bus.next_frame(_recall(address), since=onset, timeout=2.0)
                    latencies.append((frame.time - onset) * 1000)
                    await asyncio.sleep(0.3)
                    mics.release(seat)
                    await asyncio.sleep(hold - 0.3)
                else:
                    await asyncio.sleep(rng.uniform(0.020, 0.095))
                    mics.release(seat)
                    try:
                        await bus.next_frame(_recall(address), since=onset, timeout=1.0)
                        noise_switches += 1
                    except TimeoutError:
                        pass
                    await asyncio.sleep(max(0.0, hold - 1.0))
            ordered = sorted(latencies)
            return {
                "p50_ms": round(statistics.median(ordered), 1),
                "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 1),
                "max_ms": round(ordered[-1], 1),
                "noise_switches": noise_switches,
                "samples": len(latencies),
                "noise_bursts": noise,
                "reaction_ms": config.voice_follow.reaction_ms,
                "hold_s": config.voice_follow.hold_s,
            }
        finally:
            await hearing.stop()
            await room.stop()
            await sim.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--noise", type=int, default=30)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.samples, args.noise))))


if __name__ == "__main__":
    main()
