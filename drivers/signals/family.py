"""The ``signals`` family: what the room hears and sees, read from sources rather than spoken to.

``signals.audio``: a microphone or audio interface read through PyAudio, ``transport.port`` ``alsa:<PortAudio
input name>`` (exact name, a unique part of it, or an index). ``signals.video``: a camera, capture card, file,
image sequence or stream read through OpenCV, ``video:<index|file|URL>``. The room config's device ``options``
override single keys of the profile's (see ``drivers.signals.options``).
"""

from __future__ import annotations

from drivers.devices.base import Device
from drivers.errors import ConfigError
from drivers.factory import BuildRequest, DeviceFactory
from drivers.families import FamilySpec, ProtocolSpec
from drivers.signals.audio import AudioInput
from drivers.signals.options import AudioOptions, VideoOptions
from drivers.signals.video import VideoInput


def _source(request: BuildRequest, scheme: str, example: str) -> str:
    source = request.port.strip()[len(scheme) :]
    if not source:
        raise ConfigError(f"{request.where('transport.port')}: expected {scheme}<...> (e.g. {example}), got nothing")
    return source


def build_audio(_factory: DeviceFactory, request: BuildRequest) -> Device:
    """An AudioInput on its own PortAudio input device."""
    source = _source(request, "alsa:", "alsa:hw:CARD=U8,DEV=0 or alsa:Scarlett")
    return AudioInput(request.device_id, request.profile, source, request.options_as(AudioOptions))


def build_video(_factory: DeviceFactory, request: BuildRequest) -> Device:
    """A VideoInput on a device index, a file or a stream URL."""
    source = _source(request, "video:", "video:0 or video:rtsp://10.0.0.5/stream1")
    return VideoInput(request.device_id, request.profile, source, request.options_as(VideoOptions))


FAMILY = FamilySpec(
    id="signals",
    protocols=(
        ProtocolSpec("audio_input", build_audio, ("alsa",), options=AudioOptions, variant="audio"),
        ProtocolSpec("video_input", build_video, ("video",), options=VideoOptions, variant="video"),
    ),
)
