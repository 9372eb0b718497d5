"""The small recorded room (tests/recording) with a live stream to a real nginx-rtmp on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from controller.streaming.config import StreamingConfig
from controller.streaming.local_server import LocalRtmpServer, missing
from controller.streaming.service import StreamService
from tests.recording.conftest import RecordingCourt, court, live_media, recorder_changes  # noqa: F401 - fixtures


@pytest.fixture
async def nginx(tmp_path: Path) -> AsyncIterator[LocalRtmpServer]:
    why = missing()
    if why is not None:
        pytest.skip(why)
    server = LocalRtmpServer(tmp_path / "nginx")
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
def stream_changes() -> dict[str, object]:
    """Changes to the streaming config (tests override this fixture)."""
    return {}


@pytest.fixture
async def stream(
    court: RecordingCourt,  # noqa: F811 - the fixture of tests/recording
    nginx: LocalRtmpServer,
    stream_changes: dict[str, object],
) -> AsyncIterator[StreamService]:
    config = StreamingConfig.model_validate(
        {
            "recorder": "rec-soft",
            "url": nginx.url(),
            "width": 320,
            "height": 180,
            "gop_s": 0.5,
            "seats": {"witness": {"video": "video-witness"}},
            **stream_changes,
        }
    )
    service = StreamService(config, court.room, court.hearing, court.journal)
    try:
        yield service
    finally:
        await service.stop()
