"""`courtroom demo`: the example courtroom simulated, a private mosquitto and the daemon, with a short tour.

Everything runs on this machine: the cameras are simulated on a pseudo-terminal the driver opens like a real
serial port, the broker listens on a free loopback port, and the tour drives the room over MQTT only.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import signal
import tempfile
from pathlib import Path
from typing import Any

import yaml

from controller import ctl
from controller.daemon import run_daemon
from controller.localbroker import LocalBroker
from drivers.errors import CourtroomError

EXAMPLE = Path(__file__).resolve().parent.parent / "deploy" / "examples" / "courtroom-standard.yaml"

# Where each camera looks when its seat is in shot: (pan, tilt, zoom) in the model's units.
SEAT_SHOTS = {
    "judge": (0, 120, 6000),
    "plaintiff": (-800, -60, 9000),
    "defendant": (800, -60, 9000),
    "witness": (300, -100, 12000),
    "panorama": (0, 0, 0),
}


def _say(text: str = "") -> None:
    print(text, flush=True)


async def _wait_online(target: ctl.Target, timeout_s: float = 30.0) -> dict[str, Any]:
    async with asyncio.timeout(timeout_s):
        while True:
            retained = await ctl.read_retained(target)
            state = retained.get("$ctl/state", {})
            if isinstance(state, dict) and state.get("state") == "online":
                return retained
            await asyncio.sleep(0.5)


async def _send(target: ctl.Target, device: str, action: str, **params: Any) -> dict[str, Any]:
    reply = await ctl.send(target, device, action, params)
    shown = " ".join(f"{k}={v}" for k, v in params.items())
    outcome = "ok" if reply["status"] == "ok" else f"{reply['error']['code']}: {reply['error']['message']}"
    _say(f"  {device:<14} {action} {shown}  ->  {outcome}")
    return reply


async def _tour(target: ctl.Target, devices: list[dict[str, Any]]) -> None:
    _say("\n1. Store a seat shot as preset 1 on every camera (absolute move, then preset_set):")
    for dev in devices:
        pan, tilt, zoom = SEAT_SHOTS.get(dev.get("role") or "", (0, 0, 0))
        await _send(target, dev["id"], "pan_tilt_to", pan=pan, tilt=tilt)
        await _send(target, dev["id"], "zoom_to", position=zoom)
        await _send(target, dev["id"], "preset_set", preset=1)
    _say("\n2. Send every camera home, then recall preset 1 on all of them at once (five share one RS-485 line):")
    await asyncio.gather(*(_send(target, d["id"], "home") for d in devices))
    await asyncio.gather(*(_send(target, d["id"], "preset_recall", preset=1) for d in devices))
    _say("\n3. Bad input is refused before it reaches the wire:")
    await _send(target, devices[0]["id"], "preset_recall", preset=200)
    await _send(target, devices[0]["id"], "zoom_to", position="far")
    await asyncio.sleep(0.5)
    _say("\n4. The room as the central platform sees it (courtroom ctl status):")
    _say(ctl.format_status(target, await ctl.read_retained(target)))


async def run_demo(config: Path | None = None, tour_only: bool = False) -> int:
    """Start everything, run the tour, then keep running until Ctrl-C (or stop after the tour)."""
    from sim.room import SimulatedRoom  # the simulator is only needed here, not by the daemon

    workdir = Path(tempfile.mkdtemp(prefix="courtroom-demo-"))
    broker = LocalBroker(workdir / "broker")
    sim = SimulatedRoom(config or EXAMPLE, run_dir=workdir / "sim", wire_time=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    daemon: asyncio.Task[int] | None = None
    try:
        await asyncio.to_thread(broker.start)
        await sim.start()
        room_cfg = workdir / "room.yaml"
        sim.write_config(room_cfg)
        data = yaml.safe_load(room_cfg.read_text())
        data["broker"] = {"host": "127.0.0.1", "port": broker.port}
        data["state_dir"] = str(workdir / "state")
        room_cfg.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
        _say(f"Simulated courtroom {data['room']['id']} ({data['room']['name']})")
        for dev_id, endpoint in sim.endpoints.items():
            _say(f"  {dev_id:<14} simulated at {endpoint}")
        _say(f"Private mosquitto on 127.0.0.1:{broker.port}; daemon config {room_cfg}")

        daemon = asyncio.create_task(run_daemon(room_cfg, stop))
        target = ctl.Target("127.0.0.1", broker.port, data["room"]["id"])
        retained = await _wait_online(target)
        await _tour(target, retained["$ctl/devices"]["devices"])
        _say("\nWatch every message of the room:")
        _say(f"  mosquitto_sub -h 127.0.0.1 -p {broker.port} -t 'courtroom/v1/#' -v")
        _say("Send a command:")
        _say(f"  .venv/bin/courtroom ctl --config {room_cfg} send cam-witness preset_recall preset=1")
        _say(f"  .venv/bin/courtroom ctl --config {room_cfg} status")
        if not tour_only:
            _say(
                "\nRunning. Ctrl-C stops the daemon (every device goes offline on MQTT), the simulator and the broker."
            )
            await stop.wait()
        stop.set()
        return await daemon
    except CourtroomError as exc:
        _say(f"demo failed: {exc}")
        return 1
    finally:
        stop.set()
        if daemon is not None and not daemon.done():
            with contextlib.suppress(Exception):
                await daemon
        await sim.stop()
        await asyncio.to_thread(broker.stop)
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        shutil.rmtree(workdir, ignore_errors=True)
