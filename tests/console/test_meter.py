"""An audio input's levels reach the page keyed by the channel numbers the room's seats name, which the
meter itself carries: one mapping, the audio input's, read nowhere else."""

from __future__ import annotations

from controller.console.server import flatten_meter


def test_levels_by_channel_number_with_voice_activity() -> None:
    levels = {
        "seats": {
            "judge": {"channel": 1, "rms_dbfs": -20.5, "peak_dbfs": -6.0, "speaking": True},
            "witness": {"channel": 5, "rms_dbfs": None, "peak_dbfs": None, "speaking": False},
            "broken": {"rms_dbfs": -3.0, "speaking": True},  # no channel: nothing to key it by
        }
    }
    assert flatten_meter(levels) == {"1": -20.5, "1:speaking": 1.0, "5": None, "5:speaking": 0.0}
    assert flatten_meter({"seats": "garbled"}) == {}
