"""`courtroom run`: the daemon's main: room, supervisors and MQTT bridge, with a clean shutdown on signals."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
from pathlib import Path
from typing import Any

from controller.cases.service import CaseService
from controller.config import load_config, load_profiles
from controller.console.server import start_console
from controller.hearing.record import room_facts
from controller.hearing.restore import restore, verify_recording
from controller.hearing.service import HearingService
from controller.journal import Journal, Kind, SpaceLimits
from controller.journal.checkpoint import Checkpointer
from controller.journal.space import MiB
from controller.mqtt.bridge import MqttBridge
from controller.mqtt.session import SessionCounter
from controller.recording.service import RecordingService
from controller.room import Room
from controller.settings import JournalConfig
from controller.signing import RoomKey
from controller.streaming.console_api import LiveApi
from controller.streaming.service import StreamService
from controller.systemd import Notifier
from drivers.errors import CourtroomError

log = logging.getLogger(__name__)

# READY waits this long for the broker, then says it goes on without it (the environment may shorten it)
READY_BROKER_WAIT_S = float(os.environ.get("COURTROOM_READY_BROKER_WAIT_S", "15"))


async def run_daemon(config_path: Path, stop: asyncio.Event | None = None) -> int:
    """Run the room described by ``config_path`` until SIGTERM/SIGINT, or until ``stop`` is set; returns 0.

    With ``stop`` given, the caller owns the signals (the demo runs the daemon beside the simulator).

    Shutdown order: the stop journaled (with the recorders' last known state) and its checkpoint signed, then
    every device offline, then ``$ctl/state`` offline, then disconnect.
    """
    config = load_config(config_path)
    library = load_profiles(config, str(config_path))
    config.broker.password()  # a missing password file is a start-up error, not a reconnect loop
    key = RoomKey.load_or_create(config.signing_key_path)  # created (0600) at first start
    session = SessionCounter(config.state_dir)
    journal = Journal(config.state_dir / "journal.sqlite", config.room.id, space_limits(config.journal))
    await journal.open()
    checkpoints = Checkpointer(journal, key, config.journal.checkpoint_interval_s)
    room = Room(config, library, journal=journal)
    hearing = HearingService(room, journal)
    recording = RecordingService(room, hearing, journal, key)
    bridge = MqttBridge(room, config.broker, session, hearing, checkpoints)  # before restore(): it keeps the gap
    cases = CaseService(config.cases, config.room.id, config.room.zone, hearing)
    bridge.add_service("cases", cases)
    stream = StreamService(config.streaming, room, hearing, journal)
    bridge.add_service("stream", stream)
    await checkpoints.start()
    restored = await restore(hearing, journal)
    live = LiveApi(cases, stream).routes()  # the schedule and the stream in the console
    console = await start_console(config, room, hearing, journal, live)

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
    started = {**room_facts(config), "key": key.fingerprint, "session": session.value}
    await _append_quietly(journal, Kind.DAEMON_STARTED, started)
    await _sign_last(checkpoints)
    room.start()
    hearing.start()
    recording.start()
    cases.start()
    verify_task = asyncio.create_task(verify_recording(hearing), name="verify-recording") if restored else None
    bridge_task = asyncio.create_task(bridge.run(), name="mqtt-bridge")
    notifier = Notifier()
    watchdog_task = asyncio.create_task(notifier.feed_watchdog(), name="sd-watchdog")
    ready_task = asyncio.create_task(_announce_ready(notifier, bridge, len(config.devices)), name="sd-ready")
    # Everything loaded so far lives as long as the daemon: keep it out of the collector's generations, so a
    # collection while a command runs walks only what the command made.
    gc.freeze()
    try:
        await stop.wait()
    finally:
        log.info("stopping")
        notifier.stopping()
        ready_task.cancel()
        await asyncio.gather(ready_task, return_exceptions=True)
        if verify_task is not None:
            verify_task.cancel()
            await asyncio.gather(verify_task, return_exceptions=True)
        await hearing.stopping()  # a clean stop: journaled before the links go down, and not a recording fault
        await _sign_last(checkpoints)
        await console.stop()
        await cases.stop()
        await stream.stop()
        await hearing.stop()
        await room.stop()  # a software recorder closes and seals its last segments here
        await recording.stop()
        await bridge.stop(bridge_task)
        await checkpoints.stop()
        await _append_quietly(journal, Kind.DAEMON_STOPPED)
        await journal.close()
        watchdog_task.cancel()  # fed until the very end: a stop that hangs is killed at TimeoutStopSec anyway
        await asyncio.gather(watchdog_task, return_exceptions=True)
        notifier.close()
        if own_signals:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)
    return 0


async def _announce_ready(notifier: Notifier, bridge: MqttBridge, devices: int) -> None:
    """READY=1 once every device task runs (they were started before this task) and the broker is connected;
    after READY_BROKER_WAIT_S without it, READY=1 anyway with a STATUS saying so (the room works without MQTT),
    and a second STATUS when it connects."""
    where = f"{bridge.broker.host}:{bridge.broker.port}"
    try:
        await asyncio.wait_for(bridge.connected.wait(), READY_BROKER_WAIT_S)
    except TimeoutError:
        notifier.ready(f"{devices} devices started; broker {where} unreachable, retrying")
        log.warning("ready without the broker %s: still retrying", where)
        await bridge.connected.wait()
        notifier.status(f"{devices} devices started; broker {where} connected")
        return
    notifier.ready(f"{devices} devices started; broker {where} connected")


def space_limits(config: JournalConfig) -> SpaceLimits:
    """The journal's reserve and free-space thresholds from the room config (MiB there, bytes here)."""
    return SpaceLimits(
        reserve=int(config.reserve_mb * MiB),
        min_free=int(config.min_free_mb * MiB),
        low_space=int(config.low_space_mb * MiB),
    )


async def _sign_last(checkpoints: Checkpointer) -> None:
    """Sign the head now, on disk before going on (at start, and before the bridge goes at a stop)."""
    try:
        await checkpoints.sign_now()
    except CourtroomError as exc:
        log.error("cannot sign the last checkpoint: %s", exc)


async def _append_quietly(journal: Journal, kind: Kind, data: dict[str, Any] | None = None) -> None:
    """The daemon's own rows: when the journal cannot write, the alarm says so and the daemon stays up."""
    try:
        await journal.append(kind, data or {})
    except CourtroomError as exc:
        log.error("cannot journal %s: %s", kind, exc)
