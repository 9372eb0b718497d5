"""Scene macros: the device steps a hearing transition takes, with defaults from the room's seats and devices.

Steps on one device run in order (a projector powers on before it takes an input); different devices run at
once. A failing step is reported and journaled; the other steps still run.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any, Literal

from controller.hearing.check import recorder_ids
from controller.journal import Actor
from controller.room import Room
from controller.settings import Step
from drivers.errors import CourtroomError, ErrorCode

Transition = Literal["open", "interrupt", "resume", "close"]
PAUSING_REASONS = frozenset({"recess", "non_public_evidence", "mediation"})


@dataclass(frozen=True)
class StepResult:
    device: str
    action: str
    params: dict[str, Any]
    ok: bool
    error: str | None = None
    code: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "device": self.device,
            "action": self.action,
            "params": self.params,
            "ok": self.ok,
            "error": self.error,
            "code": self.code,
        }


def clip_name(room_id: str, case_no: str, part: int, when: float | None = None, zone: tzinfo | None = None) -> str:
    """A clip name a recorder takes: room, case (ASCII letters and digits of it), time (in the room's zone),
    part number."""
    case = re.sub(r"[^A-Za-z0-9]+", "-", case_no).strip("-")[:24] or "case"
    stamp = datetime.fromtimestamp(time.time() if when is None else when, zone).strftime("%Y%m%d-%H%M%S")
    return f"{room_id}_{case}_{stamp}_p{part}"[:64]


def recording_steps(room: Room, action: Literal["record", "stop"], clip: str | None = None) -> list[Step]:
    steps = []
    for rec in recorder_ids(room):
        params: dict[str, Any] = {}
        if action == "record" and clip is not None and "record_named" in room.device(rec).info.capabilities:
            params["clip"] = clip
        steps.append(Step(device=rec, action=action, params=params))
    return steps


def light_steps(room: Room, on: bool) -> list[Step]:
    """The recording lights on (red where the model has colours) or off."""
    lights = room.config.hearing.recording_lights
    ids = list(lights) if lights is not None else room.ids_of_kind("indicator")
    steps = []
    for light in ids:
        params: dict[str, Any] = {"on": on}
        if on and "color" in room.device(light).info.capabilities:
            params["color"] = "red"
        steps.append(Step(device=light, action="set", params=params))
    return steps


def default_steps(
    room: Room, transition: Transition, *, reason: str | None = None, clip: str | None = None
) -> list[Step]:
    """What a transition does when the room config adds nothing."""
    cfg = room.config
    steps: list[Step] = []
    if transition == "open":
        for display, name in cfg.hearing.display_inputs.items():
            # a projector takes its input only once warmed up: the open does not wait for it
            warmup = cfg.hearing.display_warmup_s
            steps.append(Step(device=display, action="power", params={"on": True}, background=True))
            steps.append(Step(device=display, action="input", params={"input": name}, retry_s=warmup, background=True))
        for seat in cfg.seats:
            if seat.camera is not None:
                steps.append(Step(device=seat.camera, action="preset_recall", params={"preset": seat.preset}))
        steps.extend(recording_steps(room, "record", clip))
        steps.extend(light_steps(room, True))
    elif transition == "interrupt":
        if reason in PAUSING_REASONS:
            steps.extend(recording_steps(room, "stop"))
            steps.extend(light_steps(room, False))
    elif transition == "resume":
        steps.extend(recording_steps(room, "record", clip))
        steps.extend(light_steps(room, True))
    elif transition == "close":
        steps.extend(recording_steps(room, "stop"))
        steps.extend(light_steps(room, False))
        for display in cfg.hearing.display_inputs:
            steps.append(Step(device=display, action="power", params={"on": False}, background=True))
    return _unique(steps)


def macro_steps(
    room: Room, transition: Transition, *, reason: str | None = None, clip: str | None = None
) -> list[Step]:
    """The defaults (unless the config replaces them), then the config's extra steps for this transition."""
    macros = room.config.hearing.macros
    extra: list[Step] = list(getattr(macros, transition))
    base = [] if macros.replace_defaults else default_steps(room, transition, reason=reason, clip=clip)
    return base + extra


def _unique(steps: Iterable[Step]) -> list[Step]:
    seen: set[str] = set()
    out = []
    for step in steps:
        key = step.model_dump_json()
        if key not in seen:
            seen.add(key)
            out.append(step)
    return out


RETRYABLE: frozenset[ErrorCode] = frozenset({"NOT_EXECUTABLE", "DEVICE_TIMEOUT", "BUSY"})
RETRY_EVERY_S = 1.0


async def _run_one(room: Room, step: Step, actor: Actor | str, cause: str | None) -> StepResult:
    deadline = time.monotonic() + step.retry_s
    while True:
        try:
            await room.execute(step.device, step.action, step.params, actor=actor, cause=cause)
        except CourtroomError as exc:
            if exc.code in RETRYABLE and time.monotonic() + RETRY_EVERY_S <= deadline:
                await asyncio.sleep(RETRY_EVERY_S)
                continue
            return StepResult(step.device, step.action, step.params, False, str(exc), exc.code)
        return StepResult(step.device, step.action, step.params, True)


class MacroRunner:
    """Runs steps: per device in order, devices at once; background chains outlive the call."""

    def __init__(self, room: Room, on_late_result: Callable[[StepResult], None]) -> None:
        self.room = room
        self.on_late_result = on_late_result
        self._background: set[asyncio.Task[None]] = set()

    async def run(self, steps: list[Step], actor: Actor | str, cause: str | None = None) -> list[StepResult]:
        """The results of the foreground steps; never raises for a device's failure. ``cause`` (the hearing
        transition they belong to) goes into each command's journal row and lets the recording rule pass them."""
        chains: dict[tuple[str, bool], list[Step]] = {}
        for step in steps:
            chains.setdefault((step.device, step.background), []).append(step)

        async def chain_of(chain: list[Step]) -> list[StepResult]:
            return [await _run_one(self.room, step, actor, cause) for step in chain]

        async def in_background(chain: list[Step]) -> None:
            for result in await chain_of(chain):
                self.on_late_result(result)

        for (device, background), chain in chains.items():
            if background:
                task = asyncio.create_task(in_background(chain), name=f"macro:{device}")
                self._background.add(task)
                task.add_done_callback(self._background.discard)
        foreground = [chain for (_, background), chain in chains.items() if not background]
        results = await asyncio.gather(*(chain_of(chain) for chain in foreground))
        return [result for chain in results for result in chain]

    async def settle(self) -> None:
        """Wait for the background steps still running (tests, shutdown)."""
        while self._background:
            await asyncio.gather(*self._background, return_exceptions=True)

    async def close(self) -> None:
        for task in list(self._background):
            task.cancel()
        await self.settle()
