"""The AudioProcessor device class: a DSP (Biamp Tesira) seen as named control points with level and mute.

Points come from the model profile (``points``) and the room config's device ``options.points``, which add
to or replace them: instance tags are designed per installation, so the room names its own.
"""

from __future__ import annotations

import math
from abc import abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

from drivers.devices.base import ActionParams, ActionSpec, Device, NoParams
from drivers.errors import InvalidArgument
from drivers.profiles import AudioPoint


class LevelParams(ActionParams):
    point: str
    level_db: float | int


class PointMuteParams(ActionParams):
    point: str
    on: bool


@dataclass
class PointState:
    level_db: float | None = None
    mute: bool | None = None


class AudioProcessor(Device):
    """A DSP: set a named point's level (dB) and mute; the state holds every point's last reported values."""

    kind: ClassVar[str] = "audio_processor"
    actions: ClassVar[dict[str, ActionSpec]] = {
        "set_level": ActionSpec(LevelParams, "level", "set a point's level in dB within its range"),
        "set_mute": ActionSpec(PointMuteParams, "mute", "mute (true) or unmute (false) a point"),
        "refresh": ActionSpec(NoParams, None, "read every point from the DSP now"),
    }

    def __init__(self, *args: Any, points: dict[str, AudioPoint] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.points: dict[str, AudioPoint] = {**self.profile.model.points, **(points or {})}
        self.state: dict[str, PointState] = {name: PointState() for name in self.points}
        self.info.extra["points"] = sorted(self.points)

    def snapshot(self) -> dict[str, Any]:
        return {"points": {name: {"level_db": p.level_db, "mute": p.mute} for name, p in self.state.items()}}

    def point(self, name: str) -> AudioPoint:
        try:
            return self.points[name]
        except KeyError:
            known = ", ".join(sorted(self.points)) or "none"
            raise InvalidArgument(f"point: '{name}' is not a point of {self.device_id} (points: {known})") from None

    def check_ranges(self, action: str, params: ActionParams) -> None:
        if isinstance(params, LevelParams | PointMuteParams):
            point = self.point(params.point)
            if isinstance(params, LevelParams):
                level = float(params.level_db)
                if not math.isfinite(level) or not point.min_db <= level <= point.max_db:
                    raise InvalidArgument(
                        f"level_db: {params.level_db} is outside {point.min_db}..{point.max_db} for {params.point}"
                    )

    async def set_level(self, point: str, level_db: float) -> None:
        await self.execute("set_level", {"point": point, "level_db": level_db})

    async def set_mute(self, point: str, on: bool) -> None:
        await self.execute("set_mute", {"point": point, "on": on})

    async def _do_set_level(self, p: LevelParams) -> None:
        await self._set_level(self.points[p.point], float(p.level_db))

    async def _do_set_mute(self, p: PointMuteParams) -> None:
        await self._set_mute(self.points[p.point], p.on)

    @abstractmethod
    async def _set_level(self, point: AudioPoint, level_db: float) -> None: ...

    @abstractmethod
    async def _set_mute(self, point: AudioPoint, on: bool) -> None: ...
