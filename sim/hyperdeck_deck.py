"""The simulated HyperDeck's state and reply fields (sim.hyperdeck serves it): transport, slots, clips.

Field sets from the "Blackmagic HyperDeck Ethernet Protocol" chapter of the current HyperDeck manuals (protocol
1.11+); a unit set to an older protocol version answers with the older, shorter sets.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Clock = Callable[[], float]
PARAM_KEYS = (
    "slot id",
    "clip id",
    "single clip",
    "video format",
    "name",
    "transport",
    "slot",
    "remote",
    "configuration",
    "enable",
    "override",
    "speed",
    "loop",
    "count",
    "version",
    *(
        "dropped frames",
        "display timecode",
        "timeline position",
        "playrange",
        "cache",
        "dynamic range",
        "slate",
        "clips",
        "disk",
        "device info",
    ),
)
_KEY = re.compile(r"(?:^|\s)(" + "|".join(PARAM_KEYS) + r"):\s*")
NOTIFY_KEYS = (
    "transport",
    "slot",
    "remote",
    "configuration",
    "dropped frames",
    "display timecode",
    "timeline position",
    "playrange",
    "cache",
    "dynamic range",
    "slate",
    "clips",
    "disk",
    "device info",
)
OLD_NOTIFY_KEYS = NOTIFY_KEYS[:4]  # what protocol versions before 1.11 know
BYTES_PER_SECOND = 12_500_000  # how fast the simulated disk fills, for `remaining size` / `total size` [U]


def block(code: int, title: str, params: Mapping[str, object] | None = None) -> bytes:
    """A reply: ``200 ok`` or a block ``208 transport info:`` + ``key: value`` lines + a blank line."""
    if params is None:
        return f"{code} {title}\r\n".encode()
    body = "".join(f"{key}: {value}\r\n" for key, value in params.items())
    return f"{code} {title}:\r\n{body}\r\n".encode()


def parse_params(text: str) -> dict[str, str] | None:
    """``name: Court2 slot: true`` -> {name: Court2, slot: true}; None when it does not parse."""
    matches = list(_KEY.finditer(text))
    if not matches or matches[0].start() != 0:
        return None
    params: dict[str, str] = {}
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        params[match.group(1)] = text[match.end() : end].strip()
    return params


@dataclass
class Slot:
    present: bool
    remaining: float
    volume: str
    total: float = 0.0  # the recording time an empty disk holds, for `total size`


@dataclass
class Clip:
    name: str
    start_frame: int
    frames: int


class HyperDeck:
    """The unit's state; `changed(kinds)` is called with what to notify (transport / slot / remote)."""

    def __init__(self, settings: Mapping[str, Any], clock: Clock = time.monotonic) -> None:
        self.clock = clock
        self.model = str(settings.get("model_name", "HyperDeck Studio HD Plus"))
        self.protocol_version = str(settings.get("protocol_version", "1.11"))
        self.video_format = str(settings.get("video_format", "1080i50"))
        self.input_video_format = str(settings.get("input_video_format", self.video_format))
        self.file_format = str(settings.get("file_format", "QuickTimeProResHQ"))
        self.dynamic_range = str(settings.get("dynamic_range", "Rec709"))
        self.unique_id = str(settings.get("unique_id", "7c2e0d0a1b2c"))
        self.software_version = str(settings.get("software_version", "8.3"))
        self.name = str(settings.get("name", self.model))
        self.fps = int(settings.get("frame_rate", 25))
        self.countdown_speed = float(settings.get("countdown_speed", 1.0))
        count = int(settings.get("slots", 2))
        self.slots = {n: Slot(False, 0.0, "") for n in range(1, count + 1)}
        remaining = float(settings.get("remaining_s", 10800))
        self.slots[1] = Slot(True, remaining, str(settings.get("volume", "SSD1")), remaining)
        self.active = 1
        self.transport = "stopped"
        self.clip: str | None = None
        self.clip_list: list[Clip] = []
        self.clips = 0
        self.remote = True
        self._frames = 0.0
        self._since = clock()
        self.changed: Callable[[tuple[str, ...]], None] = lambda kinds: None

    @property
    def current(self) -> bool:
        """The unit speaks protocol 1.11 or later: the current manual's field sets."""
        major, _, minor = self.protocol_version.partition(".")
        try:
            return (int(major), int(minor or 0)) >= (1, 11)
        except ValueError:
            return True

    def settle(self) -> None:
        """Run time and the disk countdown up to now; a full disk stops the recording."""
        now = self.clock()
        elapsed, self._since = now - self._since, now
        if self.transport in ("play", "record"):
            self._frames = (self._frames + elapsed * self.fps) % (24 * 3600 * self.fps)
        if self.transport == "record":
            if self.clip_list:
                self.clip_list[-1].frames = int(self._frames) - self.clip_list[-1].start_frame
            slot = self.slots[self.active]
            slot.remaining = max(0.0, slot.remaining - elapsed * self.countdown_speed)
            if slot.remaining <= 0:
                self.transport = "stopped"
                self.changed(("transport", "slot"))

    def seconds_to_full(self) -> float | None:
        if self.transport != "record" or self.countdown_speed <= 0:
            return None
        return self.slots[self.active].remaining / self.countdown_speed

    @property
    def timecode(self) -> str:
        self.settle()
        total = int(self._frames)
        seconds = total // self.fps
        return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}:{total % self.fps:02d}"

    def set_transport(self, state: str) -> None:
        self.settle()
        if state != self.transport:
            self.transport = state
            self.changed(("transport",))

    def record(self, name: str | None) -> int | None:
        """Start recording; the failure code when it cannot."""
        self.settle()
        slot = self.slots[self.active]
        if not slot.present:
            return 105
        if slot.remaining <= 0:
            return 104
        self.clips += 1
        self.clip = name or f"{slot.volume}_{self.clips:04d}"
        self.clip_list.append(Clip(self.clip, int(self._frames), 0))
        self.set_transport("record")
        return None

    def set_disk(self, present: bool, remaining_s: int | None) -> None:
        self.settle()
        slot = self.slots[self.active]
        slot.present = present
        if remaining_s is not None:
            slot.remaining = float(remaining_s)
        if present and not slot.volume:
            slot.volume = "SSD1"
        kinds: tuple[str, ...] = ("slot",)
        if not present and self.transport in ("record", "play"):
            self.transport = "stopped"
            kinds = ("transport", "slot")
        self.changed(kinds)

    def frames_as_timecode(self, frames: int) -> str:
        seconds = frames // self.fps
        return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}:{frames % self.fps:02d}"

    def transport_info(self) -> dict[str, object]:
        tc = self.timecode
        info: dict[str, object] = {
            "status": self.transport,
            "speed": 100 if self.transport == "play" else 0,
            "slot id": self.active if self.slots[self.active].present else "none",
            "clip id": self.clips if self.clip else "none",
            "single clip": "false",
            "display timecode": tc,
            "timecode": tc,
            "video format": self.video_format,
            "loop": "false",
        }
        if self.current:
            info |= {
                "timeline": 0,
                "input video format": self.input_video_format,
                "dynamic range": self.dynamic_range,
            }
        return info

    def device_info(self) -> dict[str, object]:
        info: dict[str, object] = {"protocol version": self.protocol_version, "model": self.model}
        if self.current:
            info["unique id"] = self.unique_id
        info["slot count"] = len(self.slots)
        if self.current:
            info |= {"software version": self.software_version, "name": self.name}
        return info

    def disk_list(self, number: int) -> dict[str, object]:
        """`206 disk list`: the slot, then ``id: file name file format video format duration`` per clip on it
        (the clips recorded here go to the active slot; file names get ``.mov`` [U])."""
        self.settle()
        info: dict[str, object] = {"slot id": number}
        if number == self.active and self.slots[number].present:
            for index, clip in enumerate(self.clip_list, start=1):
                length = self.frames_as_timecode(clip.frames)
                info[str(index)] = f"{clip.name}.mov {self.file_format} {self.video_format} {length}"
        return info

    def clips_info(self, first: int = 1, count: int | None = None) -> dict[str, object]:
        """`205 clips info`: how many clips follow, then ``id: name start duration`` per clip."""
        self.settle()
        end = len(self.clip_list) if count is None else min(len(self.clip_list), first - 1 + count)
        numbered = [(n, self.clip_list[n - 1]) for n in range(max(first, 1), end + 1)]
        info: dict[str, object] = {"clip count": len(numbered)}
        for number, clip in numbered:
            start, length = self.frames_as_timecode(clip.start_frame), self.frames_as_timecode(clip.frames)
            info[str(number)] = f"{clip.name} {start} {length}"
        return info

    def slot_info(self, number: int) -> dict[str, object]:
        self.settle()
        slot = self.slots[number]
        info: dict[str, object] = {"slot id": number, "status": "mounted" if slot.present else "empty"}
        if slot.present:
            info |= {"volume name": slot.volume, "recording time": int(slot.remaining)}
            info["video format"] = self.video_format
            if self.current:
                info |= {
                    "blocked": "false",
                    "remaining size": int(slot.remaining * BYTES_PER_SECOND),
                    "total size": int(max(slot.total, slot.remaining) * BYTES_PER_SECOND),
                }
        return info
