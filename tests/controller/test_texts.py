"""The catalogue of words people read (controller/texts.py): both languages for every key, device problems in
plain words, the language from --lang or the environment, and `courtroom ctl status` in either language."""

from __future__ import annotations

import json
import re
from typing import get_args

import pytest

from controller import texts
from controller.ctl import Target, format_status, reply_text
from controller.hearing.watchdog import VIDEO_ALARMS
from controller.journal.kinds import Kind
from controller.model import ALARM_KINDS, Alarm, VideoInputState
from controller.settings import REASON_LABELS, Reason
from drivers.errors import ERROR_CODES, InvalidArgument
from tests.conftest import REPO

CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")


def test_every_key_has_both_languages_with_the_same_fields() -> None:
    for key, (zh, en) in texts.CATALOGUE.items():
        assert zh.strip() and en.strip(), key
        if not key.startswith("demo."):  # the English tour keeps the MQTT values (state=, ok=) the Chinese words
            assert set(re.findall(r"\{(\w+)\}", zh)) == set(re.findall(r"\{(\w+)\}", en)), key
        assert CJK.search(zh) or zh == en, f"{key}: no Chinese in {zh!r}"  # or a format of both
        assert not CJK.search(en), f"{key}: Chinese in the English {en!r}"


def test_every_journal_kind_has_a_text() -> None:
    missing = [kind for kind in Kind if f"journal.{kind}" not in texts.CATALOGUE]
    assert missing == []


def test_every_error_code_has_its_own_text_in_both_languages() -> None:
    # a code without its own text reaches the clerk as "操作失败（CODE）" / "Failed (CODE)"
    missing = sorted(code for code in ERROR_CODES if f"error.{code}" not in texts.CATALOGUE)
    assert missing == []
    for code in ERROR_CODES:
        zh, en = texts.error_text(code, "zh"), texts.error_text(code, "en")
        assert CJK.search(zh) and code not in zh, (code, zh)
        assert en.strip() and not CJK.search(en) and code not in en, (code, en)


def test_every_alarm_kind_has_its_own_text_in_both_languages() -> None:
    # a kind without its own text reaches the clerk as "{device}告警" / "{device}: alarm"
    missing = sorted(kind for kind in ALARM_KINDS if f"alarm.{kind}" not in texts.CATALOGUE)
    assert missing == []
    for kind in ALARM_KINDS:
        zh, en = texts.CATALOGUE[f"alarm.{kind}"]
        assert CJK.search(zh) and not CJK.search(en) and en.strip(), kind
        assert set(re.findall(r"\{(\w+)\}", zh)) <= {"device", "seat"}, kind  # what ctl and the page fill in


def test_the_alarm_kinds_are_the_only_ones_an_alarm_can_carry() -> None:
    # the list the texts are checked against is the one the raising sites must use: another kind does not validate
    alarm = {"id": "x:cam-1", "severity": "warning", "device": "cam-1", "message": "m", "since_ts": 1}
    assert Alarm.model_validate({**alarm, "kind": "backup_failed"}).kind == "backup_failed"
    with pytest.raises(ValueError, match="kind"):
        Alarm.model_validate({**alarm, "kind": "an_unlisted_kind"})
    # the watchdog names its audio and video kinds from a device's state: each must be on the list
    signals = set(get_args(VideoInputState.model_fields["signal"].annotation)) - {"ok", "unknown"}
    assert set(VIDEO_ALARMS) == signals
    assert {"audio_silent", "audio_clipping", *VIDEO_ALARMS.values()} <= ALARM_KINDS


def test_the_interruption_reasons_words_are_the_catalogues_own() -> None:
    # one home for the words: settings.REASON_LABELS is read from the catalogue's reason.*, not a copy of it
    assert set(REASON_LABELS) == set(get_args(Reason))
    for reason, pair in REASON_LABELS.items():
        assert pair is texts.CATALOGUE[f"reason.{reason}"], reason


@pytest.mark.parametrize(
    ("raw", "key", "zh"),
    [
        (
            "/tmp/x/rs485-cameras: camera 4 sent no answer within 1000 ms for 84 09 00 02 ff",
            "problem.no_answer",
            "证人摄像机无响应",
        ),
        ("tcp://10.20.1.50:9993: cannot connect: Connection refused", "problem.no_link", "证人摄像机连接中断"),
        ("disk nearly full: 12 min left", "problem.disk_low", "证人摄像机磁盘将满（剩余 12 分钟）"),
        ("remote control disabled on the recorder's panel", "problem.remote_disabled", None),
        ("rec-main is not recording: transport is stopped", "problem.transport", "证人摄像机处于“已停止”状态"),
        ("not connected yet", "problem.connecting", None),
        ("something nobody foresaw", "problem.unknown", "证人摄像机有问题"),
    ],
)
def test_a_raw_problem_in_plain_words(raw: str, key: str, zh: str | None) -> None:
    assert texts.classify(raw)[0] == key
    if zh is not None:
        assert texts.explain(raw, "zh-CN", "证人摄像机") == zh
    english = texts.explain(raw, "en", "Witness camera")
    assert "Witness camera" in english or key == "problem.not_configured"
    assert not CJK.search(english)


