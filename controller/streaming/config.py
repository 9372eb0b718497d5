"""``streaming:`` in the room config: where the live stream goes, its delay, and the seats that can be protected."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Fraction4 = tuple[float, float, float, float]
Starter = Literal["judge", "clerk", "technician"]
STARTERS: tuple[Starter, ...] = ("judge", "clerk")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SeatPicture(_Strict):
    """Where a seat is seen: the video input that shows it and the region of its picture (fractions x, y, w, h;
    the whole picture by default). A protected seat's region is pixelated in the stream, never in the recording."""

    video: str
    region: Fraction4 = (0.0, 0.0, 1.0, 1.0)

    @field_validator("region")
    @classmethod
    def _inside(cls, value: Fraction4) -> Fraction4:
        x, y, w, h = value
        if not (0 <= x < 1 and 0 <= y < 1 and 0 < w <= 1 - x + 1e-9 and 0 < h <= 1 - y + 1e-9):
            raise ValueError("region: x, y, width, height as fractions of the picture, inside it")
        return value


class StreamingConfig(_Strict):
    """The live stream: the software recorder whose composite it pushes, to which RTMP server, with what delay."""

    recorder: str  # a software recorder (profile generic/software-recorder) of this room
    url: str = Field(pattern=r"^rtmps?://")  # rtmp://live.court.example/live  (the key is appended from key_file)
    key_file: Path | None = None  # the stream key, a secret: kept out of the config, the journal and MQTT
    width: int = Field(1280, ge=160, le=3840)
    height: int = Field(720, ge=90, le=2160)
    video_kbps: int = Field(2500, ge=100, le=20000)
    audio_kbps: int = Field(96, ge=16, le=320)
    gop_s: float = Field(1.0, gt=0, le=10)  # a viewer (and the slate after a cut) waits at most this for a keyframe
    preset: Literal["ultrafast", "superfast", "veryfast", "faster", "fast"] = "ultrafast"
    delay_s: float = Field(0.0, ge=0, le=120)  # broadcast delay: a cut also removes what is younger than this
    slate_text: str = Field("暂停直播", min_length=1, max_length=40)
    starters: list[Starter] = Field(default_factory=lambda: list(STARTERS))  # roles whose explicit start counts
    seats: dict[str, SeatPicture] = Field(default_factory=dict)  # seat id -> where it is seen, for protection
    protected: list[str] = Field(default_factory=list)  # seats protected from the start (a witness, a minor)
