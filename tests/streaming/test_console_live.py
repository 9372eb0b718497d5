"""The clerk's page in a real chromium: today's hearings from the simulated case system, one press opens the
first, one press puts it on the air, one press cuts it (the slate read back from nginx)."""

from __future__ import annotations

import time

import pytest
from playwright.async_api import Browser, expect

from controller.cases.config import CaseSystemConfig
from controller.cases.service import CaseService
from controller.console.server import start_console
from controller.console.users import add_user
from controller.streaming.console_api import LiveApi
from controller.streaming.local_server import LocalRtmpServer
from controller.streaming.service import StreamService
from tests.cases.conftest import CaseSystemProcess, case_system  # noqa: F401 - fixture
from tests.console.conftest import USERS
from tests.console.test_browser import login
from tests.recording.conftest import RecordingCourt
from tests.streaming.rtmp import Reader
from tests.streaming.test_stream_policy import wait_for


@pytest.mark.parametrize("stream_changes", [{"protected": ["witness"]}])
async def test_one_press_opens_todays_case_puts_it_on_the_air_and_cuts_it(
    browser: Browser,
    court: RecordingCourt,
    stream: StreamService,
    nginx: LocalRtmpServer,
    case_system: CaseSystemProcess,  # noqa: F811
) -> None:
    config = court.room.config
    for role, (user, password) in USERS.items():
        add_user(config.state_dir / "console-users.yaml", user, role, password, display_name="赵书记员")
    cases = CaseService(
        CaseSystemConfig(url=case_system.url, token_file=case_system.token_file), court.room.room_id,
        config.room.zone, court.hearing,
    )
    await cases.refresh()
    console = await start_console(config.model_copy(update={"console": config.console.model_copy(update={"port": 0})}),
                                  court.room, court.hearing, court.journal, LiveApi(cases, stream).routes())
    reader = Reader(nginx.url())
    try:
        rig = type("Rig", (), {"url": console.url})()
        page, errors = await login(browser, rig, "clerk")  # type: ignore[arg-type]
        await expect(page.get_by_test_id("publicity-0")).to_contain_text("公开")
        await expect(page.get_by_test_id("publicity-1")).to_contain_text("个人隐私")
        await expect(page.get_by_test_id("stream-state")).to_contain_text("未直播")
        await page.get_by_test_id("open-case-0").click()
        await court.until(lambda: court.hearing.phase == "in_session", 10, "the hearing open")
        assert court.hearing.ledger.source["kind"] == "case_system"
        await court.until(lambda: court.recorder.state.transport == "record", 10, "recording")

        reader.start()
        await page.get_by_test_id("stream-start").click()
        await expect(page.get_by_test_id("stream-state")).to_contain_text("直播中", timeout=10000)
        await wait_for(lambda: len(reader.frames) >= 5, 20, "pictures read back")
        await page.get_by_test_id("cut-reason").fill("证人为未成年人")
        pressed = time.monotonic()
        await page.get_by_test_id("stream-cut").click()
        await wait_for(lambda: any(f.slate for f in reader.frames), 10, "the slate")
        seen = next(f.at for f in reader.frames if f.slate) - pressed
        print(f"\nconsole: cut pressed -> slate read back {seen * 1000:.0f} ms")
        assert seen < 3.0
        await expect(page.get_by_test_id("stream-state")).to_contain_text("证人为未成年人")
        assert stream.state().by == "console:clerk1"
        # the stream's own reasons in the page's language, the raw English only under 详情
        await page.get_by_test_id("stream-stop").click()
        await expect(page.get_by_test_id("stream-state")).to_have_text("未直播（手动停止）", timeout=10000)
        await page.locator("#lang-toggle").click()
        await expect(page.get_by_test_id("stream-state")).to_have_text("off the air (stopped)", timeout=10000)
        errors.check()
        await page.context.close()
        await court.hearing.execute("close", {}, "clerk")
    finally:
        reader.stop()
        await console.stop()
        await cases.stop()
