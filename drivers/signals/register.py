"""Teaches the DeviceFactory the ``pyaudio-input`` and ``opencv-video`` families.

Ports: ``alsa:<PortAudio input name>`` (exact name, a unique part of it, or an index) for a microphone or audio
interface; ``video:<index|file|URL>`` for a camera, capture card, file or image sequence, or stream. The room
config's device ``options`` override single keys of the profile's (see ``drivers.signals.options``).
"""

from __future__ import annotations

from pydantic import BaseModel

from drivers.devices.base import Device
from drivers.errors import ConfigError
from drivers.factory import BuildRequest, DeviceFactory
from drivers.profiles import parse_options, register_options
from drivers.signals.audio import AudioInput
from drivers.signals.options import AudioOptions, VideoOptions
from drivers.signals.video import VideoInput

AUDIO_FAMILY = "pyaudio-input"
VIDEO_FAMILY = "opencv-video"


def _source(request: BuildRequest, scheme: str, example: str) -> str:
    port = request.port.strip()
    if not port.startswith(scheme) or not port[len(scheme) :]:
        raise ConfigError(f"{request.where('transport.port')}: expected {scheme}<...> (e.g. {example}), got {port!r}")
    return port[len(scheme) :]


def _options(request: BuildRequest, model: type[BaseModel]) -> dict[str, object]:
    merged = {**request.profile.options(), **request.options}
    return parse_options(model, merged, request.where(), ConfigError).model_dump()


def build_audio(_factory: DeviceFactory, request: BuildRequest) -> Device:
    """An AudioInput on its own PortAudio input device."""
    source = _source(request, "alsa:", "alsa:hw:CARD=U8,DEV=0 or alsa:Scarlett")
    options = AudioOptions.model_validate(_options(request, AudioOptions))
    return AudioInput(request.device_id, request.profile, source, options)


def build_video(_factory: DeviceFactory, request: BuildRequest) -> Device:
    """A VideoInput on a device index, a file or a stream URL."""
    source = _source(request, "video:", "video:0 or video:rtsp://10.0.0.5/stream1")
    options = VideoOptions.model_validate(_options(request, VideoOptions))
    return VideoInput(request.device_id, request.profile, source, options)


def register() -> None:
    """Register both builders and options models (idempotent)."""
    register_options(AUDIO_FAMILY, AudioOptions)
    register_options(VIDEO_FAMILY, VideoOptions)
    DeviceFactory.register(AUDIO_FAMILY, build_audio)
    DeviceFactory.register(VIDEO_FAMILY, build_video)
