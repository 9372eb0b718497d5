"""`make screenshots`: the console at its three sizes, a hearing in session with NOT RECORDING raised, as small
PNGs for docs/console.md (desktop 1440x900, touch panel 1280x800, phone 390x844; halved and reduced to 64
colours, each well under 100 KB). Runs the simulated room of the console tests and Debian's chromium.

    .venv/bin/python -m tests.console.make_screenshots [OUT_DIR]     (default docs/img)
"""

from __future__ import annotations

import asyncio
import io
import sys
import tempfile
from pathlib import Path

from PIL import Image
from playwright.async_api import async_playwright, expect

from tests.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.console.conftest import console_room
from tests.console.looks import REPO, SIZES, login_at
from tests.console.test_layout import not_recording

MAX_BYTES = 100_000


def shrink(png: bytes, scale: float = 0.5) -> bytes:
    """Halve the picture and reduce it to 64 colours: a small PNG that still reads."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    image = image.resize((int(image.width * scale), int(image.height * scale)), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.quantize(colors=64).save(out, format="PNG", optimize=True)
    return out.getvalue()


async def main(out_dir: Path) -> list[Path]:
    """Write the three PNGs into ``out_dir`` (which exists)."""
    written = []
    with tempfile.TemporaryDirectory(prefix="courtroom-shots-") as tmp:
        async with console_room(Path(tmp)) as rig, async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                await not_recording(rig)
                await rig.hearing.execute("mark", {"text": "原告陈述诉讼请求"}, actor="test")
                for size in SIZES:
                    page = await login_at(browser, rig, "clerk", size)
                    await expect(page.get_by_test_id("not-recording-banner")).to_be_visible()
                    await page.emulate_media(reduced_motion="reduce")  # the band without its blink
                    png = await page.screenshot()
                    scale = 1.0 if size == "phone" else 0.6  # the phone at its own size, readable
                    small = shrink(png, scale)
                    while len(small) > MAX_BYTES:
                        scale *= 0.8
                        small = shrink(png, scale)
                    path = out_dir / f"console-{size}.png"
                    await asyncio.to_thread(path.write_bytes, small)
                    written.append(path)
                    await page.context.close()
            finally:
                await browser.close()
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs" / "img"
    target.mkdir(parents=True, exist_ok=True)
    for shot in asyncio.run(main(target)):
        print(f"{shot} ({shot.stat().st_size // 1024} KB)")
