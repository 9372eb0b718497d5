"""An audio input's levels reach the page keyed by the channel numbers the room's seats name."""

from __future__ import annotations

from controller.console.server import flatten_meter


def test_levels_by_channel_number_with_voice_activity() -> None:
    levels = {
        "seats": {
            "judge": {"rms_dbfs": -20.5, "peak_dbfs": -6.0, "speaking": True},
            "witness": {"rms_dbfs": None, "peak_dbfs": None, "speaking": False},
        }
    }
    assert flatten_meter({1: "judge", 5: "witness", 7: "nobody"}, levels) == {
        "1": -20.5,
        "1:speaking": 1.0,
        "5": None,
        "5:speaking": 0.0,
    }
    assert flatten_meter({1: "judge"}, {"seats": "garbled"}) == {}
