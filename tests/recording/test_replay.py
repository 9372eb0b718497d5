"""Replay (Art.7) in a real chromium: the clerk picks the hearing, clicks a mark, and the video element plays the
composite segment that holds the mark from within a second of it (served with HTTP range requests); then types the
time the overlay showed (the room's time zone, not the browser's) and the video jumps there."""

from __future__ import annotations

import asyncio
import shutil
from datetime import datetime
from pathlib import Path

import aiohttp
import pytest
from playwright.async_api import async_playwright, expect

from controller.console.server import ConsoleServer
from controller.console.users import add_user
from controller.mqtt.contract import now_ms
from tests.recording.conftest import RecordingCourt

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
ARGS += ["--no-first-run", "--disable-sync", "--autoplay-policy=no-user-gesture-required"]


async def test_replay_jumps_to_a_mark_in_chromium(court: RecordingCourt, tmp_path: Path) -> None:
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (make test installs it)")
    opened = await court.hearing.execute("open", {"case_no": "R-1"}, "clerk")
    await court.until(lambda: court.recorder.state.transport == "record", 5, "recording")
    await asyncio.sleep(3.2)
    mark = await court.hearing.execute("mark", {"text": "证人出示证据"}, "clerk")
    await asyncio.sleep(2.5)
    await court.hearing.execute("close", {}, "clerk")
    await court.until(lambda: court.recorder.state.transport == "stopped", 5, "stopped")
    await court.recording.settle()
    segments = [e.data for e in await court.journal.entries(opened["hearing_id"]) if e.kind == "recording_segment"]
    holder = next(s for s in segments if s["stream"] == "composite" and s["start_ts"] <= mark["ts"] < s["end_ts"])
    expected = (mark["ts"] - holder["start_ts"]) / 1000
    assert holder["index"] >= 2, "the mark is past the first segment: the jump must pick the right file"
    # the clock time the overlay showed a second after the first segment's end: typed, it opens the next one
    first = next(s for s in segments if s["stream"] == "composite" and s["index"] == 1)
    typed_ms = (first["end_ts"] // 1000 + 1) * 1000
    typed = datetime.fromtimestamp(typed_ms / 1000, court.room.config.room.zone).strftime("%H:%M:%S")
    at_typed = next(s for s in segments if s["stream"] == "composite" and s["start_ts"] <= typed_ms < s["end_ts"])
    typed_offset = (typed_ms - at_typed["start_ts"]) / 1000

    users = tmp_path / "users.yaml"
    add_user(users, "clerk1", "clerk", "clerk-password-1")
    config = court.room.config.model_copy(
        update={"console": court.room.config.console.model_copy(update={"port": 0, "users_file": users})}
    )
    console = ConsoleServer(config, court.room, court.hearing, court.journal)
    await console.start()
    try:
        assert console.url is not None
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:  # range requests: 206
            login = {"user": "clerk1", "password": "clerk-password-1"}
            async with http.post(console.url + "api/login", json=login, headers={"Origin": console.url.rstrip("/")}):
                pass
            url = console.url.rstrip("/") + f"/replay/files/rec-soft/{holder['file']}"
            async with http.get(url, headers={"Range": "bytes=100-199"}) as part:
                assert part.status == 206 and len(await part.read()) == 100
            async with http.get(console.url.rstrip("/") + "/replay/files/rec-soft/../../state/journal.sqlite") as bad:
                assert bad.status == 404
            at = console.url + f"api/replay/hearings/{opened['hearing_id']}/at"
            async with http.get(at, params={"stream": "composite", "time": typed}) as found:
                body = await found.json()
            assert body["ts"] == typed_ms and body["segment"]["file"] == at_typed["file"]
            assert body["offset_s"] == pytest.approx(typed_offset, abs=0.001)
            async with http.get(at, params={"stream": "composite", "time": "25:00"}) as refused:
                assert refused.status == 400
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            try:
                page = await browser.new_page()
                await page.goto(console.url)
                await page.fill("#login-user", "clerk1")
                await page.fill("#login-password", "clerk-password-1")
                await page.click("#login-submit")
                await expect(page).to_have_url(console.url)
                await page.get_by_test_id("replay-link").click()
                await expect(page.get_by_test_id("replay-mark-0")).to_contain_text("证人出示证据")
                await page.get_by_test_id("replay-mark-0").click()
                await page.wait_for_function(
                    "() => { const v = document.getElementById('replay-video');"
                    " return v.readyState >= 2 && !v.seeking && v.currentTime > 0; }",
                    timeout=10_000,
                )
                src = await page.evaluate("document.getElementById('replay-video').getAttribute('src')")
                current = await page.evaluate("document.getElementById('replay-video').currentTime")
                width = await page.evaluate("document.getElementById('replay-video').videoWidth")
                await page.fill("#replay-time", typed)
                await page.get_by_test_id("replay-go").click()
                await page.wait_for_function(
                    "file => { const v = document.getElementById('replay-video');"
                    " return v.getAttribute('src').endsWith(file) && v.readyState >= 2 && !v.seeking; }",
                    arg=at_typed["file"],
                    timeout=10_000,
                )
                typed_current = await page.evaluate("document.getElementById('replay-video').currentTime")
            finally:
                await browser.close()
    finally:
        await console.stop()
    assert src.endswith(holder["file"])
    assert width == 320
    assert abs(current - expected) < 1.0, f"currentTime {current:.2f} s, the mark is at {expected:.2f} s"
    assert abs(typed_current - typed_offset) < 1.0, f"currentTime {typed_current:.2f} s, typed {typed_offset:.2f} s"
    assert now_ms() > mark["ts"]
