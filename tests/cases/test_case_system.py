"""Today's hearings from the simulated case system (its own process): mapped, refreshed, opened with one
command and journaled as from the case system; down, slow or malformed -> hand entry, journaled as manual."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from controller.cases.client import CaseSystemError, parse_schedule
from controller.cases.config import CaseSystemConfig, FieldMap
from controller.cases.service import CaseService
from controller.journal import JournalFile, Kind
from drivers.errors import InvalidArgument
from sim.case_system import day_schedule
from tests.cases.conftest import CaseSystemProcess
from tests.recording.conftest import RecordingCourt


def service(court: RecordingCourt, cs: CaseSystemProcess, **changes: object) -> CaseService:
    config = CaseSystemConfig.model_validate({"url": cs.url, "token_file": str(cs.token_file), **changes})
    return CaseService(config, court.room.room_id, court.room.config.room.zone, court.hearing)


def opened_rows(court: RecordingCourt) -> list[dict[str, object]]:
    file = JournalFile(court.room.config.state_dir / "journal.sqlite", court.room.room_id)
    try:
        return [e.data for e in file.entries() if e.kind == Kind.HEARING_OPENED]
    finally:
        file.close()


async def test_schedule_is_read_mapped_and_a_case_opens_with_one_command(
    court: RecordingCourt, case_system: CaseSystemProcess
) -> None:
    cases = service(court, case_system)
    state = await cases.refresh()
    assert state.status == "ok" and state.problem is None and state.fetched_ts is not None
    assert [c.publicity for c in state.cases] == ["public", "not_public", "not_public"]
    assert [c.publicity_reason for c in state.cases] == [None, "privacy", "minor"]
    first = state.cases[0]
    assert first.case_no.endswith("京0105民初1234号") and first.cause == "买卖合同纠纷"
    assert first.parties == ["原告 北京某科技有限公司", "被告 张某"]
    assert first.judges == ["审判长 李明", "审判员 王芳"] and first.clerk == "赵书记员"

    result = await cases.execute("open", {"case": first.id}, "clerk")
    assert court.hearing.phase == "in_session" and court.hearing.case_no == first.case_no
    assert result["hearing_id"] == court.hearing.hearing_id
    await court.journal.flush()
    row = opened_rows(court)[-1]
    assert row["source"] == {"kind": "case_system", "id": first.id, "fetched_ts": state.fetched_ts,
                             "publicity_note": ""}
    assert row["case"] == {"cause": "买卖合同纠纷", "judges": first.judges, "clerk": "赵书记员",
                           "publicity": "public", "publicity_reason": None}
    assert court.hearing.ledger.case["publicity"] == "public"
    await court.hearing.execute("close", {}, "clerk")


async def test_a_wrong_token_is_refused(court: RecordingCourt, case_system: CaseSystemProcess, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong"
    wrong.write_text("not-the-token")
    state = await service(court, case_system, token_file=str(wrong)).refresh()
    assert state.status == "refused" and state.cases == []
    assert state.problem is not None and "HTTP 401" in state.problem


async def test_case_system_down_slow_or_malformed_then_hand_entry_is_journaled_as_manual(
    court: RecordingCourt, case_system: CaseSystemProcess
) -> None:
    cases = service(court, case_system, timeout_s=1.0)
    assert (await cases.refresh()).status == "ok"
    await case_system.fault("down")
    state = await cases.refresh()
    assert state.status == "refused" and "HTTP 503" in (state.problem or "")
    assert len(state.cases) == 3  # the day's schedule read before stays on offer
    await case_system.fault("malformed")
    state = await cases.refresh()
    assert state.status == "malformed" and "not JSON" in (state.problem or "")
    await case_system.fault("slow", delay_s=3)
    state = await cases.refresh()
    assert state.status == "unreachable" and "no answer within 1 s" in (state.problem or "")
    await case_system.kill()
    state = await cases.refresh()
    assert state.status == "unreachable" and "cannot connect" in (state.problem or "")

    with pytest.raises(InvalidArgument, match="not on today's schedule"):
        await cases.execute("open", {"case": "no-such-case"}, "clerk")
    await court.hearing.execute("open", {"case_no": "(2026)京0105民初9999号", "title": "手工录入"}, "clerk")
    await court.journal.flush()
    row = opened_rows(court)[-1]
    assert row["source"] == {"kind": "manual", "case_system": "unreachable", "problem": state.problem}
    assert row["case"]["publicity"] is None  # type: ignore[index]
    await court.hearing.execute("close", {}, "clerk")


def test_a_field_mapping_names_what_is_wrong() -> None:
    answer = {"code": 0, "data": {"ajlb": day_schedule("r1", date(2026, 12, 4))}}
    del answer["data"]["ajlb"][1]["ah"]
    with pytest.raises(CaseSystemError, match=r"data\.ajlb\[1\]\.ah: missing"):
        parse_schedule(answer, FieldMap())
    with pytest.raises(CaseSystemError, match="expected the list of hearings, got nothing"):
        parse_schedule({"data": {}}, FieldMap())
    other = {"rows": [{"no": "A-1", "key": "k1", "open": "否", "why": "商业秘密", "who": "张三,李四"}]}
    mapped = parse_schedule(
        other,
        FieldMap(cases="rows", id="key", case_no="no", publicity="open", publicity_reason="why", parties="who",
                 public_values=["是"]),
    )
    assert mapped[0].publicity == "not_public" and mapped[0].publicity_reason == "other"
    assert mapped[0].publicity_note == "商业秘密" and mapped[0].parties == ["张三", "李四"]
