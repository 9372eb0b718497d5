"""The case-file record's words for the catalogue (controller/texts.py): the export's headings and labels, the
failure statement, how a recording segment ended, device actions and who acted, Chinese and English.

Kept apart from the console's words only to keep each module a few screens long; ``texts.CATALOGUE`` holds
them all under ``record.``, and ``controller/hearing/record_text.py`` reads them with ``texts.text()``.
"""

from __future__ import annotations

RECORD: dict[str, tuple[str, str]] = {
    # headings and labels (record_text.label)
    "record.title": ("庭审录音录像记录", "Hearing recording record"),
    "record.case_no": ("案号", "Case number"),
    "record.case_title": ("案由", "Title"),
    "record.parties": ("当事人", "Parties"),
    "record.room": ("法庭", "Courtroom"),
    "record.hearing_id": ("庭审编号", "Hearing id"),
    "record.timezone": ("时间", "Times"),
    "record.timezone_note": (
        "本记录中的时间均为该时区的当地时间",
        "every time in this record is local time in this zone",
    ),
    "record.opened": ("开庭", "Opened"),
    "record.closed": ("闭庭", "Closed"),
    "record.not_closed": ("尚未闭庭（记录截至导出时）", "not closed (the record runs to the export)"),
    "record.duration": ("庭审时长", "Hearing duration"),
    "record.recorded": ("录像时长", "Recorded"),
    "record.recorded_note": (
        "至少一台录像机报告正在录像的时间之和，不含中断和状态不明的时段",
        "time at least one recorder reported recording; interruptions and unseen stretches excluded",
    ),
    "record.by": ("操作人", "by"),
    "record.override": ("庭前检查未通过，经说明理由后开庭", "Opened although the pre-hearing check failed"),
    "record.segments": ("录像段", "Recording segments"),
    "record.seg_device": ("录像机", "Recorder"),
    "record.seg_clip": ("文件", "Clip"),
    "record.seg_from": ("开始", "From"),
    "record.seg_to": ("结束", "To"),
    "record.seg_len": ("时长", "Length"),
    "record.seg_end": ("结束原因", "Ended"),
    "record.no_segments": ("无录像机报告录像。", "No recorder reported recording."),
    "record.files": ("录像文件（SHA-256，已签名清单）", "Recording files (SHA-256, signed manifest)"),
    "record.file": ("文件", "File"),
    "record.bytes": ("字节", "Bytes"),
    "record.interruptions": ("中断", "Interruptions"),
    "record.reason": ("原因", "Reason"),
    "record.note": ("说明", "Note"),
    "record.marks": ("标记", "Marks"),
    "record.mark_time": ("时间", "Time"),
    "record.mark_offset": ("录像位置", "Offset"),
    "record.seat": ("席位", "Seat"),
    "record.text": ("内容", "Text"),
    "record.faults": ("设备故障与异常", "Equipment faults and events"),
    "record.fault_time": ("时间", "Time"),
    "record.fault_device": ("设备", "Device"),
    "record.fault_what": ("情况", "What happened"),
    "record.fault_until": ("恢复", "Until"),
    "record.fault_effect": ("对录像的影响", "Effect on the recording"),
    "record.rules": ("录像规则", "The recording rule"),
    "record.live_stream": ("庭审直播", "Live stream"),
    "record.case_source": ("案件来源", "Case from"),
    "record.publicity": ("公开情况", "Publicity"),
    "record.none": ("无。", "None."),
    "record.appendix": ("附录：设备原始信息", "Appendix: raw device messages"),
    "record.appendix_note": (
        "以下为驱动程序记录的原始信息，供技术人员核查。",
        "What the drivers reported, word for word, for the technician.",
    ),
    "record.verification": ("日志校验", "Journal verification"),
    "record.statement": ("庭审录音录像设备故障情况说明", "Statement on the recording equipment's failure"),
    "record.statement_basis": (
        "依据《最高人民法院关于人民法院庭审录音录像的若干规定》第四条，因设备故障或技术原因导致录音录像不真实、"
        "不完整的，由负责录音录像的人员作出书面说明，经审判长或者独任审判员审核签字后附卷。",
        "Under Art. 4 of the Supreme People's Court's 2017 rules on hearing recordings, when equipment failure or "
        "a technical cause leaves a recording untrue or incomplete, the staff responsible for the recording write "
        "a statement, which the presiding judge or sole judge reviews and signs, and it goes into the case file.",
    ),
    "record.statement_staff": ("负责录音录像的人员（签名）", "Recording staff (signature)"),
    "record.statement_judge": ("审判长或独任审判员（审核签名）", "Presiding judge or sole judge (reviewed and signed)"),
    "record.date": ("日期", "Date"),
    "record.generated": (
        "本记录由庭审控制系统依据其日志生成，仅陈述系统所观察到的情况。",
        ("Written by the courtroom controller from its journal; it states only what the controller observed."),
    ),
    # how a recording segment ended (record_text.ended_text)
    "record.ended.stopped": ("录像机报告停止", "the recorder reported it stopped"),
    "record.ended.new_clip": ("录像机另起新文件", "the recorder started a new clip"),
    "record.ended.unknown": ("此后录像状态不明", "its state unknown from here on"),
    "record.ended.hearing_closed": ("闭庭", "the hearing closed"),
    "record.still_recording": ("录像中", "recording"),
    # device actions (record_text.action_text)
    "record.action.record": ("开始录像", "record"),
    "record.action.stop": ("停止", "stop"),
    "record.action.pause": ("暂停", "pause"),
    "record.action.play": ("播放", "play"),
    "record.action.power": ("电源", "power"),
    "record.action.input": ("切换信号源", "input"),
    "record.action.preset_recall": ("调用预置位", "preset recall"),
    "record.action.set": ("设置", "set"),
    # who acted (record_text.person): the controller's parts by their actor id, then people and platforms
    "record.system.system": ("控制系统", "the controller"),
    "record.system.hearing": ("控制系统", "the controller"),
    "record.system.watchdog": ("控制系统（录像监控）", "the controller (recording watchdog)"),
    "record.system.voice-follow": ("控制系统（声像联动）", "the controller (voice-follow)"),
    "record.actor.button": ("{device}（按键）", "{device} (button)"),
    "record.actor.for": ("，代 {who}", ", for {who}"),
    "record.actor.claims": ("，自称 {who}", ", claims to be {who}"),
    "record.actor.console": ("控制台", "console"),
    "record.actor.account": ("平台账号 {account}", "platform account {account}"),
    "record.actor.details": ("{who}（{details}）", "{who} ({details})"),
    "record.actor.mqtt": ("MQTT 客户端（身份未经验证{behalf}）", "an MQTT client (identity not verified{behalf})"),
    "record.list": ("，", ", "),
    "record.zone": ("{zone}（{utc}）", "{zone} ({utc})"),
}
