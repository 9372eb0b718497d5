"""Replay's jump by time without a browser: which segment holds a moment and the offset into it, and the moment a
clock time typed in the room's time zone (as the overlay shows it) names, on the hearing's day or past midnight."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from controller.console.replay import clock_time, moment_of, segment_at

SHANGHAI = ZoneInfo("Asia/Shanghai")


def ms(text: str, zone: ZoneInfo = SHANGHAI) -> int:
    return round(datetime.fromisoformat(text).replace(tzinfo=zone).timestamp() * 1000)


def seg(stream: str, index: int, start: str, end: str) -> dict[str, Any]:
    return {
        "stream": stream,
        "index": index,
        "file": f"{stream}_{index:03d}.mp4",
        "start_ts": ms(start),
        "end_ts": ms(end),
    }


# two parts of a hearing, a recess between them; the camera's segments listed out of order, the composite's too
SEGMENTS = [
    seg("composite", 2, "2026-03-02 09:40:00", "2026-03-02 09:50:00"),
    seg("composite", 1, "2026-03-02 09:30:00", "2026-03-02 09:40:00"),
    seg("video-judge", 1, "2026-03-02 09:30:00", "2026-03-02 09:40:00"),
    seg("composite", 1, "2026-03-02 10:05:00", "2026-03-02 10:15:00") | {"file": "p2_composite_001.mp4"},
]


def test_a_moment_opens_the_segment_that_holds_it_at_the_offset_into_it() -> None:
    found = segment_at(SEGMENTS, "composite", ms("2026-03-02 09:43:20.500"))
    assert found is not None
    segment, offset = found
    assert segment["file"] == "composite_002.mp4" and offset == pytest.approx(200.5)
    found = segment_at(SEGMENTS, "video-judge", ms("2026-03-02 09:31:00"))
    assert found is not None and found[0]["stream"] == "video-judge" and found[1] == pytest.approx(60)


def test_a_cut_belongs_to_the_segment_it_starts() -> None:
    found = segment_at(SEGMENTS, "composite", ms("2026-03-02 09:40:00"))
    assert found is not None and found[0]["file"] == "composite_002.mp4" and found[1] == 0


def test_a_moment_in_a_recess_or_before_the_start_opens_the_next_part_and_after_the_end_nothing() -> None:
    in_recess = segment_at(SEGMENTS, "composite", ms("2026-03-02 09:55:00"))
    assert in_recess is not None and in_recess == (SEGMENTS[3], 0.0)
    before = segment_at(SEGMENTS, "composite", ms("2026-03-02 09:00:00"))
    assert before is not None and before[0]["file"] == "composite_001.mp4" and before[1] == 0
    assert segment_at(SEGMENTS, "composite", ms("2026-03-02 10:15:00")) is None
    assert segment_at(SEGMENTS, "video-judge", ms("2026-03-02 09:45:00")) is None  # the camera's recording ended


def test_a_clock_time_is_read_in_the_rooms_time_zone() -> None:
    start, end = ms("2026-03-02 09:30:00"), ms("2026-03-02 10:15:00")
    assert moment_of(clock_time("09:43:20"), start, end, SHANGHAI) == ms("2026-03-02 09:43:20")
    # the same clock time in another zone is another moment: the browser's zone does not decide it
    new_york = ZoneInfo("America/New_York")
    other = moment_of(
        clock_time("09:43:20"), ms("2026-03-02 09:30:00", new_york), ms("2026-03-02 10:15:00", new_york), new_york
    )
    assert other == ms("2026-03-02 09:43:20", new_york) != ms("2026-03-02 09:43:20")
    found = segment_at(SEGMENTS, "composite", moment_of(clock_time("9:43:20"), start, end, SHANGHAI))
    assert found is not None and found[0]["file"] == "composite_002.mp4" and found[1] == pytest.approx(200)


def test_a_clock_time_after_midnight_is_on_the_next_day_only_if_the_recording_ran_past_midnight() -> None:
    start, end = ms("2026-03-02 23:50:00"), ms("2026-03-03 00:40:00")
    assert moment_of(clock_time("00:10"), start, end, SHANGHAI) == ms("2026-03-03 00:10:00")
    assert moment_of(clock_time("23:55:00"), start, end, SHANGHAI) == ms("2026-03-02 23:55:00")
    day_start, day_end = ms("2026-03-02 09:30:00"), ms("2026-03-02 10:15:00")
    assert moment_of(clock_time("09:00"), day_start, day_end, SHANGHAI) == ms("2026-03-02 09:00:00")  # before it


@pytest.mark.parametrize("text", ["", "9", "09:60", "25:00:00", "09:30:00.5", "nine"])
def test_a_time_that_is_not_a_clock_time_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        clock_time(text)
