"""The alarm you hear, in chromium: NOT RECORDING rings on the clerk's and the judge's pages (a running
AudioContext, an oscillator whose signal reaches the output) until a clerk acknowledges it; the acknowledgement is
journaled with who and when, the band stays until the cause is gone. And the journal tab: a readable table with
filters, actors named as people."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from drivers.errors import CourtroomError
from tests.console.conftest import ConsoleRig, console_room
from tests.console.looks import artefact, login_at, show
from tests.disk import fill, small_disk


async def tone_level(page: Page) -> float:
    """The highest signal level at the page's audio output over about a second (the tone beeps)."""
    level = await page.evaluate(
        """async () => {
          let best = 0;
          for (let i = 0; i < 12; i++) {
            best = Math.max(best, window.courtroomSound.level());
            await new Promise((r) => setTimeout(r, 90));
          }
          return best;
        }"""
    )
    return float(level)


async def test_not_recording_rings_until_a_clerk_acknowledges(browser: Browser, rig: ConsoleRig) -> None:
    clerk = await login_at(browser, rig, "clerk", "panel")
    judge = await login_at(browser, rig, "judge", "desktop")
    for page in (clerk, judge):  # the login click unlocked audio: sound is on, and says so
        await expect(page.locator("body")).to_have_attribute("data-audio", "running")
        await expect(page.get_by_test_id("sound-state")).to_have_text("声音已开启")
        await expect(page.locator("body")).to_have_attribute("data-tone", "off")
        assert await tone_level(page) < 0.001, "silence while all is well"

    await rig.hearing.execute("open", {"case_no": "(2025)京0105民初77号"}, actor="test")
    await expect(clerk.get_by_test_id("rec-rec-main")).to_have_attribute("data-transport", "record", timeout=10_000)
    recorder = rig.sim.device("rec-main")
    recorder.set_remote(False)  # type: ignore[attr-defined]  # the watchdog cannot restart it
    recorder.press_stop()  # type: ignore[attr-defined]

    for page in (clerk, judge):
        await expect(page.get_by_test_id("not-recording-banner")).to_be_visible(timeout=10_000)
        await expect(page.locator("body")).to_have_attribute("data-tone", "on")
        assert await page.evaluate("window.courtroomSound.ringing()") is True
        assert await tone_level(page) > 0.05, "the oscillator's tone reaches the output"
    await expect(judge.get_by_test_id("alarm-ack")).to_have_count(0)  # the judge hears it, a clerk silences it
    await artefact(clerk, "panel-clerk-alarm-ringing")

    await clerk.get_by_test_id("alarm-ack").click()
    for page in (clerk, judge):
        await expect(page.locator("body")).to_have_attribute("data-tone", "off")
        await expect(page.get_by_test_id("not-recording-banner")).to_be_visible()  # the cause is not gone
        await expect(page.get_by_test_id("alarm-acked")).to_contain_text("书记员 张书记员")
    assert await tone_level(judge) < 0.001
    await artefact(clerk, "panel-clerk-alarm-acknowledged")

    await rig.journal.flush()
    acks = [e for e in await rig.journal.entries() if e.kind == "alarm_acknowledged"]
    assert len(acks) == 1
    assert acks[0].actor == "console:clerk1"
    assert acks[0].data["by"]["name"] == "张书记员"
    assert [a["kind"] for a in acks[0].data["alarms"]] == ["not_recording"]
    assert acks[0].hearing_id == rig.hearing.hearing_id

    recorder.set_remote(True)  # type: ignore[attr-defined]
    await expect(clerk.get_by_test_id("not-recording-banner")).to_be_hidden(timeout=15_000)
    # the journal tab shows the acknowledgement in words, with the clerk by name and role
    await show(clerk, "journal")
    row = clerk.get_by_test_id("journal-table").locator("[data-kind=alarm_acknowledged]")
    await expect(row).to_contain_text("告警已确认")
    await expect(row).to_contain_text("书记员 张书记员")
    await expect(row).to_contain_text("庭审录像主机未在录像")

    # a second stop rings again: an acknowledgement holds for the alarm it silenced only
    await rig.until(lambda: rig.hearing.state().recorders.get("rec-main") == "record", 15, "rec-main recording")
    recorder.set_remote(False)  # type: ignore[attr-defined]
    recorder.press_stop()  # type: ignore[attr-defined]
    await expect(judge.locator("body")).to_have_attribute("data-tone", "on", timeout=10_000)
    recorder.set_remote(True)  # type: ignore[attr-defined]
    await expect(judge.locator("body")).to_have_attribute("data-tone", "off", timeout=15_000)


async def test_sound_can_be_switched_and_shows_its_state(browser: Browser, rig: ConsoleRig) -> None:
    page = await login_at(browser, rig, "clerk", "phone", "en")
    sound = page.get_by_test_id("sound-state")
    await expect(sound).to_have_text("Sound on")
    await sound.click()
    await expect(sound).to_have_text("Sound off")
    await expect(sound).to_have_attribute("data-sound", "off")
    await sound.click()
    await expect(sound).to_have_text("Sound on")


