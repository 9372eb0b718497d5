"""Simulated cameras: generated test patterns as a video file (or PNG sequence) OpenCV reads as a camera.

Each frame shows the device's label, a disc that moves across the picture and the burned-in time and frame
number, over a grey gradient, so consecutive frames always differ. A script of faults makes stretches of the
file ``frozen`` (the frame at the start of the stretch repeats) or ``black``; ``unplug()`` moves the file away
(a driver sees no signal) and ``replug()`` brings it back. A room config port ``video:<name>`` becomes
``video:<run_dir>/video/<name>.mp4`` (or ``.../<name>/frame_%04d.png``) in the written config.
"""

from __future__ import annotations

import contextlib
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import cv2
import numpy as np
from numpy.typing import NDArray

from sim.endpoints import Endpoint
from sim.errors import SimConfigError
from sim.faults import FaultHandle, Faults, Pluggable
from sim.registry import BuiltLine, DeviceSpec, register_family

FAMILY = "signals.video"
Fault = Literal["frozen", "black"]
Frame = NDArray[np.uint8]


@dataclass(frozen=True)
class FaultSpan:
    kind: Fault
    start_s: float
    end_s: float


@dataclass(frozen=True)
class VideoScript:
    """What one simulated camera shows."""

    label: str = "camera"
    width: int = 640
    height: int = 360
    fps: float = 25.0
    duration_s: float = 10.0
    faults: tuple[FaultSpan, ...] = ()
    container: Literal["mp4", "png"] = "mp4"

    @property
    def frame_count(self) -> int:
        return max(1, round(self.duration_s * self.fps))

    def fault_at(self, at_s: float) -> FaultSpan | None:
        return next((f for f in self.faults if f.start_s <= at_s < f.end_s), None)


