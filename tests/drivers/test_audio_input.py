"""AudioInput against real PyAudio reading the ALSA file plugin (sim.audio): no sound card needed."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from controller.mqtt.contract import AudioInputState, Meter
from drivers.devices.base import Device
from drivers.errors import ConfigError, TransportLost
from drivers.factory import DeviceFactory
from drivers.profiles import ProfileLibrary
from drivers.signals.audio import AudioInput
from drivers.signals.clock import FastClock
from drivers.signals.options import AudioOptions
from sim.audio import AlsaEndpoint, SimAudioInput, alsa_env
from sim.audio_script import AudioScript, Turn

RATE = 16000
SEATS = {1: "judge", 2: "clerk", 3: "witness", 4: "counsel"}
SCRIPT = AudioScript(
    channels=4,
    rate=RATE,
    duration_s=40.0,
    turns=(Turn(1, 0.5, 3.5), Turn(2, 4.5, 7.5), Turn(4, 8.5, 10.5)),
    dead=frozenset({3}),
    clipping=frozenset({4}),
)


@pytest.fixture
def alsa_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for key, value in alsa_env(tmp_path).items():
        monkeypatch.setenv(key, value)
    return tmp_path


@pytest.fixture
def sim_mics(alsa_dir: Path) -> Iterator[SimAudioInput]:
    handle = SimAudioInput(AlsaEndpoint("alsa:bench-mics", alsa_dir), SCRIPT, SEATS)
    handle.open()
    yield handle
    handle.close()


def make(library: ProfileLibrary, source: str, speed: float = 25.0, **options: Any) -> AudioInput:
    opts = AudioOptions(channels=4, rate=RATE, seats=SEATS, **options)
    return AudioInput("mics", library.get("generic/usb-audio-interface-8ch"), source, opts, clock=FastClock(speed))


async def until(device: Device, predicate: Callable[[], bool], timeout_s: float = 5.0) -> None:
    """Wait for ``predicate()``, looking again on each state change or meter (and every 50 ms)."""
    changed = asyncio.Event()
    device.add_listener(changed.set)
    device.add_meter_listener(lambda _levels: changed.set())
    async with asyncio.timeout(timeout_s):
        while not predicate():
            changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), 0.05)


async def test_seats_speak_in_turn_and_the_meter_fits_the_contract(
    library: ProfileLibrary, sim_mics: SimAudioInput
) -> None:
    device = make(library, sim_mics.device_name)
    events: list[tuple[str, dict[str, Any]]] = []
    meters: list[dict[str, Any]] = []
    device.add_event_listener(lambda event, data: events.append((event, data)))
    device.add_meter_listener(meters.append)
    await device.connect()
    try:
        await until(device, lambda: device.analyzer.media_s >= 11.0)
    finally:
        await device.close()
    assert events[:5] == [
        ("speech_on", {"seat": 1}),
        ("speech_off", {"seat": 1}),
        ("speech_on", {"seat": 2}),
        ("speech_off", {"seat": 2}),
        ("speech_on", {"seat": 4}),
    ]
    assert len(meters) >= 100  # one per 100 ms block
    Meter(seats=meters[20]["seats"])
    assert meters[20]["seats"]["judge"]["speaking"] is True
    assert -40 < meters[20]["seats"]["judge"]["peak_dbfs"] < 0
    AudioInputState.model_validate(device.snapshot())


async def test_a_dead_microphone_raises_its_alarm_within_the_configured_time(
    library: ProfileLibrary, sim_mics: SimAudioInput
) -> None:
    device = make(library, sim_mics.device_name, silence_alarm_s=3.0)
    device.set_hearing_open(True)
    raised_at: list[float] = []

    def watch() -> None:
        if "silent:witness" in device.snapshot()["alarms"] and not raised_at:
            raised_at.append(device.analyzer.media_s)

    device.add_listener(watch)
    await device.connect()
    try:
        await until(device, lambda: bool(raised_at))
    finally:
        await device.close()
    assert 3.0 <= raised_at[0] <= 3.0 + device.block_s + 1e-6  # counted in samples, not in wall time
    seat = device.snapshot()["seats"]["witness"]
    assert seat["silent_s"] >= 3.0
    assert seat["rms_dbfs"] == -120.0
    assert not any(a.startswith("silent:") and a != "silent:witness" for a in device.snapshot()["alarms"])


async def test_no_silence_alarm_while_no_hearing_is_open(library: ProfileLibrary, sim_mics: SimAudioInput) -> None:
    device = make(library, sim_mics.device_name, silence_alarm_s=1.0)
    await device.connect()
    try:
        await until(device, lambda: device.analyzer.media_s >= 2.0)
        assert device.snapshot()["alarms"] == []
        device.set_hearing_open(True)
        assert "silent:witness" in device.snapshot()["alarms"]
        device.set_hearing_open(False)
        assert device.snapshot()["alarms"] == []
    finally:
        await device.close()


async def test_a_clipping_microphone_raises_its_alarm(library: ProfileLibrary, sim_mics: SimAudioInput) -> None:
    device = make(library, sim_mics.device_name)
    await device.connect()
    try:
        await until(device, lambda: "clipping:counsel" in device.snapshot()["alarms"], timeout_s=5.0)
        assert device.snapshot()["seats"]["counsel"]["clipping"] is True
    finally:
        await device.close()


async def test_a_file_source_is_paced_at_real_time(library: ProfileLibrary, sim_mics: SimAudioInput) -> None:
    device = make(library, sim_mics.device_name, speed=1.0)
    started = time.monotonic()
    await device.connect()
    try:
        await asyncio.sleep(0.6)
        media, wall = device.analyzer.media_s, time.monotonic() - started
    finally:
        await device.close()
    assert wall - 0.25 <= media <= wall + 0.25


async def test_an_unknown_input_is_refused_with_the_names_it_has(
    library: ProfileLibrary, sim_mics: SimAudioInput
) -> None:
    device = make(library, "no-such-interface")
    with pytest.raises(TransportLost, match="bench-mics"):
        await device.connect()
    await device.close()


class BrokenStream:
    def __init__(self) -> None:
        self.reads = 0
        self.closed = False

    def read(self, frames: int) -> bytes:
        self.reads += 1
        if self.reads > 3:
            raise OSError(-9981, "Input overflowed / device unplugged")
        return bytes(frames * 4 * 2)

    def close(self) -> None:
        self.closed = True


async def test_a_failing_reader_makes_the_poll_fail(library: ProfileLibrary) -> None:
    stream = BrokenStream()
    opts = AudioOptions(channels=4, rate=RATE, seats=SEATS)
    device = AudioInput("mics", library.get("generic/usb-audio-interface-8ch"), "x", opts, opener=lambda *_: stream)
    await device.connect()
    try:
        await until(device, lambda: stream.closed, timeout_s=2.0)
        await asyncio.sleep(0.05)
        with pytest.raises(TransportLost, match="unplugged"):
            await device.poll()
    finally:
        await device.close()


def test_the_factory_builds_from_an_alsa_port_with_room_options(library: ProfileLibrary) -> None:
    factory = DeviceFactory(library)
    device = factory.build(
        "mics", "generic/usb-audio-interface-8ch", "alsa:Scarlett", options={"seats": {"1": "judge", "8": "witness"}}
    )
    assert isinstance(device, AudioInput)
    assert device.source == "Scarlett"
    assert device.options.channels == 8
    assert device.analyzer.seats == {1: "judge", 8: "witness"}
    with pytest.raises(ConfigError, match="alsa:"):
        factory.build("m2", "generic/usb-mic-mono", "/dev/ttyUSB0")
    with pytest.raises(ConfigError, match="seats"):
        factory.build("m3", "generic/usb-mic-mono", "alsa:x", options={"seats": {"2": "judge"}})
    with pytest.raises(ConfigError, match="vad_treshold"):
        factory.build("m4", "generic/usb-mic-mono", "alsa:x", options={"vad_treshold_dbfs": -40})
