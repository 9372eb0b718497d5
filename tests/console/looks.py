"""Helpers for the console tests that look at the page: the three screen sizes, artefact screenshots, measuring
what is on screen, the controls' labels and the words a view shows."""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Page, expect

from tests.console.conftest import USERS, ConsoleRig

REPO = Path(__file__).resolve().parents[2]
ARTEFACTS = Path(os.environ.get("COURTROOM_ARTEFACTS", REPO / "tmp" / "artefacts")) / "console"

# name -> (viewport, touch): the clerk's desktop, the bench's touch panel, the technician's phone
SIZES: dict[str, tuple[dict[str, int], bool]] = {
    "desktop": ({"width": 1440, "height": 900}, False),
    "panel": ({"width": 1280, "height": 800}, True),
    "phone": ({"width": 390, "height": 844}, True),
}
MIN_TARGET_PX = 44
VIEWS = ("overview", "cameras", "av", "marks", "journal", "export", "diagnostics")


async def login_at(
    browser: Browser, rig: ConsoleRig, role: str, size: str, lang: str = "zh-CN"
) -> Page:
    viewport, touch = SIZES[size]
    context = await browser.new_context(viewport=viewport, has_touch=touch, locale=lang, accept_downloads=True)
    page = await context.new_page()
    await page.goto(rig.url)
    await page.evaluate("(lang) => localStorage.setItem('courtroom.lang', lang)", lang)
    await page.reload()
    user, password = USERS[role]
    await page.fill("#login-user", user)
    await page.fill("#login-password", password)
    await page.click("#login-submit")
    await expect(page).to_have_url(rig.url)
    await expect(page.locator("body")).to_have_attribute("data-live", "1")
    return page


async def artefact(page: Page, name: str) -> Path:
    """A full-page screenshot kept as a test artefact (not committed)."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTEFACTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


async def tabs(page: Page) -> list[str]:
    found = await page.locator("[data-testid^=tab-]").evaluate_all("els => els.map((e) => e.dataset.tab)")
    return [str(name) for name in found]


async def show(page: Page, view: str) -> None:
    await page.get_by_test_id("tab-" + view).click()
    await expect(page.locator(f"#view-{view}")).to_be_visible()
    if view in ("export", "diagnostics"):  # these load their data first
        await expect(page.locator(f"#view-{view}")).to_have_attribute("data-ready", "1")


async def box_in_view(page: Page, testid: str) -> dict[str, float]:
    """The element's box; fails unless it lies wholly inside the viewport."""
    locator = page.get_by_test_id(testid)
    await expect(locator).to_be_visible()
    box = await locator.bounding_box()
    for _ in range(20):  # a live update may re-render it between the two looks
        if box is not None:
            break
        await asyncio.sleep(0.1)
        box = await locator.bounding_box()
    assert box is not None, f"{testid} has no box"
    vp = page.viewport_size
    assert vp is not None
    inside = box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= vp["width"] + 0.5
    inside = inside and box["y"] + box["height"] <= vp["height"] + 0.5
    assert inside, f"{testid} is not wholly on screen at {vp}: {box}"
    return box


async def horizontal_overflow(page: Page) -> int:
    """How many px the page is wider than the screen (0: no horizontal scroll)."""
    return int(
        await page.evaluate(
            "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - window.innerWidth"
        )
    )


CONTROLS_JS = """() => {
  const visible = (el) => el.checkVisibility && el.checkVisibility() && el.getClientRects().length > 0;
  const name = (el) => {
    const aria = el.getAttribute("aria-label");
    if (aria && aria.trim()) return aria.trim();
    const by = el.getAttribute("aria-labelledby");
    if (by) return by.split(/\\s+/).map((id) => (document.getElementById(id) || {}).textContent || "").join(" ").trim();
    if (el.labels && el.labels.length) return [...el.labels].map((l) => l.textContent).join(" ").trim();
    if (el.tagName === "BUTTON" || el.tagName === "A" || el.tagName === "SUMMARY") return el.textContent.trim();
    return (el.getAttribute("title") || "").trim();
  };
  const sel = "button, a[href], input:not([type=hidden]), select, textarea, summary";
  return [...document.querySelectorAll(sel)].filter(visible).map((el) => {
    const r = el.getBoundingClientRect();
    const target = el.tagName === "INPUT" && ["radio", "checkbox"].includes(el.type) && el.closest("label")
      ? el.closest("label").getBoundingClientRect() : r;  // a radio's target is its whole label
    return {tag: el.tagName, testid: el.dataset.testid || "", text: el.textContent.trim().slice(0, 30),
            name: name(el), width: target.width, height: target.height};
  });
}"""


async def controls(page: Page) -> list[dict[str, Any]]:
    found = await page.evaluate(CONTROLS_JS)
    assert isinstance(found, list)
    return found


TEXT_JS = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || el.closest(".code, script, style, option:not(:checked)")) continue;
    if (el.tagName === "OPTION" ? !el.parentElement.checkVisibility() : !el.checkVisibility()) continue;
    const text = node.textContent.trim();
    if (text) out.push(text);
  }
  for (const el of document.querySelectorAll("[placeholder], [aria-label], [title]")) {
    if (!el.checkVisibility() || el.closest(".code")) continue;
    for (const attr of ["placeholder", "aria-label", "title"]) {
      if (el.getAttribute(attr)) out.push(el.getAttribute(attr));
    }
  }
  return out;
}"""

RAW_KEY = re.compile(r"⟨[^⟩]*⟩|\b[a-z][a-z_]*\.[a-z_]+(\.[a-z_]+)*\b")
WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'_-]*")


def latin_words(text: str) -> list[str]:
    """The words of ``text`` that have a Latin letter (model numbers such as EVI-D70 are one word)."""
    return [w.strip("'-_") for w in WORD.findall(text) if re.search(r"[A-Za-z]", w)]
CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")


async def view_texts(page: Page) -> list[str]:
    found = await page.evaluate(TEXT_JS)
    assert isinstance(found, list)
    return [str(x) for x in found]


def foreign_words(texts: list[str], lang: str, allowed: set[str]) -> list[str]:
    """Words of the other language (and raw catalogue keys) in what a view shows."""
    bad: list[str] = []
    for text in texts:
        for key in RAW_KEY.finditer(text):
            if key.group(0).lower() not in allowed:
                bad.append(f"raw key {key.group(0)!r} in {text!r}")
        if lang == "zh-CN":
            for word in latin_words(text):
                if word.lower() not in allowed:
                    bad.append(f"English {word!r} in {text!r}")
        else:
            rest = text.lower()
            for word in sorted(allowed, key=len, reverse=True):
                rest = rest.replace(word, "")
            if CJK.search(rest):
                bad.append(f"Chinese in {text!r}")
    return bad


def contrast(fg: tuple[float, float, float], bg: tuple[float, float, float]) -> float:
    """WCAG 2 contrast ratio of two sRGB colours (0-255)."""

    def lum(c: tuple[float, float, float]) -> float:
        def channel(v: float) -> float:
            s = v / 255
            return s / 12.92 if s <= 0.03928 else float(((s + 0.055) / 1.055) ** 2.4)

        r, g, b = (channel(v) for v in c)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    hi, lo = sorted((lum(fg), lum(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)