def pattern(script: VideoScript, index: int) -> Frame:
    """Frame ``index`` of the test pattern (no faults)."""
    w, h = script.width, script.height
    at = index / script.fps
    ramp = np.linspace(60, 180, w, dtype=np.float32)
    frame = np.repeat(np.repeat(ramp[None, :, None], h, axis=0), 3, axis=2).astype(np.uint8)
    span = max(1, w - h // 3)
    x = int((at * w / 4) % (2 * span))
    x = x if x < span else 2 * span - x
    cv2.circle(frame, (x + h // 6, h // 2), h // 6, (40, 200, 240), -1)
    scale = max(0.4, h / 360)
    thick = max(1, round(2 * scale))
    cv2.putText(frame, script.label, (10, int(40 * scale)), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), thick)
    stamp = f"{int(at // 3600):02d}:{int(at // 60) % 60:02d}:{at % 60:05.2f}  #{index}"
    cv2.putText(frame, stamp, (10, h - int(15 * scale)), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), thick)
    return frame


def frames(script: VideoScript) -> list[Frame]:
    """Every frame of the script, faults applied."""
    out: list[Frame] = []
    held: Frame | None = None
    for index in range(script.frame_count):
        fault = script.fault_at(index / script.fps)
        if fault is None:
            held = None
            out.append(pattern(script, index))
        elif fault.kind == "black":
            held = None
            out.append(np.zeros((script.height, script.width, 3), dtype=np.uint8))
        else:
            held = held if held is not None else (out[-1] if out else pattern(script, index))
            out.append(held)
    return out


def write_video(script: VideoScript, target: Path) -> Path:
    """Write the script as an ``mp4v`` file or a PNG folder; the path a capture opens."""
    if script.container == "png":
        target.mkdir(parents=True, exist_ok=True)
        for index, frame in enumerate(frames(script)):
            cv2.imwrite(str(target / f"frame_{index:04d}.png"), frame)
        return target / "frame_%04d.png"
    fourcc = cv2.VideoWriter.fourcc(*"mp4v")
    writer = cv2.VideoWriter(str(target), fourcc, script.fps, (script.width, script.height))
    if not writer.isOpened():
        raise SimConfigError(f"{target}: OpenCV cannot write mp4v video")
    try:
        for frame in frames(script):
            writer.write(frame)
    finally:
        writer.release()
    return target


def video_name(port: str) -> str:
    name = re.sub(r"[^A-Za-z0-9_-]", "_", port.removeprefix("video:")).strip("_")
    return name or "camera"


class VideoEndpoint(Endpoint):
    """A generated video under ``<run_dir>/video``; unplug moves it away, replug brings it back."""

    def __init__(self, port: str, run_dir: Path) -> None:
        super().__init__()
        self.name = video_name(port)
        self.folder = run_dir / "video"
        self.source: Path | None = None
        self.faults: Faults | None = None  # a live stream's (what makes it fall silent)

    @property
    def url(self) -> str:
        return f"video:{self.source or self.folder / (self.name + '.mp4')}"

    def _stored(self) -> Path:
        return (
            self.folder / f"{self.name}.mp4"
            if self.source is None or self.source.suffix == ".mp4"
            else (self.folder / self.name)
        )

    def publish(self, script: VideoScript) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / (f"{self.name}.mp4" if script.container == "mp4" else self.name)
        self.source = write_video(script, target)
        self.plugged = True

    def open(self) -> None:
        self.plugged = True

    def close(self) -> None:
        self.replug()
        stored = self._stored()
        if stored.is_dir():
            shutil.rmtree(stored, ignore_errors=True)
        else:
            stored.unlink(missing_ok=True)
        self.plugged = False

    def write(self, data: bytes) -> None:
        """Nothing goes back to a camera."""

    def unplug(self) -> None:
        stored = self._stored()
        if stored.exists():
            stored.rename(stored.with_name(stored.name + ".unplugged"))
        self.plugged = False

    def replug(self) -> None:
        stored = self._stored()
        away = stored.with_name(stored.name + ".unplugged")
        with contextlib.suppress(FileNotFoundError):
            away.rename(stored)
        self.plugged = True


class SimVideoInput(FaultHandle):
    """The test handle (and simulated line) of one camera: its script and its endpoint. Of the faults it shows
    unplug and replug (the file or the stream vanishes), and a live camera also falls silent (its stream stays
    open and sends no picture, as a hung encoder does) and resumes."""

    def __init__(self, endpoint: VideoEndpoint, script: VideoScript) -> None:
        self.endpoint = endpoint
        self.script = script
        live = endpoint.faults is not None
        self.faults = endpoint.faults or Faults()
        self.honors = self.SIGNALS | {"silent", "resume"} if live else self.SIGNALS

    @property
    def path(self) -> str:
        """What ``video:`` names once open."""
        return self.endpoint.url.removeprefix("video:")

    def open(self) -> None:
        self.endpoint.open()
        self.endpoint.publish(self.script)

    def close(self) -> None:
        self.endpoint.close()

    @property
    def port(self) -> Pluggable:
        return self.endpoint


def script_from(label: str, simulate: Mapping[str, Any], where: str) -> VideoScript:
    """A script from a model's ``simulate`` keys: width, height, fps, duration_s, container, faults
    (``[[kind, start_s, end_s], ...]``)."""
    try:
        faults = tuple(FaultSpan(kind, float(a), float(b)) for kind, a, b in simulate.get("faults", []))
        bad = [f.kind for f in faults if f.kind not in ("frozen", "black")]
        if bad:
            raise ValueError(f"unknown fault(s) {bad}")
        container = str(simulate.get("container", "mp4"))
        if container not in ("mp4", "png"):
            raise ValueError(f"container {container!r} is not mp4 or png")
        return VideoScript(
            label=str(simulate.get("label", label)),
            width=int(simulate.get("width", 640)),
            height=int(simulate.get("height", 360)),
            fps=float(simulate.get("fps", 25.0)),
            duration_s=float(simulate.get("duration_s", 10.0)),
            faults=faults,
            container="png" if container == "png" else "mp4",
        )
    except (TypeError, ValueError) as exc:
        raise SimConfigError(f"{where}: simulate: {exc}") from exc


def _build(endpoint: Endpoint, devices: list[DeviceSpec], baudrate: int | None) -> BuiltLine:
    if not isinstance(endpoint, VideoEndpoint):
        raise SimConfigError(f"device {devices[0].id!r}: port {devices[0].port} must be video:<name>")
    if len(devices) != 1:
        raise SimConfigError(f"port {devices[0].port}: one camera per video: port, got {len(devices)}")
    spec = devices[0]
    simulate = spec.model.get("simulate") or {}
    if not isinstance(simulate, Mapping):
        raise SimConfigError(f"{spec.model_file}: simulate must be a mapping")
    handle = SimVideoInput(endpoint, script_from(spec.id, simulate, f"device {spec.id!r}"))
    return BuiltLine(handle, {spec.id: handle})


def register() -> None:
    """Teach the simulator the ``signals.video`` family (one camera per ``video:`` port)."""
    register_family(FAMILY, {"video_input"}, _build)
