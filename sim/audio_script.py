"""Who speaks when, and the S16_LE samples that script makes: speech-like bursts over background noise.

A turn is one seat (channel) speaking from ``start_s`` to ``end_s``: syllables of 120-260 ms (raised-cosine
envelopes) with short gaps and a longer breath every few syllables, each a voiced sound (a fundamental of
100-220 Hz with a few harmonics and a little noise). Every live channel carries background noise; a dead channel
is digital silence; a clipping channel is driven far past full scale whenever it speaks. Samples are made in
chunks from absolute sample times, so a long script needs little memory and any chunking gives the same file.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.errors import SimConfigError

FULL_SCALE = 32767.0
CHUNK_S = 5.0


@dataclass(frozen=True)
class Turn:
    channel: int  # 1-based
    start_s: float
    end_s: float
    level_dbfs: float = -20.0  # RMS while a syllable sounds


@dataclass(frozen=True)
class Syllable:
    start_s: float
    end_s: float
    f0: float


@dataclass(frozen=True)
class AudioScript:
    """Everything a simulated input device plays."""

    channels: int = 1
    rate: int = 48000
    duration_s: float = 60.0
    turns: tuple[Turn, ...] = ()
    noise_dbfs: float = -58.0
    dead: frozenset[int] = frozenset()
    clipping: frozenset[int] = frozenset()
    seed: int = 1
    _syllables: dict[int, list[Syllable]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for turn in self.turns:
            if not 1 <= turn.channel <= self.channels:
                raise SimConfigError(f"turn on channel {turn.channel}: outside 1..{self.channels}")
        rng = np.random.default_rng(self.seed)
        for index, turn in enumerate(self.turns):
            self._syllables[index] = syllables(turn, rng)

    @property
    def frames(self) -> int:
        return round(self.duration_s * self.rate)

    def speaking(self, channel: int, at_s: float) -> bool:
        """True when ``channel`` has a turn at ``at_s`` (a seat speaking, gaps between syllables included)."""
        return any(t.channel == channel and t.start_s <= at_s < t.end_s for t in self.turns)

    def chunks(self, chunk_s: float = CHUNK_S) -> Iterator[NDArray[np.int16]]:
        """The samples as ``(frames, channels)`` S16 chunks, in order."""
        step = max(1, round(chunk_s * self.rate))
        rng = np.random.default_rng(self.seed + 1)
        for first in range(0, self.frames, step):
            count = min(step, self.frames - first)
            yield self._chunk(first, count, rng)

    def write(self, path: Path) -> None:
        """Write the raw interleaved S16_LE file the ALSA file plugin reads."""
        with path.open("wb") as out:
            for chunk in self.chunks():
                out.write(chunk.astype("<i2").tobytes())

    def _chunk(self, first: int, count: int, rng: np.random.Generator) -> NDArray[np.int16]:
        t = (first + np.arange(count)) / self.rate
        out = np.zeros((count, self.channels), dtype=np.float64)
        noise_amp = FULL_SCALE * 10 ** (self.noise_dbfs / 20)
        for channel in range(1, self.channels + 1):
            if channel not in self.dead:
                out[:, channel - 1] = rng.standard_normal(count) * noise_amp
        for index, turn in enumerate(self.turns):
            if turn.channel in self.dead:
                continue
            gain = 16.0 if turn.channel in self.clipping else 1.0
            out[:, turn.channel - 1] += gain * speech(t, self._syllables[index], turn.level_dbfs)
        return np.clip(np.round(out), -32768, 32767).astype(np.int16)


def syllables(turn: Turn, rng: np.random.Generator) -> list[Syllable]:
    """Syllable timings of one turn: 4-5 a second, with a breath every 3-8 syllables."""
    found: list[Syllable] = []
    at = turn.start_s
    f0 = float(rng.uniform(100.0, 220.0))
    until_breath = int(rng.integers(3, 9))
    while at < turn.end_s:
        length = float(rng.uniform(0.12, 0.26))
        end = min(at + length, turn.end_s)
        found.append(Syllable(at, end, f0 * float(rng.uniform(0.85, 1.2))))
        until_breath -= 1
        gap = float(rng.uniform(0.03, 0.09))
        if until_breath == 0:
            gap, until_breath = float(rng.uniform(0.25, 0.45)), int(rng.integers(3, 9))
        at = end + gap
    return found


def speech(t: NDArray[np.float64], sylls: list[Syllable], level_dbfs: float) -> NDArray[np.float64]:
    """The voiced signal of ``sylls`` at times ``t`` (seconds), RMS about ``level_dbfs`` inside a syllable."""
    out = np.zeros_like(t)
    if len(t) == 0:
        return out
    amp = FULL_SCALE * 10 ** (level_dbfs / 20) * math.sqrt(2) / 0.9
    for syl in sylls:
        if syl.end_s <= t[0] or syl.start_s > t[-1]:
            continue
        mask = (t >= syl.start_s) & (t < syl.end_s)
        ts = t[mask]
        phase = (ts - syl.start_s) / (syl.end_s - syl.start_s)
        envelope = np.sin(np.pi * phase) ** 2 * math.sqrt(8 / 3)  # raised cosine, unit RMS over the syllable
        voiced = sum(np.sin(2 * np.pi * syl.f0 * k * ts) / k for k in range(1, 5)) / 1.2
        out[mask] = amp * envelope * voiced
    return out


def round_robin(
    channels: list[int], duration_s: float, turn_s: float = 4.0, gap_s: float = 1.0, start_s: float = 0.5
) -> tuple[Turn, ...]:
    """Each of ``channels`` speaks ``turn_s`` in turn, with ``gap_s`` of quiet between turns."""
    turns = []
    at, index = start_s, 0
    while channels and at + 0.5 < duration_s:
        turns.append(Turn(channels[index % len(channels)], at, min(at + turn_s, duration_s)))
        at += turn_s + gap_s
        index += 1
    return tuple(turns)


def script_from(simulate: Mapping[str, Any], channels: int, rate: int, where: str) -> AudioScript:
    """A script from a model's ``simulate`` keys: duration_s, noise_dbfs, dead, clipping, turn_s, turns
    (``[[channel, start_s, end_s], ...]``); without ``turns``, the live channels speak in turn."""
    try:
        duration = float(simulate.get("duration_s", 60.0))
        dead = frozenset(int(c) for c in simulate.get("dead", []))
        clipping = frozenset(int(c) for c in simulate.get("clipping", []))
        raw_turns = simulate.get("turns")
        if raw_turns is None:
            live = [c for c in range(1, channels + 1) if c not in dead]
            turns = round_robin(live, duration, float(simulate.get("turn_s", 4.0)))
        else:
            turns = tuple(Turn(int(c), float(a), float(b)) for c, a, b in raw_turns)
        return AudioScript(
            channels=channels,
            rate=rate,
            duration_s=duration,
            turns=turns,
            noise_dbfs=float(simulate.get("noise_dbfs", -58.0)),
            dead=dead,
            clipping=clipping,
            seed=int(simulate.get("seed", 1)),
        )
    except (TypeError, ValueError) as exc:
        raise SimConfigError(f"{where}: simulate: {exc}") from exc
