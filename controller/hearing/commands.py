"""Parameters of the hearing's commands (``hearing/cmd/<action>``, ``courtroom ctl hearing``, the console)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from controller.settings import Reason


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class NoParams(_Params):
    pass


class OpenParams(_Params):
    case_no: str = Field(min_length=1, max_length=64)
    title: str = Field("", max_length=200)
    parties: list[str] = Field(default_factory=list, max_length=20)
    override_reason: str | None = Field(None, min_length=4, max_length=500)
    # the case's facts as the case system gives them (or the clerk types them); publicity decides live streaming
    cause: str = Field("", max_length=200)  # 案由
    judges: list[str] = Field(default_factory=list, max_length=10)
    clerk: str = Field("", max_length=64)
    publicity: Literal["public", "not_public"] | None = None  # None: not said (no live stream)
    publicity_reason: Literal["state_secret", "privacy", "minor", "other"] | None = None


class InterruptParams(_Params):
    reason: Reason
    note: str = Field("", max_length=500)


class MarkParams(_Params):
    text: str = Field(min_length=1, max_length=500)
    seat: str | None = None


class VoiceFollowParams(_Params):
    """``enabled`` switches voice-follow; ``seat`` takes a manual shot (reverting later); ``auto`` ends it."""

    enabled: bool | None = None
    seat: str | None = None
    auto: bool | None = None


COMMANDS: dict[str, type[_Params]] = {
    "check": NoParams,
    "open": OpenParams,
    "interrupt": InterruptParams,
    "resume": NoParams,
    "close": NoParams,
    "mark": MarkParams,
    "voice_follow": VoiceFollowParams,
}
