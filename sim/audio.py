"""Simulated microphones: ALSA's file plugin reads a generated raw file as a capture device.

Each simulated input device (a room config port ``alsa:<name>``) becomes a named pcm ``<name>`` in
``<run_dir>/alsa/asoundrc``, reading ``<run_dir>/audio/<name>.raw`` (S16_LE, all the device's channels
interleaved) over the ``null`` slave. A process that sets ``XDG_CONFIG_HOME=<run_dir>`` before PortAudio starts
sees one PortAudio input per simulated device, under the same name (``alsa_env()``).

The samples come from an ``AudioScript`` (``sim.audio_script``): from the model's ``simulate`` keys, or set on the
handle before the room starts. The file plugin has no clock: readers must pace themselves. Past the end of the
file old data repeats, so the script must be longer than any capture.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sim.audio_script import AudioScript, script_from
from sim.endpoints import Endpoint
from sim.errors import SimConfigError
from sim.faults import FaultHandle, Faults, Pluggable
from sim.registry import BuiltLine, DeviceSpec, register_family

FAMILY = "signals.audio"

PCM_TEMPLATE = """pcm.{name} {{
    type file
    slave.pcm "null"
    file "/dev/null"
    infile "{infile}"
    format "raw"
}}
"""


def pcm_name(port: str) -> str:
    """The pcm (and PortAudio device) name for a port ``alsa:<name>``: letters, digits, ``_`` and ``-`` only."""
    name = re.sub(r"[^A-Za-z0-9_-]", "_", port.removeprefix("alsa:")).strip("_")
    return name or "mic"


def alsa_env(run_dir: Path) -> dict[str, str]:
    """The environment a process needs to see the simulated inputs of ``run_dir``."""
    return {"XDG_CONFIG_HOME": str(run_dir)}


def write_asoundrc(run_dir: Path) -> Path:
    """``<run_dir>/alsa/asoundrc`` holding every plugged pcm of ``<run_dir>/audio``."""
    audio = run_dir / "audio"
    parts = [p.read_text(encoding="utf-8") for p in sorted(audio.glob("*.pcm"))] if audio.is_dir() else []
    target = run_dir / "alsa" / "asoundrc"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("".join(parts), encoding="utf-8")
    return target


class AlsaEndpoint(Endpoint):
    """A named ALSA capture pcm over a raw file; unplug removes the pcm (the device vanishes at next open)."""

    def __init__(self, port: str, run_dir: Path) -> None:
        super().__init__()
        self.name = pcm_name(port)
        self.run_dir = run_dir
        self.raw = run_dir / "audio" / f"{self.name}.raw"
        self._pcm = run_dir / "audio" / f"{self.name}.pcm"
        self.faults: Faults | None = None  # a live microphone's (what makes it fall silent)

    @property
    def url(self) -> str:
        return f"alsa:{self.name}"

    def publish(self, script: AudioScript) -> None:
        """Write the samples and the pcm, and plug it in."""
        self.raw.parent.mkdir(parents=True, exist_ok=True)
        script.write(self.raw)
        self.replug()

    def open(self) -> None:
        self.plugged = True

    def close(self) -> None:
        self.unplug()
        self.raw.unlink(missing_ok=True)

    def write(self, data: bytes) -> None:
        """Nothing goes back to a microphone."""

    def unplug(self) -> None:
        self.plugged = False
        self._pcm.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            write_asoundrc(self.run_dir)

    def replug(self) -> None:
        self._pcm.write_text(PCM_TEMPLATE.format(name=self.name, infile=self.raw), encoding="utf-8")
        write_asoundrc(self.run_dir)
        self.plugged = True


class SimAudioInput(FaultHandle):
    """The test handle (and simulated line) of one input device: its script and its endpoint. Of the faults it
    shows unplug and replug (the pcm vanishes and comes back), and a live microphone also falls silent (the
    device stays open and delivers no samples, as a hung audio interface does) and resumes."""

    def __init__(self, endpoint: AlsaEndpoint, script: AudioScript, seats: Mapping[int, str]) -> None:
        self.endpoint = endpoint
        self.script = script
        self.seats = dict(seats)
        live = endpoint.faults is not None
        self.faults = endpoint.faults or Faults()
        self.honors = self.SIGNALS | {"silent", "resume"} if live else self.SIGNALS

    @property
    def device_name(self) -> str:
        return self.endpoint.name

    def open(self) -> None:
        """Write the raw file and the pcm (set ``script`` before this)."""
        self.endpoint.open()
        self.endpoint.publish(self.script)

    def close(self) -> None:
        self.endpoint.close()

    @property
    def port(self) -> Pluggable:
        return self.endpoint


def _int(options: Mapping[str, Any], key: str, default: int, where: str) -> int:
    value = options.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise SimConfigError(f"{where}: options.{key}: expected a positive integer, got {value!r}")
    return value


def from_spec(endpoint: AlsaEndpoint, spec: DeviceSpec) -> SimAudioInput:
    """An input device as its room config entry and model file describe it."""
    where = f"device {spec.id!r}"
    model_options = spec.model.get("options") or {}
    simulate = spec.model.get("simulate") or {}
    if not isinstance(model_options, Mapping) or not isinstance(simulate, Mapping):
        raise SimConfigError(f"{spec.model_file}: options and simulate must be mappings")
    options = {**model_options, **spec.options}
    channels = _int(options, "channels", 1, where)
    rate = _int(options, "rate", 48000, where)
    seats_raw = options.get("seats") or {}
    if not isinstance(seats_raw, Mapping):
        raise SimConfigError(f"{where}: options.seats: expected a mapping of channel to seat")
    seats = {int(k): str(v) for k, v in seats_raw.items()}
    return SimAudioInput(endpoint, script_from(simulate, channels, rate, where), seats)


def _build(endpoint: Endpoint, devices: list[DeviceSpec], baudrate: int | None) -> BuiltLine:
    if not isinstance(endpoint, AlsaEndpoint):
        raise SimConfigError(f"device {devices[0].id!r}: port {devices[0].port} must be alsa:<name>")
    if len(devices) != 1:
        raise SimConfigError(f"port {devices[0].port}: one input device per alsa: port, got {len(devices)}")
    handle = from_spec(endpoint, devices[0])
    return BuiltLine(handle, {devices[0].id: handle})


def register() -> None:
    """Teach the simulator the ``signals.audio`` family (one input device per ``alsa:`` port)."""
    register_family(FAMILY, {"audio_input"}, _build)