async def test_an_ack_without_a_sounding_alarm_is_refused(rig: ConsoleRig) -> None:
    clerk = await rig.session("clerk")
    judge = await rig.session("judge")
    try:
        async with clerk.post("/api/alarm/ack", json={}) as response:
            assert response.status == 409
            assert (await response.json())["error"]["code"] == "INVALID_STATE"
        async with judge.post("/api/alarm/ack", json={}) as response:
            assert response.status == 403
        async with clerk.post("/api/alarm/ack", json={"alarms": "all"}) as response:
            assert response.status == 400
    finally:
        await clerk.close()
        await judge.close()
    await rig.journal.flush()
    assert [e for e in await rig.journal.entries() if e.kind == "alarm_acknowledged"] == []


async def test_the_journal_is_a_table_with_filters(browser: Browser, rig: ConsoleRig) -> None:
    await rig.hearing.execute("open", {"case_no": "(2025)京0105民初88号"}, actor="test")
    await rig.hearing.execute("mark", {"text": "原告陈述"}, actor="test")
    page = await login_at(browser, rig, "clerk", "desktop")
    await page.get_by_test_id("mark-text").fill("被告答辩")
    await page.get_by_test_id("btn-mark").click()
    await show(page, "journal")
    table = page.get_by_test_id("journal-table")
    await expect(table.locator("thead th")).to_have_text(["时间", "类别", "操作人", "说明"])
    await expect(table).not_to_contain_text("{")  # no JSON for the clerk
    marks = table.locator("[data-kind=mark]")
    await expect(marks).to_have_count(2)
    await expect(marks.first).to_contain_text("书记员 张书记员")  # the newest first, by name and role
    await page.get_by_test_id("filter-kind").select_option("mark")
    await expect(table.get_by_test_id("journal-row")).to_have_count(2)
    await page.get_by_test_id("filter-kind").select_option("")
    await page.get_by_test_id("filter-device").select_option("rec-main")
    await expect(table.locator("[data-kind=recorder_reported]").first).to_contain_text("庭审录像主机")
    assert await table.locator("[data-kind=mark]").count() == 0
    await page.get_by_test_id("filter-device").select_option("")
    await page.get_by_test_id("filter-from").fill("00:00")
    await page.get_by_test_id("filter-to").fill("00:00")
    late = await page.evaluate("() => new Date().getHours() * 60 + new Date().getMinutes() > 0")
    if late:  # at 00:00 itself every row is in that minute
        await expect(page.get_by_test_id("journal-table")).to_have_count(0)
    await artefact(page, "desktop-clerk-journal-filtered")


async def test_journal_unavailable_rings_and_its_ack_is_written_once_the_journal_can(
    browser: Browser, tmp_path: Path
) -> None:
    """A full state_dir (a real small tmpfs): the journal cannot write, every page rings; the clerk silences it
    (accepted although the journal is the alarm), and the acknowledgement row is in the journal once there is
    room again."""
    with small_disk(tmp_path / "disk", "16m") as disk:
        thresholds = {"reserve_mb": 0.5, "min_free_mb": 0.25, "low_space_mb": 1}
        async with console_room(disk, journal=thresholds) as rig:
            await rig.hearing.execute("open", {"case_no": "(2025)京0105民初99号"}, actor="test")
            clerk = await login_at(browser, rig, "clerk", "panel")
            judge = await login_at(browser, rig, "judge", "phone")
            filler = await asyncio.to_thread(fill, disk)
            with pytest.raises(CourtroomError):
                await rig.hearing.execute("mark", {"text": "满盘时的标记"}, actor="test")
            for page in (clerk, judge):
                banner = page.get_by_test_id("not-recording-banner")
                await expect(banner).to_contain_text("日志无法写入", timeout=10_000)
                await expect(page.locator("body")).to_have_attribute("data-tone", "on")
            await artefact(judge, "phone-judge-journal-unavailable")
            await clerk.get_by_test_id("alarm-ack").click()
            for page in (clerk, judge):
                await expect(page.locator("body")).to_have_attribute("data-tone", "off")
                await expect(page.get_by_test_id("not-recording-banner")).to_contain_text("日志无法写入")
            await asyncio.to_thread(filler.unlink)
            await rig.until(lambda: rig.journal.available, 20, "the journal writing again")
            await rig.journal.flush()
            acks = [e for e in await rig.journal.entries() if e.kind == "alarm_acknowledged"]
            assert [(e.actor, [a["kind"] for a in e.data["alarms"]]) for e in acks] == [
                ("console:clerk1", ["journal_unavailable"])
            ]
            await expect(clerk.get_by_test_id("not-recording-banner")).to_be_hidden(timeout=15_000)
            await clerk.context.close()
            await judge.context.close()
