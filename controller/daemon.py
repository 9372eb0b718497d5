"""`courtroom run`: the daemon's main: room, supervisors and MQTT bridge, with a clean shutdown on signals."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from pathlib import Path

from controller.config import load_config, load_profiles
from controller.console.server import start_console
from controller.hearing.restore import restore, verify_recording
from controller.hearing.service import HearingService
from controller.journal import Journal
from controller.mqtt.bridge import MqttBridge
from controller.mqtt.session import SessionCounter
from controller.recording.service import RecordingService
from controller.room import Room
from controller.signing import RoomKey

log = logging.getLogger(__name__)


async def run_daemon(config_path: Path, stop: asyncio.Event | None = None) -> int:
    """Run the room described by ``config_path`` until SIGTERM/SIGINT, or until ``stop`` is set; returns 0.

    With ``stop`` given, the caller owns the signals (the demo runs the daemon beside the simulator).

    Shutdown order: every device offline, then ``$ctl/state`` offline, then disconnect.
    """
    config = load_config(config_path)
    library = load_profiles(config, str(config_path))
    config.broker.password()  # a missing password file is a start-up error, not a reconnect loop
    session = SessionCounter(config.state_dir)
    journal = Journal(config.state_dir / "journal.sqlite", config.room.id)
    await journal.open()
    room = Room(config, library, journal=journal)
    hearing = HearingService(room, journal)
    recording = RecordingService(room, hearing, journal, RoomKey.load_or_create(config.signing_key_path))
    bridge = MqttBridge(room, config.broker, session, hearing)  # before restore(): it keeps the gap's events
    restored = await restore(hearing, journal)
    console = await start_console(config, room, hearing, journal)  # after the bridge: it chains the hearing's hooks

    loop = asyncio.get_running_loop()
    own_signals = stop is None
    stop = stop or asyncio.Event()
    if own_signals:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
    log.info(
        "room %s: %d devices, broker %s:%d",
        config.room.id,
        len(config.devices),
        config.broker.host,
        config.broker.port,
    )
    await journal.append("daemon_started", {"devices": [d.id for d in config.devices], "session": session.value})
    room.start()
    hearing.start()
    recording.start()
    verify_task = asyncio.create_task(verify_recording(hearing), name="verify-recording") if restored else None
    bridge_task = asyncio.create_task(bridge.run(), name="mqtt-bridge")
    # Everything loaded so far lives as long as the daemon: keep it out of the collector's generations, so a
    # collection while a command runs walks only what the command made.
    gc.freeze()
    try:
        await stop.wait()
    finally:
        log.info("stopping")
        if verify_task is not None:
            verify_task.cancel()
            await asyncio.gather(verify_task, return_exceptions=True)
        await console.stop()
        await hearing.stop()
        await room.stop()  # a software recorder closes and seals its last segments here
        await recording.stop()
        await bridge.stop(bridge_task)
        await journal.append("daemon_stopped", {})
        await journal.close()
        if own_signals:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)
    return 0
