"""The live stream against a real nginx-rtmp on loopback, read back with PyAV: a private case refused; a public
case streamed, cut (the slate found in the frames read back; bench/streaming.py measures the one-second goal),
back on the air only by a new start, stopped at recess and not resumed with the hearing; every step journaled
with who and why."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from controller import texts
from controller.hearing.record import build_record
from controller.hearing.record_render import render_markdown
from controller.journal import Actor, JournalFile, Kind
from controller.streaming.demo import refusal_text
from controller.streaming.local_server import LocalRtmpServer
from controller.streaming.service import StreamPolicy, StreamService
from tests.recording.conftest import RecordingCourt
from tests.streaming.rtmp import Reader

CLERK = Actor("console:zhao", name="赵书记员", role="clerk")
TECH = Actor("console:li", name="李工", role="technician")
PUBLIC = {"case_no": "(2026)京0105民初1234号", "title": "买卖合同纠纷", "publicity": "public"}
PRIVATE = {"case_no": "(2026)京0105民初2345号", "title": "离婚纠纷", "publicity": "not_public",
           "publicity_reason": "privacy"}


def stream_rows(court: RecordingCourt) -> list[tuple[str, str, dict[str, object]]]:
    file = JournalFile(court.room.config.state_dir / "journal.sqlite", court.room.room_id)
    try:
        return [(str(e.kind), e.actor, e.data) for e in file.entries() if str(e.kind).startswith("stream_")]
    finally:
        file.close()


async def wait_for(predicate: object, timeout: float, what: str) -> float:
    start = time.monotonic()
    while not predicate():  # type: ignore[operator]
        if time.monotonic() - start > timeout:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.02)
    return time.monotonic() - start


async def test_a_private_case_a_wrong_role_and_a_closed_hearing_are_refused(
    court: RecordingCourt, stream: StreamService
) -> None:
    with pytest.raises(StreamPolicy, match="not in session"):
        await stream.execute("start", {}, CLERK)
    await court.hearing.execute("open", PRIVATE, CLERK)
    with pytest.raises(StreamPolicy, match="case not public: privacy") as refusal:
        await stream.execute("start", {}, CLERK)
    assert stream.state().state == "refused" and stream.state().reason == "case not public: privacy"
    assert (stream.state().reason_key, stream.state().reason_fields) == (
        "stream.refused.not_public",
        {"why": "stream.publicity.privacy"},
    )
    # what `courtroom demo` prints for it: the retained state's reason, in the reader's language
    error = {"code": refusal.value.code, "message": str(refusal.value)}
    retained = json.loads(stream.state().model_dump_json())
    assert refusal_text(error, retained, "zh-CN") == "案件不公开：个人隐私"  # no English left in the Chinese line
    assert refusal_text(error, retained, "en") == "case not public: privacy"
    # a state that names no catalogue entry (an older daemon): the reply's own message
    older = {**retained, "reason_key": None}
    plain = texts.error_text("STREAM_POLICY", "zh-CN")
    assert refusal_text(error, older, "zh-CN") == f"{plain} (live stream refused: case not public: privacy)"
    assert court.recorder.stream is None  # nothing of it applied
    await court.hearing.execute("close", {}, CLERK)
    await court.hearing.execute("open", {**PUBLIC, "case_no": "(2026)京0105民初1111号"}, CLERK)
    with pytest.raises(StreamPolicy, match="only judge or clerk may start"):
        await stream.execute("start", {}, TECH)
    await court.hearing.execute("close", {}, CLERK)
    await court.hearing.execute("open", {"case_no": "(2026)京0105民初2222号"}, CLERK)  # typed, publicity unknown
    with pytest.raises(StreamPolicy, match="publicity is not known"):
        await stream.execute("start", {}, CLERK)
    await court.hearing.execute("close", {}, CLERK)
    await court.journal.flush()
    refused = [(actor, data["reason"]) for kind, actor, data in stream_rows(court) if kind == Kind.STREAM_REFUSED]
    assert [r for _, r in refused][1:] == [
        "case not public: privacy",
        "only judge or clerk may start the live stream (sender's role: technician)",
        "the case's publicity is not known (open it from the case system or give publicity)",
    ]
    assert refused[1][0] == "console:zhao"
    # the same reasons in the reader's language, from the keys the rows carry beside the raw English
    said = {
        lang: [texts.stream_reason(d["reason_key"], d.get("reason_fields", {}), lang) for _, _, d in rows]
        for lang in texts.LANGS
        for rows in [[r for r in stream_rows(court) if r[0] == Kind.STREAM_REFUSED]]
    }
    assert said["zh-CN"] == [
        "庭审未在进行中（未开庭）",
        "案件不公开：个人隐私",
        "只有法官或书记员可以开始直播（发送者的角色：运维）",
        "案件是否公开未知（请从案件系统开庭或填写公开情况）",
    ]
    assert said["en"] == [
        "the hearing is not in session (Idle)",
        "case not public: privacy",
        "only Judge or Clerk may start the live stream (sender's role: Technician)",
        "the case's publicity is not known (open it from the case system or give publicity)",
    ]
    file = JournalFile(court.room.config.state_dir / "journal.sqlite", court.room.room_id)
    try:
        hearing_id = file.hearings(PRIVATE["case_no"])[0][0]
        zh, en = (build_record(file, hearing_id, lang) for lang in ("zh", "en"))
    finally:
        file.close()
    assert [(x["label"], x["reason"]) for x in zh["live_stream"]] == [("拒绝直播", "案件不公开：个人隐私")]
    assert [(x["label"], x["reason"]) for x in en["live_stream"]] == [("refused", "case not public: privacy")]


async def test_every_reason_the_rules_name_refuses_even_on_a_case_marked_public(
    court: RecordingCourt, stream: StreamService
) -> None:
    """State secrets, privacy, minors and the court's other reasons: each refused, not public or public with
    the reason set (a case system that says public and minor is not trusted with the public half)."""
    cases = [
        ("not_public", "state_secret", "国家秘密"),
        ("not_public", "minor", "未成年人"),
        ("not_public", "other", "其他"),
        ("not_public", None, "不公开"),
        ("public", "minor", "未成年人"),
        ("public", "state_secret", "国家秘密"),
    ]
    for n, (publicity, why, words) in enumerate(cases):
        case = {"case_no": f"(2026)京0105刑初{300 + n}号", "title": "案件", "publicity": publicity}
        if why is not None:
            case["publicity_reason"] = why
        await court.hearing.execute("open", case, CLERK)
        with pytest.raises(StreamPolicy, match="case not public") as refusal:
            await stream.execute("start", {}, CLERK)
        assert stream.state().state == "refused", case
        said = refusal_text({"code": refusal.value.code, "message": str(refusal.value)},
                            json.loads(stream.state().model_dump_json()), "zh-CN")
        assert said.startswith("案件不公开") and words in said, (case, said)
        assert court.recorder.stream is None, case  # nothing of it applied
        await court.hearing.execute("close", {}, CLERK)
    await court.journal.flush()
    refused = [d["reason"] for kind, _, d in stream_rows(court) if kind == Kind.STREAM_REFUSED]
    assert len(refused) == len(cases) and all(r.startswith("case not public") for r in refused)
    assert not [kind for kind, _, _ in stream_rows(court) if kind == Kind.STREAM_STARTED]


async def test_a_public_case_is_streamed_cut_to_the_slate_and_stopped_at_recess(
    court: RecordingCourt, stream: StreamService, nginx: LocalRtmpServer
) -> None:
    rec = court.recorder
    await court.hearing.execute("open", PUBLIC, CLERK)
    await court.until(lambda: rec.state.transport == "record", 10, "recording")
    reader = Reader(nginx.url())
    reader.start()
    try:
        state = await stream.execute("start", {}, CLERK)
        assert state["state"] == "live" and state["by"] == "console:zhao" and state["case_no"] == PUBLIC["case_no"]
        assert state["target"] == nginx.url().rsplit("/", 1)[0]  # the stream key is not published
        await wait_for(lambda: sum(not f.slate for f in reader.frames) >= 10, 20, "live pictures read back")
        assert not any(f.slate for f in reader.frames)

        cut_at = time.monotonic()
        state = await stream.execute("cut", {"reason": "证人情绪激动"}, CLERK)
        assert state["state"] == "cut" and state["reason"] == "证人情绪激动"
        await wait_for(lambda: any(f.slate and f.at >= cut_at for f in reader.frames), 10, "the slate read back")
        seen = next(f.at for f in reader.frames if f.slate and f.at >= cut_at) - cut_at
        print(f"\ncut -> slate read back from nginx: {seen * 1000:.0f} ms")  # the report's figure
        assert seen < 3.0  # the goal is 1 s; a loaded two-core machine gets slack, the figure above says how much
        await asyncio.sleep(0.5)
        after = [f for f in reader.frames if f.at >= cut_at + seen + 0.2]
        assert after and all(f.slate for f in after)  # the slate stays until a new start

        back_at = time.monotonic()
        assert (await stream.execute("start", {}, CLERK))["state"] == "live"
        await wait_for(lambda: any(not f.slate and f.at >= back_at for f in reader.frames), 10, "back on the air")

        await court.hearing.execute("interrupt", {"reason": "recess"}, CLERK)
        await wait_for(lambda: stream.state().state == "off", 10, "the stream stopped at recess")
        assert stream.state().reason == "recess (休庭)" and stream.state().by == "hearing"
        assert rec.stream is None
        await court.hearing.execute("resume", {}, CLERK)
        await court.until(lambda: rec.state.transport == "record", 10, "recording again")
        await asyncio.sleep(0.5)
        assert stream.state().state == "off" and rec.stream is None  # back only by a new start
        await court.hearing.execute("close", {}, CLERK)
    finally:
        reader.stop()
    await court.journal.flush()
    rows = [(kind, actor, data.get("reason")) for kind, actor, data in stream_rows(court)]
    assert rows == [
        (Kind.STREAM_STARTED, "console:zhao", "start"),
        (Kind.STREAM_CUT, "console:zhao", "证人情绪激动"),
        (Kind.STREAM_STARTED, "console:zhao", "back on the air"),
        (Kind.STREAM_STOPPED, "hearing", "recess (休庭)"),
    ]
    assert reader.audio_frames > 0  # the mix went along

    file = JournalFile(court.room.config.state_dir / "journal.sqlite", court.room.room_id)
    try:
        hearing_id = file.hearings(PUBLIC["case_no"])[0][0]
        record = build_record(file, hearing_id)
        english = build_record(file, hearing_id, "en")
    finally:
        file.close()
    assert [(x["label"], x["reason"], x["by"]) for x in record["live_stream"]] == [
        ("开始直播", "首次开始", "赵书记员（书记员）"),
        ("暂停直播", "证人情绪激动", "赵书记员（书记员）"),  # the clerk's own words, as typed
        ("开始直播", "恢复直播", "赵书记员（书记员）"),
        ("停止直播", "休庭", "控制系统"),  # the hearing's transition, not a person
    ]
    assert [x["reason"] for x in english["live_stream"]] == ["start", "证人情绪激动", "back on the air", "recess"]
    assert record["publicity"] == "公开审理" and record["case_source"] == "书记员手工录入"
    markdown = render_markdown(record)
    assert "## 庭审直播" in markdown and "证人情绪激动" in markdown


async def test_a_server_that_goes_away_ends_the_stream_and_not_the_recording(
    court: RecordingCourt, stream: StreamService, nginx: LocalRtmpServer
) -> None:
    rec = court.recorder
    await court.hearing.execute("open", PUBLIC, CLERK)
    await court.until(lambda: rec.state.transport == "record", 10, "recording")
    await stream.execute("start", {}, CLERK)
    await wait_for(lambda: stream.sink is not None and stream.sink.counters.sent_frames >= 10, 20, "frames sent")
    await nginx.stop()
    await wait_for(lambda: stream.state().state == "off", 20, "the stream ended")
    state = stream.state()
    assert state.by == "system" and (state.reason or "").startswith("stream: "), state
    frames = rec.snapshot()["streams"]["composite"]["frames"]
    await court.until(lambda: rec.snapshot()["streams"]["composite"]["frames"] > frames + 10, 10, "still recording")
    assert rec.state.transport == "record" and rec.stream is None
    with pytest.raises(StreamPolicy, match="nothing to cut"):
        await stream.execute("cut", {"reason": "已断开"}, CLERK)
    await court.hearing.execute("close", {}, CLERK)
    await court.journal.flush()
    stopped = [(actor, data["reason"]) for kind, actor, data in stream_rows(court) if kind == Kind.STREAM_STOPPED]
    assert stopped == [("system", state.reason)]


async def test_non_public_evidence_mediation_and_the_close_each_stop_the_stream(
    court: RecordingCourt, stream: StreamService
) -> None:
    rec = court.recorder
    await court.hearing.execute("open", PUBLIC, CLERK)
    for reason, label in (("non_public_evidence", "不公开举证质证"), ("mediation", "不宜录制的调解"), (None, "闭庭")):
        await court.until(lambda: rec.state.transport == "record", 10, "recording")
        assert (await stream.execute("start", {}, Actor("mqtt:judge-li", role="judge")))["state"] == "live"
        if reason is None:
            await court.hearing.execute("close", {}, CLERK)
        else:
            await court.hearing.execute("interrupt", {"reason": reason}, CLERK)
        await wait_for(lambda: stream.state().state == "off", 10, f"the stream stopped ({label})")
        assert label in (stream.state().reason or "") and rec.stream is None
        if reason is not None:
            with pytest.raises(StreamPolicy, match="not in session"):
                await stream.execute("start", {}, CLERK)
            await court.hearing.execute("resume", {}, CLERK)
            assert stream.state().state == "refused"  # the refused start above; nothing resumed by itself
    await court.journal.flush()
    stopped = [data["reason"] for kind, _, data in stream_rows(court) if kind == Kind.STREAM_STOPPED]
    assert stopped == ["non_public_evidence (不公开举证质证)", "mediation (不宜录制的调解)", "close (闭庭)"]
