"""Frame health on numpy pictures: black, frozen, and which of them wins."""

from __future__ import annotations

import numpy as np

from drivers.signals.health import HealthSettings, HealthTracker, difference, is_black, reduce


def picture(seed: int, shape: tuple[int, int] = (180, 320)) -> np.ndarray:
    return np.random.default_rng(seed).integers(40, 220, size=(*shape, 3), dtype=np.uint8)


def grey(frame: np.ndarray) -> np.ndarray:
    return reduce(frame)


def test_reduce_makes_a_small_grey_picture() -> None:
    small = reduce(picture(1, (720, 1280)))
    assert small.shape == (180, 320)
    assert small.dtype == np.uint8


def test_black_is_dark_and_flat() -> None:
    assert is_black(grey(np.zeros((180, 320, 3), dtype=np.uint8)))
    assert is_black(grey(np.full((180, 320, 3), 10, dtype=np.uint8)))
    dark_scene = np.random.default_rng(2).integers(0, 30, size=(180, 320, 3), dtype=np.uint8)
    assert not is_black(grey(dark_scene))  # dark but textured: a lit room at night
    assert not is_black(grey(np.full((180, 320, 3), 60, dtype=np.uint8)))


def test_difference_of_same_and_other_pictures() -> None:
    a = grey(picture(1))
    assert difference(a, a.copy()) == 0.0
    assert difference(a, grey(picture(2))) > 10


def test_frozen_after_the_configured_time() -> None:
    tracker = HealthTracker(HealthSettings(frozen_after_s=1.0))
    still = grey(picture(3))
    assert tracker.update(grey(picture(4)), 0.0) == "ok"
    assert tracker.update(still, 0.5) == "ok"
    assert tracker.update(still, 1.0) == "ok"
    assert tracker.frozen_s == 0.5
    assert tracker.update(still, 1.5) == "frozen"
    assert tracker.frozen_s == 1.0
    assert tracker.update(grey(picture(5)), 2.0) == "ok"
    assert tracker.frozen_s == 0.0


def test_noise_below_the_threshold_still_counts_as_frozen() -> None:
    tracker = HealthTracker(HealthSettings(frozen_after_s=0.5))
    base = picture(6)
    nudged = base.copy()
    nudged[0, 0, 0] ^= 1  # one pixel off by one: what a lossy decode of the same picture gives
    tracker.update(grey(base), 0.0)
    assert tracker.update(grey(nudged), 0.5) == "frozen"


def test_black_wins_over_frozen() -> None:
    tracker = HealthTracker(HealthSettings(frozen_after_s=0.5))
    black = grey(np.zeros((180, 320, 3), dtype=np.uint8))
    assert [tracker.update(black, t) for t in (0.0, 0.5, 1.0, 1.5)] == ["black"] * 4
    assert tracker.frozen_s == 0.0


def test_frozen_time_restarts_after_black() -> None:
    tracker = HealthTracker(HealthSettings(frozen_after_s=1.0))
    still = grey(picture(7))
    tracker.update(grey(np.zeros((180, 320, 3), dtype=np.uint8)), 0.0)
    assert tracker.update(still, 0.5) == "ok"
    assert tracker.update(still, 1.0) == "ok"
    assert tracker.update(still, 1.5) == "frozen"


def test_lost_reports_no_signal_and_forgets_the_last_frame() -> None:
    tracker = HealthTracker()
    still = grey(picture(8))
    tracker.update(still, 0.0)
    assert tracker.lost() == "no_signal"
    assert tracker.update(still, 0.5) == "ok"
