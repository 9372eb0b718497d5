"""The words of the case-file record, in Chinese (the default) and English, and how times and people read.

Times carry the date and the room's time zone; durations read h:mm:ss. People are named as the journal kept
them: the console user's display name and role, the platform's MQTT account, or the part of the controller
that acted. Device names come from the room config (its Chinese or English half, as the language asks).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from controller.journal import Actor
from controller.journal.kinds import ROLE_LABELS

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")

_CJK = re.compile(r"[\u3400-\u9fff]")


def split_name(name: str) -> tuple[str, str]:
    """A config name such as ``庭审录像主机 Recording host`` as (Chinese, English); one language: both."""
    words = name.split()
    cut = next((i for i, w in enumerate(words) if i and not _CJK.search(w) and _CJK.search(words[i - 1])), None)
    if cut is None:
        return name, name
    return " ".join(words[:cut]), " ".join(words[cut:])


def local(ts: int | None, zone: ZoneInfo) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts / 1000, zone)


def when_text(ts: int | None, zone: ZoneInfo) -> str:
    """``2026-12-03 21:16:02`` in the room's zone (the record states the zone once, at the top)."""
    moment = local(ts, zone)
    return "—" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S")


def when_json(ts: int | None, zone: ZoneInfo) -> dict[str, Any] | None:
    """A time for the JSON record: epoch milliseconds and the local ISO time with milliseconds and offset."""
    moment = local(ts, zone)
    if moment is None or ts is None:
        return None
    return {"ts": ts, "at": moment.isoformat(timespec="milliseconds")}


def duration_text(ms: int | None) -> str:
    """``1:02:03``; an unknown duration is ``—``."""
    if ms is None:
        return "—"
    seconds = max(0, round(ms / 1000))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def zone_text(zone: ZoneInfo, ts: int, lang: Lang) -> str:
    moment = datetime.fromtimestamp(ts / 1000, zone)
    offset = moment.strftime("%z")
    utc = f"UTC{offset[:3]}:{offset[3:]}"
    return f"{zone.key}（{utc}）" if lang == "zh" else f"{zone.key} ({utc})"


SYSTEM_ACTORS: dict[str, tuple[str, str]] = {
    "system": ("控制系统", "the controller"),
    "hearing": ("控制系统", "the controller"),
    "watchdog": ("控制系统（录像监控）", "the controller (recording watchdog)"),
    "voice-follow": ("控制系统（声像联动）", "the controller (voice-follow)"),
}


def person(actor: Actor | None, lang: Lang, names: dict[str, str]) -> str:
    """Who acted, as the record names them."""
    if actor is None:
        return "—"
    zh = lang == "zh"
    if actor.id in SYSTEM_ACTORS:
        return SYSTEM_ACTORS[actor.id][0 if zh else 1]
    if actor.id.startswith("button:"):
        device = device_name(actor.id.split(":", 1)[1], names, lang)
        return f"{device}（按键）" if zh else f"{device} (button)"
    role = ROLE_LABELS.get(actor.role, (actor.role, actor.role))[0 if zh else 1] if actor.role else ""
    behalf = ""
    if actor.on_behalf:
        behalf = (
            (f"，代 {actor.on_behalf}" if actor.verified else f"，自称 {actor.on_behalf}")
            if zh
            else (f", for {actor.on_behalf}" if actor.verified else f", claims to be {actor.on_behalf}")
        )
    if actor.id.startswith("console:"):
        who = actor.name or actor.id.split(":", 1)[1]
        via = "控制台" if zh else "console"
        return f"{who}（{role or via}{behalf}）" if zh else f"{who} ({role or via}{behalf})"
    if actor.id.startswith("mqtt:"):
        account = actor.id.split(":", 1)[1]
        account_text = f"平台账号 {account}" if zh else f"platform account {account}"
        details = [p for p in (role, account_text if actor.name else "") if p]
        inner = ("，" if zh else ", ").join(details) + (behalf if details else behalf.lstrip("，, "))
        head = actor.name or account_text
        if not inner:
            return head
        return f"{head}（{inner}）" if zh else f"{head} ({inner})"
    if actor.id == "mqtt":
        return f"MQTT 客户端（身份未经验证{behalf}）" if zh else f"an MQTT client (identity not verified{behalf})"
    return actor.name or actor.id


def device_name(device: str | None, names: dict[str, str], lang: Lang) -> str:
    if device is None:
        return "控制系统" if lang == "zh" else "the controller"
    name = names.get(device)
    if not name:
        return device
    zh, en = split_name(name)
    return zh if lang == "zh" else en


ACTIONS: dict[str, tuple[str, str]] = {
    "record": ("开始录像", "record"),
    "stop": ("停止", "stop"),
    "pause": ("暂停", "pause"),
    "play": ("播放", "play"),
    "power": ("电源", "power"),
    "input": ("切换信号源", "input"),
    "preset_recall": ("调用预置位", "preset recall"),
    "set": ("设置", "set"),
}


