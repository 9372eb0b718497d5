"""The console in a real browser (Debian's chromium through Playwright) against the daemon's parts, the simulated
room and a private mosquitto. Screenshots of the main views go to tests/console/screenshots/."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

from playwright.async_api import Browser, ConsoleMessage, Page, expect

from tests.console.conftest import SCREENSHOTS, USERS, ConsoleRig
from tests.console.looks import box_in_view

VIEWPORT = {"width": 1280, "height": 800}
CASE_NO = "(2025)京0105民初1234号"


class Errors:
    """JavaScript errors of a page (a refused request the test makes on purpose is not one)."""

    def __init__(self, page: Page) -> None:
        self.seen: list[str] = []
        page.on("pageerror", lambda exc: self.seen.append(f"page error: {exc}"))
        page.on("console", self._console)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.seen.append(message.text)

    def check(self) -> None:
        assert self.seen == []


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


async def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


async def login(browser: Browser, rig: ConsoleRig, role: str) -> tuple[Page, Errors]:
    context = await browser.new_context(viewport=VIEWPORT, locale="zh-CN", accept_downloads=True)
    page = await context.new_page()
    errors = Errors(page)
    await page.goto(rig.url)
    await expect(page).to_have_url(rig.url + "login")
    user, password = USERS[role]
    await page.fill("#login-user", user)
    await page.fill("#login-password", password)
    await page.click("#login-submit")
    await expect(page).to_have_url(rig.url)
    await expect(page.locator("body")).to_have_attribute("data-live", "1")  # the WebSocket's snapshot is in
    return page, errors


async def test_the_clerk_runs_a_hearing_from_the_page(browser: Browser, mqtt_rig: ConsoleRig) -> None:
    rig = mqtt_rig
    context = await browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    first = await context.new_page()
    await first.goto(rig.url)
    await first.fill("#login-user", USERS["clerk"][0])
    await first.fill("#login-password", "not-the-password")
    await first.click("#login-submit")
    await expect(first.locator("#login-error")).to_contain_text("用户名或密码错误")  # the code's text, not English
    await shot(first, "01-login")
    await context.close()

    page, errors = await login(browser, rig, "clerk")
    phase = page.get_by_test_id("hearing-phase")
    await expect(phase).to_have_attribute("data-state", "idle")
    await expect(phase).to_have_text("未开庭")
    await expect(page.get_by_test_id("tile-cam-judge")).to_have_attribute("data-level", "ok")
    await shot(page, "02-overview-idle")

    # the pre-hearing check
    await page.get_by_test_id("btn-check").click()
    await expect(page.get_by_test_id("check-status")).to_have_attribute("data-ok", "true")
    await expect(phase).to_have_attribute("data-state", "ready")
    await shot(page, "03-check-passed")

    # open: the recording indicators turn red
    await page.get_by_test_id("open-case-no").fill(CASE_NO)
    await page.get_by_test_id("open-title").fill("买卖合同纠纷")
    await page.get_by_test_id("open-parties").fill("原告 张三\n被告 李四")
    await page.get_by_test_id("btn-open").click()
    await expect(phase).to_have_attribute("data-state", "in_session")
    for recorder in ("rec-main", "rec-backup"):
        await expect(page.get_by_test_id("rec-" + recorder)).to_have_attribute(
            "data-transport", "record", timeout=10_000
        )
        await expect(page.get_by_test_id("rec-" + recorder)).to_have_class("rec rec-on")
    await expect(page.get_by_test_id("not-recording-banner")).to_be_hidden()
    await expect(page.get_by_test_id("case-info")).to_contain_text(CASE_NO)
    await expect(page.get_by_test_id("hearing-clock")).to_contain_text("开庭 00:00:0")
    await shot(page, "04-in-session")

    # cameras: store a preset where the head is, go home, recall the preset: the tile follows the camera
    await page.get_by_test_id("tab-cameras").click()
    cam = rig.sim.camera("cam-judge")
    cam.set_position(pan=600, tilt=200, zoom=1000)
    await page.get_by_test_id("cam-cam-judge-store-number").select_option("3")
    await page.get_by_test_id("cam-cam-judge-store").click()
    await page.get_by_test_id("store-dialog").get_by_test_id("dialog-ok").click()
    await rig.until(lambda: cam.presets.get(3) == (600, 200, 1000), 5, "preset 3 stored in the camera")
    await page.get_by_test_id("cam-cam-judge-preset-0").click()
    position = page.get_by_test_id("cam-cam-judge-position")
    await expect(position).to_have_attribute("data-pan", "0", timeout=10_000)
    await page.get_by_test_id("cam-cam-judge-preset-3").click()
    await expect(position).to_have_attribute("data-pan", "600", timeout=10_000)
    await expect(position).to_have_attribute("data-tilt", "200")
    await expect(position).to_have_attribute("data-zoom", "1000")
    assert (cam.pan, cam.tilt, cam.zoom) == (600, 200, 1000)
    await page.get_by_test_id("tab-overview").click()
    await expect(page.get_by_test_id("summary-cam-judge")).to_contain_text("水平 600")
    await page.get_by_test_id("tab-cameras").click()
    await expect(page.get_by_test_id("voice-follow")).to_have_attribute("data-enabled", "true")
    await shot(page, "05-cameras")

    # microphones: a seat speaking shows on its indicator
    await page.get_by_test_id("tab-av").click()
    rig.sim.device("mics").press(5)  # type: ignore[attr-defined]  # the witness's seat
    await expect(page.get_by_test_id("speaking-witness")).to_have_attribute("data-speaking", "true")
    await shot(page, "06-displays-mics")
    rig.sim.device("mics").release(5)  # type: ignore[attr-defined]
    await expect(page.get_by_test_id("speaking-witness")).to_have_attribute("data-speaking", "false")

    # marks: the button, then the keyboard shortcut
    await page.get_by_test_id("mark-text").fill("原告陈述诉讼请求")
    await page.get_by_test_id("btn-mark").click()
    await expect(page.get_by_test_id("recent-marks")).to_contain_text("原告陈述诉讼请求")
    await page.get_by_test_id("tab-overview").click()
    await page.keyboard.press("Control+m")
    await expect(page.get_by_test_id("mark-text")).to_be_focused()
    await page.keyboard.type("证人开始作证")
    await page.keyboard.press("Control+m")
    await expect(page.get_by_test_id("recent-marks")).to_contain_text("证人开始作证")
    await page.get_by_test_id("tab-marks").click()
    await expect(page.get_by_test_id("mark-row")).to_have_count(2)
    await shot(page, "07-marks")

    # interrupt for a recess (with its confirmation), then resume
    await page.get_by_test_id("btn-interrupt").click()
    dialog = page.get_by_test_id("interrupt-dialog")
    await expect(dialog.get_by_test_id("reason-recess")).to_be_checked()
    await dialog.get_by_test_id("interrupt-note").fill("午休")
    await shot(page, "08-interrupt-dialog")
    await dialog.get_by_test_id("dialog-ok").click()
    await expect(phase).to_have_attribute("data-state", "interrupted")
    await expect(page.get_by_test_id("interruption")).to_contain_text("休庭")
    await expect(page.get_by_test_id("rec-rec-main")).to_have_attribute("data-transport", "stopped", timeout=10_000)
    await expect(page.get_by_test_id("not-recording-banner")).to_be_hidden()  # a recess is not a failure
    await shot(page, "09-interrupted")
    await page.get_by_test_id("btn-resume").click()
    await expect(phase).to_have_attribute("data-state", "in_session")
    await expect(page.get_by_test_id("rec-rec-main")).to_have_attribute("data-transport", "record", timeout=10_000)

    # close: cancel once, then confirm
    await page.get_by_test_id("btn-close").click()
    await page.get_by_test_id("close-dialog").get_by_test_id("dialog-cancel").click()
    await expect(phase).to_have_attribute("data-state", "in_session")
    await page.get_by_test_id("btn-close").click()
    await page.get_by_test_id("close-dialog").get_by_test_id("dialog-ok").click()
    await expect(phase).to_have_attribute("data-state", "closed")
    await expect(page.get_by_test_id("rec-rec-main")).to_have_attribute("data-transport", "stopped", timeout=10_000)

    # the journal and the export
    await page.get_by_test_id("tab-journal").click()
    journal = page.get_by_test_id("journal-table")
    for kind in ("hearing_opened", "mark", "hearing_interrupted", "hearing_resumed", "hearing_closed"):
        await expect(journal.locator(f"[data-kind={kind}]").first).to_be_visible()
    await shot(page, "10-journal")
    await page.get_by_test_id("tab-export").click()
    async with page.expect_download() as download_info:
        await page.get_by_test_id("export-md").click()
    text = await asyncio.to_thread(_read, await (await download_info.value).path())
    assert CASE_NO in text
    assert "证人开始作证" in text
    assert "休庭" in text
    async with page.expect_download() as download_info:
        await page.get_by_test_id("export-json").click()
    record = json.loads(await asyncio.to_thread(_read, await (await download_info.value).path()))
    assert [m["text"] for m in record["marks"]] == ["原告陈述诉讼请求", "证人开始作证"]
    assert record["opened_by"] == "张书记员（书记员）"  # the console user by name and role
    pdf_link = page.get_by_test_id("export-pdf")
    assert "format=pdf" in str(await pdf_link.get_attribute("href"))
    await shot(page, "11-export")

    # English on demand
    await page.click("#lang-toggle")
    await expect(phase).to_have_text("Closed")
    await page.get_by_test_id("tab-overview").click()
    await shot(page, "12-overview-english")
    errors.check()

    # what the page did went through the same journal as MQTT and ctl
    await rig.journal.flush()
    actors = {e.actor for e in await rig.journal.entries() if e.kind in ("hearing_opened", "mark", "hearing_closed")}
    assert actors == {"console:clerk1"}


async def test_a_judge_sees_the_hearing_without_controls(browser: Browser, mqtt_rig: ConsoleRig) -> None:
    rig = mqtt_rig
    await rig.hearing.execute("open", {"case_no": CASE_NO, "title": "买卖合同纠纷"}, actor="test")
    await rig.hearing.execute("mark", {"text": "法庭调查开始"}, actor="test")
    page, errors = await login(browser, rig, "judge")
    await expect(page.get_by_test_id("hearing-phase")).to_have_attribute("data-state", "in_session")
    await expect(page.get_by_test_id("rec-rec-main")).to_have_attribute("data-transport", "record", timeout=10_000)
    await expect(page.get_by_test_id("recent-marks")).to_contain_text("法庭调查开始")
    for testid in ("btn-check", "btn-open", "btn-interrupt", "btn-close", "btn-mark", "mark-text", "vf-on"):
        await expect(page.get_by_test_id(testid)).to_have_count(0)
    for tab in ("tab-journal", "tab-diagnostics"):
        await expect(page.get_by_test_id(tab)).to_have_count(0)
    await page.get_by_test_id("tab-cameras").click()
    await expect(page.get_by_test_id("camera-cam-judge")).to_be_visible()
    await expect(page.locator("[data-testid^=cam-cam-judge-preset]")).to_have_count(0)
    await page.get_by_test_id("tab-av").click()
    await expect(page.locator("[data-testid^=display-disp-judge-on]")).to_have_count(0)
    await page.get_by_test_id("tab-marks").click()
    await expect(page.get_by_test_id("mark-row")).to_have_count(1)
    await shot(page, "20-judge")
    # the page's own session cannot control either: the server refuses
    statuses = await page.evaluate(
        """async () => {
            const post = (path, body) => fetch(path, {method: "POST", headers: {"Content-Type": "application/json"},
                                                       body: JSON.stringify(body)}).then((r) => r.status);
            return [await post("/api/hearing/close", {}), await post("/api/hearing/mark", {text: "x"}),
                    await post("/api/device/cam-judge/preset_recall", {preset: 1})];
        }"""
    )
    assert statuses == [403, 403, 403]
    assert rig.hearing.phase == "in_session"
    errors.check()


async def test_not_recording_raises_the_banner(browser: Browser, mqtt_rig: ConsoleRig) -> None:
    rig = mqtt_rig
    page, errors = await login(browser, rig, "clerk")
    await page.get_by_test_id("open-case-no").fill(CASE_NO)
    await page.get_by_test_id("btn-open").click()
    await expect(page.get_by_test_id("rec-rec-main")).to_have_attribute("data-transport", "record", timeout=10_000)
    recorder = rig.sim.device("rec-main")
    recorder.set_remote(False)  # type: ignore[attr-defined]  # the watchdog cannot restart it from here
    recorder.press_stop()  # type: ignore[attr-defined]
    banner = page.get_by_test_id("not-recording-banner")
    await expect(banner).to_be_visible(timeout=10_000)
    await expect(banner).to_contain_text("未在录像")
    await expect(page.get_by_test_id("rec-rec-main")).to_have_attribute("data-transport", "stopped")
    await expect(page.get_by_test_id("alarm-not_recording")).to_be_visible()
    await expect(page.get_by_test_id("tile-rec-main")).to_have_attribute("data-level", "error")
    await shot(page, "30-not-recording")
    recorder.set_remote(True)  # type: ignore[attr-defined]
    await expect(banner).to_be_hidden(timeout=15_000)  # the watchdog restarted it
    errors.check()


def _is_red(css: str) -> bool:
    r, g, b = (int(x) for x in re.findall(r"\d+", css)[:3])
    return r > 150 and g < 100 and b < 120


async def test_a_failed_check_is_overridden_with_a_reason(browser: Browser, mqtt_rig: ConsoleRig) -> None:
    rig = mqtt_rig
    rig.sim.camera("cam-witness").unplug()
    await rig.until(lambda: not rig.room.online("cam-witness"), 15, "cam-witness offline")
    page, errors = await login(browser, rig, "clerk")
    await expect(page.get_by_test_id("tile-cam-witness")).to_have_attribute("data-level", "offline")
    await page.get_by_test_id("open-case-no").fill(CASE_NO)
    await page.get_by_test_id("btn-open").click()
    await expect(page.get_by_test_id("check-status")).to_have_attribute("data-ok", "false")
    failed = page.get_by_test_id("check-failed")
    await expect(failed).to_contain_text("证人摄像机")  # failures first, in plain words, with what to do
    await expect(failed).to_contain_text("处理：")
    await expect(page.get_by_test_id("check-item").first).to_have_attribute("data-ok", "false")
    # the failure on the first screen, in red (the passed items folded below it), not under a scroll box's fold
    await box_in_view(page, "check-failed")
    first = page.get_by_test_id("check-failed").get_by_test_id("check-item").first
    colour, border = await first.evaluate("e => [getComputedStyle(e).color, getComputedStyle(e).borderLeftColor]")
    assert colour == border and colour.startswith("rgb(") and _is_red(colour), (colour, border)
    await expect(page.locator("details.check-ok-more")).not_to_have_attribute("open", "")
    await expect(page.locator("#toasts")).not_to_contain_text("override_reason")
    await page.get_by_test_id("btn-override").click()
    dialog = page.get_by_test_id("override-dialog")  # the reason is asked for in the dialog itself
    await dialog.get_by_test_id("dialog-ok").click()  # empty: the dialog stays open
    await expect(dialog).to_be_visible()
    await dialog.get_by_test_id("override-reason").fill("本案无证人出庭")
    await shot(page, "40-check-failed-override")
    await dialog.get_by_test_id("dialog-ok").click()
    await expect(page.get_by_test_id("hearing-phase")).to_have_attribute("data-state", "in_session")
    await rig.journal.flush()
    overrides = [e for e in await rig.journal.entries() if e.kind == "hearing_opened" and "override" in e.data]
    assert [(e.actor, e.data["override"]["reason"]) for e in overrides] == [("console:clerk1", "本案无证人出庭")]
    errors.check()


async def test_the_technician_sends_a_raw_command(browser: Browser, mqtt_rig: ConsoleRig) -> None:
    rig = mqtt_rig
    page, errors = await login(browser, rig, "technician")
    await expect(page.get_by_test_id("btn-check")).to_have_count(0)
    await page.get_by_test_id("tab-diagnostics").click()
    await expect(page.get_by_test_id("diag-supervisors")).to_contain_text("cam-judge")
    await page.get_by_test_id("raw-device").select_option("cam-panorama")
    await page.get_by_test_id("raw-action").select_option("pan_tilt_to")
    await page.get_by_test_id("raw-params").fill('{"pan": -300, "tilt": 100}')
    await page.get_by_test_id("raw-send").click()
    await expect(page.get_by_test_id("raw-result")).to_contain_text('"status": "ok"')
    await rig.until(lambda: rig.sim.camera("cam-panorama").pan == -300, 5, "the camera moved")
    await page.get_by_test_id("raw-params").fill('{"pan": "left"}')
    await page.get_by_test_id("raw-send").click()
    await expect(page.get_by_test_id("raw-result")).to_contain_text("INVALID_ARGUMENT")
    await shot(page, "50-diagnostics")
    errors.check()


async def test_the_clerk_takes_a_snapshot_of_a_camera_picture(browser: Browser, mqtt_rig: ConsoleRig) -> None:
    rig = mqtt_rig
    page, errors = await login(browser, rig, "clerk")
    await page.get_by_test_id("tab-av").click()
    await expect(page.get_by_test_id("video-video-judge-state")).to_contain_text("正常", timeout=10000)
    await page.get_by_test_id("video-video-judge-snapshot").click()
    image = page.get_by_test_id("video-video-judge-image")
    await expect(image).to_have_attribute("src", re.compile(r"^data:image/jpeg;base64,/9j/"))
    width = await image.evaluate("img => img.naturalWidth")
    assert width > 0, "the JPEG decodes in the browser"
    await shot(page, "60-video-snapshot")
    errors.check()
