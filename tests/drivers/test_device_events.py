"""Device events are declared per device class, as actions are: a class cannot raise one it did not declare,
and every declared name is one the hearing, the recording unit and the contract know."""

from __future__ import annotations

import pytest

from drivers.devices.base import Device
from drivers.devices.button import Button
from drivers.devices.events import DeviceEventName
from drivers.devices.mic import MicSystem
from drivers.devices.recorder import Recorder
from drivers.factory import DeviceFactory
from drivers.profiles import ProfileLibrary
from drivers.recording.device import SoftwareRecorder
from drivers.signals.audio import AudioInput


def test_each_class_declares_the_events_it_raises() -> None:
    assert MicSystem.events == {"mic_on", "mic_off", "request_on", "request_off", "all_off"}
    assert Button.events == {"pressed", "released"}
    assert AudioInput.events == {"speech_on", "speech_off"}
    assert Recorder.events == {"recording_stopped"}
    assert SoftwareRecorder.events == {"recording_stopped", "segment_closed"}
    assert Device.events == frozenset()  # displays, cameras, DSPs raise none


async def test_an_undeclared_event_is_refused_and_a_declared_one_reaches_the_listeners() -> None:
    factory = DeviceFactory(ProfileLibrary())
    device = factory.build("cu", "shure/dcs-6000-cu6105", "/dev/courtroom/cu")
    heard: list[tuple[str, dict[str, object]]] = []
    device.add_event_listener(lambda event, data: heard.append((event, data)))
    assert isinstance(device, MicSystem)
    device._mic(7, True)
    assert heard == [("mic_on", {"seat": 7})]
    with pytest.raises(ValueError, match="does not declare the device event 'pressed'"):
        device._emit(DeviceEventName.PRESSED, presses=1)
    await factory.close()
