"""The Recorder device class: recording units (Sony 9-pin decks, HyperDeck) behind one set of operations.

"Record" on a missing or full disk is refused at once with NotExecutable, before and after the wire: the
state says so, or the device's own refusal is turned into the same error. A hearing that thinks it is being
recorded when it is not is the failure this project exists to prevent.
"""

from __future__ import annotations

import re
from abc import abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from pydantic import Field

from drivers.devices.base import ActionParams, ActionSpec, Device, NoParams
from drivers.devices.events import DeviceEventName
from drivers.errors import NotExecutable

Transport = Literal[
    "stopped", "record", "play", "preview", "forward", "rewind", "jog", "shuttle", "standby", "eject", "unknown"
]
CLIP_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class RecordParams(ActionParams):
    clip: str | None = Field(None, pattern=CLIP_PATTERN.pattern)


@dataclass
class RecorderState:
    """What the recorder last reported; None until known."""

    transport: Transport | None = None
    clip: str | None = None  # the clip being (or last) recorded
    timecode: str | None = None  # HH:MM:SS:FF
    disk_present: bool | None = None
    remaining_s: int | None = None  # recording time left on the disk
    remote_enabled: bool | None = None  # False: the front panel is in local mode and ignores us

    @property
    def recording(self) -> bool:
        return self.transport == "record"


class Recorder(Device):
    """A recording unit: record (optionally naming the clip), stop, play, and its transport and disk state."""

    kind: ClassVar[str] = "recorder"
    actions: ClassVar[dict[str, ActionSpec]] = {
        "record": ActionSpec(RecordParams, "record", "start recording, with a clip name where the model takes one"),
        "stop": ActionSpec(NoParams, "stop", "stop recording or playing"),
        "play": ActionSpec(NoParams, "play", "play back"),
        "refresh": ActionSpec(NoParams, None, "read the state from the recorder now"),
    }
    events: ClassVar[frozenset[DeviceEventName]] = frozenset({DeviceEventName.RECORDING_STOPPED})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.state = RecorderState()

    def snapshot(self) -> dict[str, Any]:
        return dict(vars(self.state))

    def check_ranges(self, action: str, params: ActionParams) -> None:
        if isinstance(params, RecordParams):
            if params.clip is not None and "record_named" not in self.info.capabilities:
                raise NotExecutable(f"clip: {self.info.model} cannot name its clips; send record without 'clip'")
            self.check_can_record()

    def check_can_record(self) -> None:
        """NotExecutable when the state already says a recording cannot start (no disk, disk full, local)."""
        if self.state.disk_present is False:
            raise NotExecutable(f"{self.device_id}: no disk: cannot record")
        if self.state.remaining_s is not None and self.state.remaining_s <= 0:
            raise NotExecutable(f"{self.device_id}: disk full: cannot record")
        if self.state.remote_enabled is False:
            raise NotExecutable(f"{self.device_id}: remote control disabled on the recorder's panel")

    # -- public typed operations -----------------------------------------------------------------------------
    async def record(self, clip: str | None = None) -> None:
        await self.execute("record", {"clip": clip})

    async def stop(self) -> None:
        await self.execute("stop", {})

    # -- dispatch --------------------------------------------------------------------------------------------
    async def _do_record(self, p: RecordParams) -> None:
        await self._record(p.clip)

    async def _do_stop(self, _: NoParams) -> None:
        await self._stop()

    async def _do_play(self, _: NoParams) -> None:
        await self._play()

    # -- protocol primitives ---------------------------------------------------------------------------------
    @abstractmethod
    async def _record(self, clip: str | None) -> None:
        """Start recording; raise NotExecutable when the device refuses for lack of disk or space."""

    @abstractmethod
    async def _stop(self) -> None: ...

    @abstractmethod
    async def _play(self) -> None: ...
