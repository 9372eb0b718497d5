"""Levels and voice activity on numpy blocks: no audio device, no clock."""

from __future__ import annotations

import numpy as np
import pytest

from drivers.signals.analyzer import SeatAnalyzer
from drivers.signals.vad import FLOOR_DBFS, SeatDetector, VadSettings, block_levels, split_block

RATE = 16000
BLOCK = RATE // 10


def tone(dbfs_peak: float, frames: int = BLOCK, channels: int = 1) -> np.ndarray:
    t = np.arange(frames) / RATE
    wave = np.sin(2 * np.pi * 440 * t) * 32767 * 10 ** (dbfs_peak / 20)
    return np.repeat(np.round(wave).astype(np.int16)[:, None], channels, axis=1)


def test_full_scale_sine_reads_minus_3_rms_and_0_peak() -> None:
    levels = block_levels(tone(0.0))
    assert levels.rms_dbfs[0] == pytest.approx(-3.0, abs=0.1)
    assert levels.peak_dbfs[0] == pytest.approx(0.0, abs=0.1)


def test_digital_silence_reads_the_floor() -> None:
    levels = block_levels(np.zeros((BLOCK, 2), dtype=np.int16))
    assert levels.rms_dbfs == [FLOOR_DBFS, FLOOR_DBFS]
    assert levels.clipped == [0, 0]


def test_channels_are_measured_apart() -> None:
    block = np.concatenate([tone(-6.0), tone(-40.0)], axis=1)
    levels = block_levels(block)
    assert levels.peak_dbfs[0] == pytest.approx(-6.0, abs=0.1)
    assert levels.peak_dbfs[1] == pytest.approx(-40.0, abs=0.2)


def test_clipped_samples_are_counted() -> None:
    block = np.clip(tone(0.0).astype(np.int32) * 4, -32768, 32767).astype(np.int16)
    assert block_levels(block).clipped[0] > 100
    assert block_levels(tone(-1.0)).clipped[0] == 0


def test_split_block_deinterleaves_and_drops_a_partial_frame() -> None:
    data = np.array([1, 2, 3, 4, 5, 6, 7], dtype="<i2").tobytes()
    assert split_block(data, 2).tolist() == [[1, 2], [3, 4], [5, 6]]


def test_a_block_must_be_two_dimensional() -> None:
    with pytest.raises(ValueError):
        block_levels(np.zeros(10, dtype=np.int16))


def run(detector: SeatDetector, levels: list[float]) -> list[bool]:
    out = []
    for rms in levels:
        detector.update(rms, 0, 0.1)
        out.append(detector.speaking)
    return out


def test_attack_needs_the_level_to_hold() -> None:
    detector = SeatDetector(VadSettings(threshold_dbfs=-40, attack_s=0.2, hangover_s=0.5))
    assert run(detector, [-30, -60, -30, -60]) == [False] * 4  # single loud blocks (a cough, a knock)
    assert run(detector, [-30, -30]) == [False, True]


def test_hangover_bridges_syllable_gaps() -> None:
    detector = SeatDetector(VadSettings(threshold_dbfs=-40, attack_s=0.1, hangover_s=0.5))
    assert run(detector, [-30, -60, -60, -30, -60, -60, -60, -60, -60]) == [
        True,
        True,
        True,
        True,
        True,
        True,
        True,
        True,
        False,
    ]


def test_silence_counts_up_and_resets() -> None:
    detector = SeatDetector(VadSettings(silence_dbfs=-70))
    run(detector, [-100] * 25)
    assert detector.silent_s == pytest.approx(2.5)
    run(detector, [-50])
    assert detector.silent_s == 0.0


def test_clipping_is_held() -> None:
    detector = SeatDetector(VadSettings(clip_samples=3, clip_hold_s=0.3))
    assert detector.update(-3, 10, 0.1) is True
    assert detector.clipping
    for _ in range(2):
        detector.update(-3, 0, 0.1)
        assert detector.clipping
    detector.update(-3, 0, 0.1)
    assert not detector.clipping


def test_analyzer_meter_events_and_silence_alarm_only_while_armed() -> None:
    analyzer = SeatAnalyzer({1: "judge", 2: "witness"}, 0.1, VadSettings(attack_s=0.1), silence_alarm_s=1.0)
    loud_and_dead = block_levels(np.concatenate([tone(-10.0), np.zeros((BLOCK, 1), dtype=np.int16)], axis=1))
    first = analyzer.feed(loud_and_dead)
    assert first.speech == [(1, True)]
    assert first.meter["seats"]["judge"]["speaking"] is True
    assert set(first.meter["seats"]["witness"]) == {"channel", "rms_dbfs", "peak_dbfs", "speaking"}
    assert first.meter["seats"]["witness"]["channel"] == 2  # the number seats[].mics and speech events name
    for _ in range(12):
        analyzer.feed(loud_and_dead)
    state = analyzer.state()
    assert state["alarms"] == []  # no hearing open
    assert state["seats"]["witness"]["silent_s"] == pytest.approx(1.3)
    assert analyzer.arm(True) is True
    assert analyzer.state()["alarms"] == ["silent:witness"]
    assert analyzer.arm(False) is True
    assert analyzer.state()["alarms"] == []


def test_silent_s_is_reported_only_from_the_alarm_time() -> None:
    analyzer = SeatAnalyzer({1: "judge"}, 0.1, VadSettings(), silence_alarm_s=1.0)
    analyzer.arm(True)
    dead = block_levels(np.zeros((BLOCK, 1), dtype=np.int16))
    changes = [analyzer.feed(dead).state_changed for _ in range(10)]
    assert changes == [False] * 9 + [True]
    assert analyzer.state()["seats"]["judge"]["silent_s"] == pytest.approx(1.0)
