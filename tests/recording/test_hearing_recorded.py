"""A scripted hearing recorded by the software recorder: segments per camera, a composite, seat tracks, a signed
manifest, a verified backup, the case-file export and `courtroom recording verify` naming a flipped byte."""

from __future__ import annotations

import itertools
import json
import stat
from datetime import datetime
from zoneinfo import ZoneInfo

import av
import numpy as np

from controller.cli import main
from controller.hearing.record import build_record
from controller.hearing.record_render import render_markdown
from controller.journal import JournalFile
from controller.recording.manifest import canonical, load_manifest, manifest_path
from controller.signing import RoomKey, verify_signature
from drivers.recording.overlay import overlay_box
from tests.recording.conftest import RecordingCourt


async def test_a_hearing_leaves_sealed_segments_a_signed_manifest_and_a_verified_backup(
    court: RecordingCourt, capsys: object
) -> None:
    rec = court.recorder
    opened = await court.hearing.execute("open", {"case_no": "(2026)京0105民初1234号", "title": "合同纠纷"}, "clerk")
    await court.until(lambda: rec.state.transport == "record", 5, "recording")
    await court.hearing.execute("voice_follow", {"seat": "witness"}, "clerk")  # the composite follows the shot
    await court.until(lambda: rec.focus.main == "video-witness", 5, "the composite's main picture")
    await court.hearing.execute("mark", {"text": "证人陈述"}, "clerk")
    await court.until(lambda: rec.snapshot()["streams"]["composite"]["frames"] >= 60, 10, "frames")
    await court.hearing.execute("interrupt", {"reason": "recess"}, "clerk")
    await court.until(lambda: rec.state.transport == "stopped", 5, "stopped")
    await court.hearing.execute("resume", {}, "clerk")
    await court.until(lambda: rec.state.transport == "record", 5, "recording again")
    await court.until(lambda: rec.snapshot()["streams"]["composite"]["frames"] >= 30, 10, "frames")
    await court.hearing.execute("close", {}, "clerk")
    await court.until(lambda: rec.state.transport == "stopped", 5, "stopped")
    await court.recording.settle()
    await court.journal.flush()
    hearing_id = opened["hearing_id"]

    manifest = load_manifest(manifest_path(rec.store, hearing_id))
    key = RoomKey.load(court.room.config.signing_key_path)
    assert verify_signature(key.public, canonical(manifest), manifest["signature"])
    segments = manifest["segments"]
    streams = {s["stream"] for s in segments}
    assert streams == {"video-judge", "video-witness", "composite", "seats"}
    clips = {s["clip"] for s in segments}
    assert len(clips) == 2 and all(c.endswith(("_p1", "_p2")) for c in clips)  # the hearing's parts, as HyperDeck
    for s in segments:
        path = rec.store / s["file"]
        assert not path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH), f"{path} is writable"
        assert s["backup"] == {"verified": True, "ts": s["backup"]["ts"]}
        assert (rec.backup / s["file"]).read_bytes() == path.read_bytes()  # type: ignore[operator]
    seats = next(s for s in segments if s["stream"] == "seats")
    with av.open(str(rec.store / seats["file"])) as container:
        titles = [stream.metadata.get("title") for stream in container.streams.audio]
    assert titles == ["judge", "witness", "mix"]

    # one video segment read back: the overlay's clock region changes from one second to the next
    first = next(s for s in segments if s["stream"] == "video-judge" and s["index"] == 1)
    with av.open(str(rec.store / first["file"])) as container:
        pictures = [f.to_ndarray(format="bgr24") for f in container.decode(video=0)]
    assert len(pictures) >= 45 and pictures[0].shape == (180, 320, 3)
    x, y, height, _ = overlay_box(180)
    clock = [p[y : y + height, x : x + 100].astype(int) for p in pictures[:: max(1, len(pictures) // 8)]]
    assert all(c.mean() < 90 and c.max() > 200 for c in clock), "a dark box with white text"
    # a digit's strokes, not coding noise: the most pixels any later picture's clock differs from the first's by
    # more than 100 (some digit pairs, 8 -> 9 or 1 -> 7, share most strokes at this size: 7 pixels were seen;
    # pictures of the same second differ by none)
    changed = max(int((np.abs(clock[0] - c).max(axis=2) > 100).sum()) for c in clock[1:])
    boxes = [p[y : y + height, x : x + 100].astype(int) for p in pictures[:12]]  # 25 fps: mostly one second
    same = min(int((np.abs(a - b).max(axis=2) > 100).sum()) for a, b in itertools.pairwise(boxes))
    assert same == 0 and changed >= 4, f"the seconds in the overlay changed ({changed} pixels differ, {same} noise)"

    # the case-file export lists the files with their hashes, from the journal
    journal = JournalFile(court.room.config.state_dir / "journal.sqlite", court.room.room_id)
    try:
        record = build_record(journal, hearing_id)
    finally:
        journal.close()
    files = record["recording_files"]
    assert {f["sha256"] for f in files} == {s["sha256"] for s in segments}
    text = render_markdown(record)
    assert all(f"| {s['sha256']} |" in text for s in segments)

    # courtroom recording verify: both stores match; then one flipped byte in the backup is named
    assert main(["recording", "verify", hearing_id, "--config", str(court.config_path)]) == 0
    victim = rec.backup / segments[-1]["file"]  # type: ignore[operator]
    victim.chmod(0o644)
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0x01
    victim.write_bytes(bytes(data))
    case_no = "(2026)京0105民初1234号"
    assert main(["recording", "verify", case_no, "--config", str(court.config_path), "--lang", "en"]) == 1
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    assert f"backup {segments[-1]['file']}: SHA-256" in out
    assert main(["recording", "verify", case_no, "--config", str(court.config_path), "--lang", "zh"]) == 1
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    assert f"备份存储 {segments[-1]['file']}：SHA-256" in out and "与清单不符" in out
    assert main(["recording", "list", hearing_id, "--config", str(court.config_path), "--lang", "zh"]) == 0
    listed = capsys.readouterr().out  # type: ignore[attr-defined]
    assert segments[0]["file"] in listed
    # times in the room's zone whatever the machine's TZ (the record's rule), the zone named
    start = datetime.fromtimestamp(segments[0]["start_ts"] / 1000, ZoneInfo("Asia/Shanghai"))  # type: ignore[operator]
    assert "时间：Asia/Shanghai（UTC+08:00）" in listed and "备份已校验" in listed
    assert start.strftime("%Y-%m-%d %H:%M:%S") in listed
    assert json.loads(manifest_path(rec.backup, hearing_id).read_text())["hearing_id"] == hearing_id  # type: ignore[arg-type]
