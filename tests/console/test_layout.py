"""The console as a clerk under pressure sees it, in chromium at the three sizes a court uses: the hearing state, the
recorders and the NOT RECORDING band on the first screen, no horizontal scroll on a phone, 44 px touch targets,
a label on every control, column headers on every table, one language per page, and state colours readable
(WCAG AA). Every view at every size is kept as a screenshot under tmp/artefacts/console/."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from controller import texts
from controller.cases.config import CaseSystemConfig
from controller.hearing.restore import verify_recording
from tests.cases.conftest import CaseSystemProcess, case_system  # noqa: F401 - fixture
from tests.console.conftest import NAMES, USERS, ConsoleRig, console_room
from tests.console.looks import (
    MIN_TARGET_PX,
    SIZES,
    artefact,
    box_in_view,
    contrast,
    controls,
    foreign_words,
    horizontal_overflow,
    latin_words,
    login_at,
    show,
    tabs,
    view_texts,
)


async def not_recording(rig: ConsoleRig, case_no: str = "(2025)京0105民初1234号") -> None:
    """A hearing in session whose main recorder stopped and cannot be restarted: NOT RECORDING."""
    params = {"case_no": case_no, "title": "买卖合同纠纷" if "京" in case_no else "Sales contract"}
    if not rig.room.online("cam-witness"):
        params["override_reason"] = "本案无证人出庭" if "京" in case_no else "no witness today"
    await rig.hearing.execute("open", params, actor="test")
    await rig.until(lambda: rig.hearing.state().recorders.get("rec-main") == "record", 10, "rec-main recording")
    recorder = rig.sim.device("rec-main")
    recorder.set_remote(False)  # type: ignore[attr-defined]  # the watchdog cannot restart it
    recorder.press_stop()  # type: ignore[attr-defined]
    await rig.until(
        lambda: any(a.kind == "not_recording" for a in rig.hearing.state().alarms), 10, "the not_recording alarm"
    )


async def check_layout(page: Page, size: str, role: str) -> None:
    """The state on the first screen (also scrolled down), no horizontal scroll, targets, labels, headers."""
    _, touch = SIZES[size]
    for view in await tabs(page):
        await show(page, view)
        await page.evaluate("() => window.scrollTo(0, 0)")
        for testid in ("hearing-phase", "rec-rec-main", "rec-rec-backup", "not-recording-banner"):
            await box_in_view(page, testid)
        await page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
        for testid in ("hearing-phase", "rec-rec-main", "not-recording-banner"):
            await box_in_view(page, testid)  # the header and the band stay when the page scrolls
        await page.evaluate("() => window.scrollTo(0, 0)")
        assert await horizontal_overflow(page) <= 0, f"{view} at {size} scrolls sideways"
        found = await controls(page)
        unlabelled = [c for c in found if not c["name"]]
        assert unlabelled == [], f"{view} at {size}: controls without a label: {unlabelled}"
        if touch:
            small = [c for c in found if c["width"] < MIN_TARGET_PX - 0.5 or c["height"] < MIN_TARGET_PX - 0.5]
            assert small == [], f"{view} at {size}: touch targets under {MIN_TARGET_PX} px: {small}"
        headless = await page.locator("table").evaluate_all(
            "ts => ts.filter((t) => !t.tHead || t.tHead.querySelectorAll('th').length"
            " < Math.max(0, ...[...t.tBodies[0].rows].map((r) => r.cells.length))).map((t) => t.dataset.testid)"
        )
        assert headless == [], f"{view} at {size}: tables without column headers: {headless}"
        if role == "clerk" or view == "diagnostics":  # the technician's other views look like the clerk's
            await artefact(page, f"{size}-{role}-{view}")


@pytest.mark.parametrize("role", ["clerk", "judge", "technician"])
async def test_three_layouts_keep_the_state_on_the_first_screen(
    browser: Browser, live_rig: ConsoleRig, role: str
) -> None:
    """The day's schedule listed (the simulated case system), the live stream's panel under it."""
    rig = live_rig
    await not_recording(rig)
    for size in SIZES:
        page = await login_at(browser, rig, role, size)
        await expect(page.get_by_test_id("not-recording-banner")).to_be_visible()
        await expect(page.get_by_test_id("rec-rec-main")).to_have_attribute("data-transport", "stopped")
        await expect(page.get_by_test_id("rec-rec-backup")).to_have_attribute("data-transport", "record")
        await expect(page.get_by_test_id("publicity-1")).to_be_visible()  # its buttons and words measured too
        await check_layout(page, size, role)
        await page.get_by_test_id("replay-link").click()
        await expect(page.get_by_test_id("replay-status")).not_to_be_empty()
        assert await horizontal_overflow(page) <= 0, f"the replay view at {size} scrolls sideways"
        await artefact(page, f"{size}-{role}-replay")
        await page.context.close()


async def test_the_phone_is_one_column(browser: Browser, rig: ConsoleRig) -> None:
    """The phone layout: one column, the tiles and the tabs as wide as the screen, nothing cut off; the login
    page too, with its error in the chosen language."""
    page = await login_at(browser, rig, "clerk", "phone")
    panel = await page.locator("#hearing-panel").bounding_box()
    views = await page.locator(".views").bounding_box()
    assert panel is not None and views is not None
    assert views["y"] >= panel["y"] + panel["height"] - 1, "the views come below the hearing panel"
    assert panel["width"] <= 390 and views["width"] <= 390
    tile = await page.get_by_test_id("tile-cam-witness").bounding_box()
    assert tile is not None and tile["x"] >= 0 and tile["x"] + tile["width"] <= 390
    # 正常 on one line: the level word never wraps character by character
    heights = await page.locator(".tile .level").evaluate_all("els => els.map((e) => e.getBoundingClientRect().height)")
    line = await page.locator(".tile .level").first.evaluate("e => parseFloat(getComputedStyle(e).lineHeight) || 22")
    assert max(heights) < 1.6 * line
    await page.context.close()
    await login_error_in_both_languages(browser, rig)


async def login_error_in_both_languages(browser: Browser, rig: ConsoleRig) -> None:
    """The login page on a phone: a wrong password said in the chosen language (not the server's English)."""
    for lang, expected in (("zh-CN", "用户名或密码错误"), ("en", "Wrong user name or password")):
        context = await browser.new_context(viewport=SIZES["phone"][0], locale=lang)
        page = await context.new_page()
        await page.goto(rig.url)
        await page.evaluate("(lang) => localStorage.setItem('courtroom.lang', lang)", lang)
        await page.reload()
        await page.fill("#login-user", "clerk1")
        await page.fill("#login-password", "not-the-password")
        await page.click("#login-submit")
        error = page.locator("#login-error")
        await expect(error).to_contain_text(expected)
        assert foreign_words([await error.inner_text()], lang, set()) == []
        assert await horizontal_overflow(page) <= 0
        await context.close()


def allowed_words(rig: ConsoleRig) -> set[str]:
    """Proper nouns and identifiers a view may show in either language: vendors, models, device ids, inputs, and
    a few technical names (PDF, JSON, Markdown, Ctrl)."""
    words = {"pdf", "json", "markdown", "ctrl", "m", "a4", "remote", "db", "english"}
    words.update(user for user, _ in USERS.values())  # login names are identifiers
    for dev in rig.room.device_entries():
        for text in (dev.id, dev.vendor, dev.model, dev.profile, dev.firmware_label or "", dev.firmware or "",
                     *dev.actions):  # the technician's raw command names its actions
            words.update(w.lower() for w in latin_words(text))
        for name in (dev.details or {}).get("inputs", []):
            words.update(w.lower() for w in latin_words(str(name)))
    return words


@pytest.fixture
async def live_rig(tmp_path: Path, case_system: CaseSystemProcess) -> AsyncIterator[ConsoleRig]:  # noqa: F811
    """The console with today's schedule from the simulated case system (and the live stream, not configured)."""
    config = CaseSystemConfig(url=case_system.url, token_file=case_system.token_file)
    async with console_room(tmp_path, cases_config=config) as r:
        yield r


async def schedule_words(rig: ConsoleRig) -> set[str]:
    """The case system's own words in today's schedule (case numbers, causes, names): shown as the court wrote them."""
    client = await rig.session("clerk")
    try:
        async with client.get("/api/cases") as response:
            cases = await response.json()
    finally:
        await client.close()
    assert cases["status"] == "ok" and cases["cases"], cases
    words: set[str] = set()
    for case in cases["cases"]:
        for text in (case["case_no"], case["cause"], case["start"], case["clerk"], *case["parties"], *case["judges"]):
            words.add(text.lower())
            words.update(w.lower() for w in latin_words(text))
    return words


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
async def test_every_view_speaks_one_language(
    browser: Browser, live_rig: ConsoleRig, case_system: CaseSystemProcess, lang: str  # noqa: F811
) -> None:
    """zh-CN: no English word and no raw catalogue key (`kind.indicator`) in any view, the schedule and the live
    stream's panel included (also with the case system gone); en: no Chinese."""
    rig = live_rig
    case_no = "(2025)京0105民初1234号" if lang == "zh-CN" else "(2025) Case 1234"
    rig.sim.camera("cam-witness").unplug()
    await rig.until(lambda: not rig.room.online("cam-witness"), 15, "cam-witness offline")
    await rig.hearing.execute("check", {}, actor="test")
    await not_recording(rig, case_no)
    await rig.hearing.execute("mark", {"text": "证人开始作证" if lang == "zh-CN" else "witness speaks"}, actor="test")
    # a foot switch's press, journaled as the hearing journals it (this room has no foot switch of its own)
    await rig.hearing.execute("mark", {"text": texts.BUTTON_MARK}, actor="button:foot-switch")
    allowed = allowed_words(rig)
    allowed.add(case_no.lower())
    allowed.add("foot-switch")  # the device id of that press's button: not in the room, so named by its id
    allowed.update(name.lower() for name in NAMES.values())  # a person's name is theirs in every language
    if lang == "en":
        allowed.update({"中文", "(2025)京0105民初1234号"})
    allowed.update(await schedule_words(rig))
    for role in ("clerk", "technician", "judge"):
        page = await login_at(browser, rig, role, "desktop", lang)
        await expect(page.get_by_test_id("publicity-1")).to_be_visible()  # the schedule and the stream are shown
        await expect(page.get_by_test_id("stream-state")).to_be_visible()
        problems: list[str] = []
        for view in await tabs(page):
            await show(page, view)
            problems += [f"{role}/{view}: {p}" for p in foreign_words(await view_texts(page), lang, allowed)]
        await page.get_by_test_id("replay-link").click()
        await expect(page.get_by_test_id("replay-status")).not_to_be_empty()
        problems += [f"{role}/replay: {p}" for p in foreign_words(await view_texts(page), lang, allowed)]
        await page.go_back()
        await expect(page.locator("body")).to_have_attribute("data-live", "1")
        if role == "clerk":
            await page.get_by_test_id("btn-interrupt").click()
            problems += [f"{role}/interrupt: {p}" for p in foreign_words(await view_texts(page), lang, allowed)]
            await page.get_by_test_id("dialog-cancel").click()
        assert problems == [], "\n".join(problems)
        await page.context.close()
    # the case system gone: the clerk's refresh says so in plain words (the raw reason under the technician's 详情)
    await case_system.kill()
    page = await login_at(browser, rig, "clerk", "desktop", lang)
    await page.get_by_test_id("cases-refresh").click()
    gone = "无法连接案件系统" if lang == "zh-CN" else "cannot be reached"
    await expect(page.get_by_test_id("cases-status")).to_contain_text(gone)
    problems = foreign_words(await view_texts(page), lang, allowed)
    assert problems == [], "\n".join(problems)
    await page.context.close()


async def test_a_device_problem_in_plain_words(browser: Browser, rig: ConsoleRig) -> None:
    """An unplugged camera: "证人无响应（已离线 N 秒）" on its tile, the raw driver line only under the
    technician's 详情, not on the clerk's page."""
    rig.sim.camera("cam-witness").unplug()
    await rig.until(lambda: not rig.room.online("cam-witness"), 15, "cam-witness offline")
    clerk = await login_at(browser, rig, "clerk", "panel")
    reason = clerk.get_by_test_id("reason-cam-witness")
    await expect(reason).to_have_text(re.compile(r"^证人(无响应|连接中断)（已离线 \d+ 秒）$"))
    await expect(clerk.get_by_test_id("tile-cam-witness").locator("details")).to_have_count(0)
    tech = await login_at(browser, rig, "technician", "phone")
    tile = tech.get_by_test_id("tile-cam-witness")
    await expect(tile.get_by_test_id("reason-cam-witness")).to_contain_text("已离线")
    detail = tile.locator("details.raw-detail")
    await expect(detail.locator("summary")).to_have_text("详情")
    await detail.locator("summary").click()
    raw = rig.room.availability("cam-witness").reason or ""
    await expect(detail.locator("code")).to_have_text(raw)
    await artefact(tech, "phone-technician-raw-detail")


async def test_state_colours_are_readable(browser: Browser, rig: ConsoleRig) -> None:
    """WCAG AA: 4.5:1 for text on every state colour (3:1 for large text: 24 px, or 18.7 px bold)."""
    page = await login_at(browser, rig, "clerk", "desktop")
    samples = await page.evaluate(
        """() => {
          const cases = [
            ["span", "phase phase-idle"], ["span", "phase phase-ready"], ["span", "phase phase-in_session"],
            ["span", "phase phase-interrupted"], ["span", "phase phase-closed"], ["div", "rec rec-on"],
            ["div", "banner"], ["div", "alarm alarm-critical"], ["div", "alarm alarm-warning"],
            ["button", "primary"], ["button", "danger"], ["button", "warn"], ["div", "conn-lost"],
            ["div", "toast"], ["div", "toast error"], ["div", "toast warning"], ["span", "speaking on"],
            ["span", "tab", "aria-selected"],
          ];
          const tiles = ["ok", "warning", "error", "offline"];
          const out = [];
          const host = document.createElement("div");
          document.body.append(host);
          const rgb = (s) => s.match(/[\\d.]+/g).slice(0, 3).map(Number);
          for (const [tag, cls, attr] of cases) {
            const el = document.createElement(tag);
            el.className = cls;
            if (attr) el.setAttribute(attr, "true");
            el.textContent = "庭审中 Text";
            el.style.animation = "none";
            host.append(el);
            const cs = getComputedStyle(el);
            out.push({what: cls, fg: rgb(cs.color), bg: rgb(cs.backgroundColor), size: parseFloat(cs.fontSize),
                      bold: Number(cs.fontWeight) >= 700});
          }
          out.push({what: "banner blink", fg: [255, 255, 255], bg: [0x7a, 0, 0x10], size: 28, bold: true});
          for (const level of tiles) {
            const tile = document.createElement("div");
            tile.className = "tile level-" + level;
            const word = document.createElement("span");
            word.className = "level";
            word.textContent = "正常";
            const reason = document.createElement("div");
            reason.className = "reason";
            reason.textContent = "原因";
            tile.append(word, reason);
            host.append(tile);
            const bg = rgb(getComputedStyle(tile).backgroundColor);
            const bgc = getComputedStyle(tile).backgroundColor.startsWith("rgba(0, 0, 0, 0)") ? [255, 255, 255] : bg;
            for (const part of [word, reason]) {
              const cs = getComputedStyle(part);
              out.push({what: `tile ${level} ${part.className}`, fg: rgb(cs.color), bg: bgc,
                        size: parseFloat(cs.fontSize), bold: Number(cs.fontWeight) >= 700});
            }
          }
          host.remove();
          return out;
        }"""
    )
    low = []
    for s in samples:
        large = s["size"] >= 24 or (s["bold"] and s["size"] >= 18.66)
        need = 3.0 if large else 4.5
        ratio = contrast(tuple(s["fg"]), tuple(s["bg"]))
        if ratio < need:
            low.append(f"{s['what']}: {ratio:.2f} < {need}")
    assert len(samples) > 20
    assert low == [], low


async def test_an_interruption_the_controller_declared_reads_in_the_pages_language(
    browser: Browser, rig: ConsoleRig
) -> None:
    """After a restart the controller declares a fault interruption itself when a recorder was found stopped; its
    note (raw English with device ids in the journal) is shown in the page's words with the device's name."""
    await rig.hearing.execute("open", {"case_no": "(2025)京0105民初5678号"}, actor="test")
    await rig.until(lambda: rig.hearing.state().recorders.get("rec-backup") == "record", 10, "rec-backup recording")
    rig.hearing.hold_recovery()  # as restore() does: nothing is restarted before the judgement
    rig.sim.device("rec-backup").press_stop()  # type: ignore[attr-defined]
    await rig.until(lambda: rig.hearing.state().recorders.get("rec-backup") != "record", 10, "rec-backup stopped")
    await verify_recording(rig.hearing, timeout_s=5)
    interruption = rig.hearing.state().interruption
    assert interruption is not None and interruption.note_key == "recording_affected", interruption
    said = (("zh-CN", "控制系统未运行期间录像受到影响", "已停止"), ("en", "recording affected", "stopped"))
    for lang, words, raw in said:
        page = await login_at(browser, rig, "clerk", "desktop", lang)
        shown = page.get_by_test_id("interruption")
        await expect(shown).to_contain_text(words)
        await expect(shown).to_contain_text(raw)
        text = await shown.inner_text()
        assert "rec-backup" not in text and (lang == "en" or "reports" not in text), text
        assert ("备份录像机" if lang == "zh-CN" else "Backup recorder") in text, text  # the device by its name
        await page.context.close()
