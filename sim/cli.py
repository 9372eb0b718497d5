"""Run a simulated room as a service: `python -m sim CONFIG --emit-config OUT` (and `courtroom sim`).

It starts every device of the config on its endpoint, optionally writes a copy of the config pointing at
them, prints one JSON line per device (`{"device": id, "endpoint": ...}`) and, with `--control PORT`, a line
`{"control": port}` for its fault control (`sim/control.py`), and runs until SIGINT or SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import shutil
import signal
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from sim.control import FaultControl
from sim.errors import SimError
from sim.room import SimulatedRoom


async def serve(
    config_path: Path,
    emit_config: Path | None = None,
    run_dir: Path | None = None,
    wire_time: bool = False,
    *,
    live: bool = True,
    stop: asyncio.Event | None = None,
    control: int | None = None,
) -> None:
    """Serve the room of `config_path` until SIGINT/SIGTERM (or until `stop` is set), then clean up.

    With `live` (the default), cameras are live MJPEG streams on loopback ports and microphones are fed live
    through named pipes, so a daemon in another process records them as it would on site.

    With `control` (a port, 0 for any free one), the room's fault control listens on loopback.

    Without `run_dir`, pty symlinks go to a temporary folder that is removed at the end.
    """
    temp_dir = None if run_dir is not None else Path(tempfile.mkdtemp(prefix="courtroom-sim-"))
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    handled: list[signal.Signals] = []
    room: SimulatedRoom | None = None
    faults: FaultControl | None = None
    try:
        room = SimulatedRoom(Path(config_path), Path(run_dir or temp_dir or "."), wire_time=wire_time, live=live)
        await room.start()
        if emit_config is not None:
            room.write_config(Path(emit_config))
        for device_id, endpoint in room.endpoints.items():
            print(json.dumps({"device": device_id, "endpoint": endpoint}), flush=True)
        if control is not None:
            faults = FaultControl(room, control)
            print(json.dumps({"control": await faults.start()}), flush=True)
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, stop.set)
                handled.append(sig)
        await stop.wait()
    finally:
        for sig in handled:
            loop.remove_signal_handler(sig)
        if faults is not None:
            await faults.stop()
        if room is not None:
            await room.stop()
        if temp_dir is not None:
            shutil.rmtree(temp_dir, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m sim", description=__doc__.splitlines()[0])
    parser.add_argument("config", type=Path, help="room configuration YAML")
    parser.add_argument("--emit-config", type=Path, help="write the config pointing at the simulated endpoints")
    parser.add_argument("--run-dir", type=Path, help="folder for pty symlinks (default: a temporary folder)")
    parser.add_argument("--wire-time", action="store_true", help="emulate serial wire time at the baud rate")
    parser.add_argument(
        "--files",
        action="store_true",
        help="cameras as video files and microphones as raw files instead of live streams (deterministic tests)",
    )
    parser.add_argument("--control", type=int, metavar="PORT", help="fault control on this loopback port (0: any)")
    args = parser.parse_args(argv)
    try:
        asyncio.run(
            serve(
                args.config, args.emit_config, args.run_dir, args.wire_time, live=not args.files, control=args.control
            )
        )
    except SimError as exc:
        print(f"sim: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0