def test_the_language_from_the_choice_or_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    assert texts.language(None) == "zh-CN"  # a court's default
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    assert texts.language(None) == "en"
    monkeypatch.setenv("LC_ALL", "zh_CN.UTF-8")
    assert texts.language(None) == "zh-CN"
    assert texts.language("en") == "en"
    assert texts.language("zh") == "zh-CN"
    with pytest.raises(InvalidArgument, match="--lang: 'fr' is not zh or en"):
        texts.language("fr")
    assert texts.error_text("OFFLINE", "fr") == "The device is offline"


def test_a_foot_switch_mark_in_the_readers_language() -> None:
    assert texts.mark_text(texts.BUTTON_MARK, "button:foot-switch", "zh-CN") == "脚踏开关标记"
    assert texts.mark_text(texts.BUTTON_MARK, "button:foot-switch", "en") == "Foot-switch mark"
    assert texts.mark_text(texts.BUTTON_MARK, None, "en") == "Foot-switch mark"  # a row without its actor
    assert texts.mark_text(texts.BUTTON_MARK, "console:clerk1", "en") == texts.BUTTON_MARK  # typed by a person
    assert texts.mark_text("证人开始作证", "button:foot-switch", "en") == "证人开始作证"  # as typed
    assert f"export const BUTTON_MARK = {json.dumps(texts.BUTTON_MARK, ensure_ascii=False)};" in texts.javascript()


def test_a_bilingual_name_in_one_language() -> None:
    assert texts.local_name("审判长 Presiding judge", "zh-CN") == "审判长"
    assert texts.local_name("审判长 Presiding judge", "en") == "Presiding judge"
    assert texts.local_name("第四审判庭 Courtroom 104, building B2", "en") == "Courtroom 104, building B2"
    assert texts.local_name("cam-judge", "zh-CN") == "cam-judge"


def test_the_platform_actor_is_the_central_platform_in_both_languages() -> None:
    # journal rows and alarm acknowledgements by ``mqtt`` / ``mqtt:<user>`` are named by the page's actorName()
    # (static/core.js) with the catalogue's actor.mqtt: no Python renders them, so the words are checked here and
    # the page's mapping of the ``mqtt`` head to that key in its source
    assert texts.text("actor.mqtt", "zh-CN") == "中控平台"
    assert texts.text("actor.mqtt", "en").lower() == "central platform"
    js = texts.javascript()
    assert '"actor.mqtt": "中控平台"' in js and '"actor.mqtt": "Central platform"' in js
    core = (REPO / "controller" / "console" / "static" / "core.js").read_text(encoding="utf-8")
    assert re.search(r'if \(head === "mqtt"\) return [^;]*t\("actor\.mqtt"\)', core)


def test_the_page_gets_the_same_catalogue_and_patterns() -> None:
    js = texts.javascript()
    assert '"problem.no_answer": "{device}无响应"' in js
    assert "(?<minutes>" in js and "(?P<" not in js  # JavaScript's named groups


RETAINED = {
    "$ctl/state": {"state": "online", "session": 3},
    "$ctl/info": {"room_name": "第四审判庭 Courtroom 104"},
    "$ctl/devices": {
        "devices": [
            {"id": "cam-witness", "kind": "camera", "name": "证人 Witness", "model": "VISCA PTZ", "firmware": "1.0"},
            {"id": "rec-main", "kind": "recorder", "name": "庭审录像主机 Recording host", "model": "HyperDeck"},
        ]
    },
    "cam-witness/availability": {"state": "offline", "reason": "camera 4 sent no answer within 1000 ms"},
    "rec-main/availability": {"state": "online"},
    "rec-main/state": {"transport": "stopped"},
    "hearing/state": {
        "state": "in_session",
        "case_no": "(2025)京0105民初1号",
        "recording": "not_recording",
        "marks": 2,
        "alarms": [{"id": "not_recording:rec-main", "kind": "not_recording", "device": "rec-main"}],
    },
}


def test_ctl_status_speaks_the_chosen_language() -> None:
    target = Target("127.0.0.1", 1883, "b2-cr104")
    zh = format_status(target, RETAINED, "zh-CN")
    assert "房间 b2-cr104（第四审判庭）：中控在线" in zh
    assert "庭审：庭审中" in zh and "录像：未在录像" in zh and "告警：庭审录像主机未在录像" in zh
    assert "证人 · 摄像机 · 离线 证人无响应 | camera 4 sent no answer" in zh  # plain words, then the raw line
    en = format_status(target, RETAINED, "en")
    assert "room b2-cr104 (Courtroom 104): controller online" in en
    assert "hearing: In session" in en and "ALARMS: Recording host is not recording" in en
    assert "Witness · Camera · offline Witness does not answer" in en
    body = "\n".join(line.split("|")[0] for line in en.splitlines())
    assert not CJK.search(body.replace("(2025)京0105民初1号", ""))


def test_an_error_reply_in_plain_words() -> None:
    reply = {"status": "error", "error": {"code": "OFFLINE", "message": "cam-witness is offline: no answer"}}
    assert reply_text(reply, "zh-CN") == "设备离线 (OFFLINE): cam-witness is offline: no answer"
    assert reply_text(reply, "en").startswith("The device is offline (OFFLINE)")
