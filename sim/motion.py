"""Motion of one camera axis (pan, tilt or zoom) in time, computed from a clock rather than stepped.

An axis moves at a constant speed from where it was to a target; its position at any instant is interpolated,
so inquiries answered mid-move report where the head is now.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Generic, TypeVar

Owner = TypeVar("Owner")


@dataclass(eq=False)
class Axis(Generic[Owner]):
    """One axis: a position that moves linearly towards `target` at `velocity` units/s from time `t0`.

    `owner` is whatever command started the current move (a socket's running command), or None.
    """

    name: str
    start: float = 0.0
    target: float = 0.0
    t0: float = 0.0
    velocity: float = 1.0
    owner: Owner | None = None

    def position(self, now: float) -> float:
        """Where the axis is at `now`."""
        distance = self.target - self.start
        travelled = self.velocity * max(0.0, now - self.t0)
        if travelled >= abs(distance):
            return self.target
        return self.start + math.copysign(travelled, distance)

    def end_time(self) -> float:
        """When the current move ends (the past for an axis at rest)."""
        return self.t0 + abs(self.target - self.start) / self.velocity

    def moving(self, now: float) -> bool:
        """True while the axis has not reached its target."""
        return now < self.end_time()

    def move(self, target: float, velocity: float, now: float, owner: Owner | None) -> None:
        """Start a move from the current position; a zero-distance move ends at once."""
        if velocity <= 0:
            raise ValueError(f"{self.name}: velocity must be positive, got {velocity}")
        self.start = self.position(now)
        self.target = target
        self.t0 = now
        self.velocity = velocity
        self.owner = owner

    def stop(self, now: float) -> None:
        """Freeze the axis where it is now and forget its owner."""
        self.start = self.target = self.position(now)
        self.t0 = now
        self.owner = None

    def place(self, value: float, now: float) -> None:
        """Put the axis at `value` at once (scenario set-up, not a camera command)."""
        self.start = self.target = value
        self.t0 = now
        self.owner = None
