"""Voice-follow switching logic on the event loop's real timers (short settings so the tests are quick)."""

from __future__ import annotations

import asyncio
import time

import pytest

from controller.hearing.voice_follow import VoiceFollow
from controller.settings import SeatConfig, VoiceFollowConfig

SEATS = [
    SeatConfig(id="judge", role="judge", camera="cam-judge"),
    SeatConfig(id="plaintiff", role="plaintiff", camera="cam-p"),
    SeatConfig(id="defendant", role="defendant", camera="cam-d"),
    SeatConfig(id="panorama", role="panorama", camera="cam-pano"),
]


class Shots:
    def __init__(self) -> None:
        self.taken: list[tuple[str, str, float]] = []
        self.event = asyncio.Event()

    async def take(self, seat: SeatConfig, why: str) -> None:
        self.taken.append((seat.id, why, time.monotonic()))
        self.event.set()

    async def next(self, timeout: float = 1.0) -> tuple[str, str]:
        await asyncio.wait_for(self.event.wait(), timeout)
        self.event.clear()
        seat, why, _ = self.taken[-1]
        return seat, why


def _vf(shots: Shots, **cfg: float) -> VoiceFollow:
    settings = {"reaction_ms": 50, "hold_s": 0.0, "silence_after_s": 10.0, "override_revert_s": 10.0, **cfg}
    vf = VoiceFollow(VoiceFollowConfig.model_validate(settings), SEATS, shots.take)
    vf.set_enabled(True)
    return vf


async def test_a_speaker_is_taken_after_the_reaction_time() -> None:
    shots = Shots()
    vf = _vf(shots)
    start = time.monotonic()
    vf.speech("plaintiff", True)
    assert await shots.next() == ("plaintiff", "speaker")
    assert 0.045 <= shots.taken[-1][2] - start < 0.3
    assert vf.current == "plaintiff" and vf.speaking == ["plaintiff"]
    await vf.close()


async def test_a_tap_shorter_than_the_reaction_time_never_switches() -> None:
    shots = Shots()
    vf = _vf(shots, reaction_ms=100)
    for _ in range(5):
        vf.speech("defendant", True)
        await asyncio.sleep(0.03)
        vf.speech("defendant", False)
    await asyncio.sleep(0.2)
    assert shots.taken == [] and vf.switches == 0
    await vf.close()


async def test_the_judge_outranks_and_several_equals_take_the_panorama() -> None:
    shots = Shots()
    vf = _vf(shots)
    vf.speech("plaintiff", True)
    vf.speech("judge", True)
    assert await shots.next() == ("judge", "speaker")
    vf.speech("judge", False)
    assert await shots.next() == ("plaintiff", "speaker")  # the one still speaking
    vf.speech("defendant", True)
    assert await shots.next() == ("panorama", "several")
    vf.speech("plaintiff", False)
    assert await shots.next() == ("defendant", "speaker")
    await vf.close()


async def test_hold_delays_a_change_to_an_equal_priority() -> None:
    shots = Shots()
    vf = _vf(shots, hold_s=0.4)
    vf.speech("plaintiff", True)
    assert await shots.next() == ("plaintiff", "speaker")
    switched = shots.taken[-1][2]
    vf.speech("plaintiff", False)
    vf.speech("defendant", True)
    assert await shots.next() == ("defendant", "speaker")
    assert shots.taken[-1][2] - switched >= 0.39
    await vf.close()


async def test_silence_takes_the_silence_shot() -> None:
    shots = Shots()
    vf = _vf(shots, silence_after_s=0.2)
    vf.speech("plaintiff", True)
    assert await shots.next() == ("plaintiff", "speaker")
    vf.speech("plaintiff", False)
    assert await shots.next() == ("panorama", "silence")
    await vf.close()


async def test_manual_shot_holds_then_reverts_to_automatic() -> None:
    shots = Shots()
    vf = _vf(shots, override_revert_s=0.3)
    vf.manual("defendant")
    assert await shots.next() == ("defendant", "manual")
    vf.speech("plaintiff", True)
    await asyncio.sleep(0.15)
    assert vf.mode == "manual" and vf.current == "defendant"
    assert await shots.next() == ("plaintiff", "speaker")
    assert vf.mode == "auto"
    await vf.close()


async def test_disabled_follows_nobody_and_unknown_seats_are_ignored() -> None:
    shots = Shots()
    vf = _vf(shots)
    vf.set_enabled(False)
    vf.speech("plaintiff", True)
    vf.speech("nobody", True)
    await asyncio.sleep(0.15)
    assert shots.taken == []
    assert vf.speaking == ["plaintiff"]
    with pytest.raises(KeyError):
        vf.manual("nobody")
    await vf.close()