def action_text(action: str | None, lang: Lang) -> str:
    if action is None:
        return "—"
    return ACTIONS.get(action, (action, action))[0 if lang == "zh" else 1]


# label key -> (zh, en)
LABELS: dict[str, tuple[str, str]] = {
    "title": ("庭审录音录像记录", "Hearing recording record"),
    "case_no": ("案号", "Case number"),
    "case_title": ("案由", "Title"),
    "parties": ("当事人", "Parties"),
    "room": ("法庭", "Courtroom"),
    "hearing_id": ("庭审编号", "Hearing id"),
    "timezone": ("时间", "Times"),
    "timezone_note": ("本记录中的时间均为该时区的当地时间", "every time in this record is local time in this zone"),
    "opened": ("开庭", "Opened"),
    "closed": ("闭庭", "Closed"),
    "not_closed": ("尚未闭庭（记录截至导出时）", "not closed (the record runs to the export)"),
    "duration": ("庭审时长", "Hearing duration"),
    "recorded": ("录像时长", "Recorded"),
    "recorded_note": (
        "至少一台录像机报告正在录像的时间之和，不含中断和状态不明的时段",
        "time at least one recorder reported recording; interruptions and unseen stretches excluded",
    ),
    "by": ("操作人", "by"),
    "override": ("庭前检查未通过，经说明理由后开庭", "Opened although the pre-hearing check failed"),
    "segments": ("录像段", "Recording segments"),
    "seg_device": ("录像机", "Recorder"),
    "seg_clip": ("文件", "Clip"),
    "seg_from": ("开始", "From"),
    "seg_to": ("结束", "To"),
    "seg_len": ("时长", "Length"),
    "seg_end": ("结束原因", "Ended"),
    "no_segments": ("无录像机报告录像。", "No recorder reported recording."),
    "files": ("录像文件（SHA-256，已签名清单）", "Recording files (SHA-256, signed manifest)"),
    "file": ("文件", "File"),
    "bytes": ("字节", "Bytes"),
    "interruptions": ("中断", "Interruptions"),
    "reason": ("原因", "Reason"),
    "note": ("说明", "Note"),
    "marks": ("标记", "Marks"),
    "mark_time": ("时间", "Time"),
    "mark_offset": ("录像位置", "Offset"),
    "seat": ("席位", "Seat"),
    "text": ("内容", "Text"),
    "faults": ("设备故障与异常", "Equipment faults and events"),
    "fault_time": ("时间", "Time"),
    "fault_device": ("设备", "Device"),
    "fault_what": ("情况", "What happened"),
    "fault_until": ("恢复", "Until"),
    "fault_effect": ("对录像的影响", "Effect on the recording"),
    "rules": ("录像规则", "The recording rule"),
    "live_stream": ("庭审直播", "Live stream"),
    "case_source": ("案件来源", "Case from"),
    "publicity": ("公开情况", "Publicity"),
    "none": ("无。", "None."),
    "appendix": ("附录：设备原始信息", "Appendix: raw device messages"),
    "appendix_note": (
        "以下为驱动程序记录的原始信息，供技术人员核查。",
        "What the drivers reported, word for word, for the technician.",
    ),
    "verification": ("日志校验", "Journal verification"),
    "statement": ("庭审录音录像设备故障情况说明", "Statement on the recording equipment's failure"),
    "statement_basis": (
        "依据《最高人民法院关于人民法院庭审录音录像的若干规定》第四条，因设备故障或技术原因导致录音录像不真实、"
        "不完整的，由负责录音录像的人员作出书面说明，经审判长或者独任审判员审核签字后附卷。",
        "Under Art. 4 of the Supreme People's Court's 2017 rules on hearing recordings, when equipment failure or "
        "a technical cause leaves a recording untrue or incomplete, the staff responsible for the recording write "
        "a statement, which the presiding judge or sole judge reviews and signs, and it goes into the case file.",
    ),
    "statement_staff": ("负责录音录像的人员（签名）", "Recording staff (signature)"),
    "statement_judge": ("审判长或独任审判员（审核签名）", "Presiding judge or sole judge (reviewed and signed)"),
    "date": ("日期", "Date"),
    "generated": (
        "本记录由庭审控制系统依据其日志生成，仅陈述系统所观察到的情况。",
        ("Written by the courtroom controller from its journal; it states only what the controller observed."),
    ),
}


def label(key: str, lang: Lang) -> str:
    return LABELS[key][0 if lang == "zh" else 1]


ENDED: dict[str, tuple[str, str]] = {
    "stopped": ("录像机报告停止", "the recorder reported it stopped"),
    "new_clip": ("录像机另起新文件", "the recorder started a new clip"),
    "unknown": ("此后录像状态不明", "its state unknown from here on"),
    "hearing_closed": ("闭庭", "the hearing closed"),
}


def ended_text(ended: str | None, lang: Lang) -> str:
    if ended is None:
        return "录像中" if lang == "zh" else "recording"
    return ENDED.get(ended, (ended, ended))[0 if lang == "zh" else 1]
