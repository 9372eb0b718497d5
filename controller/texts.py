"""The words people read, Chinese and English, in one catalogue: the console page, ``courtroom ctl`` and the demo.

``CATALOGUE`` maps a key to its (zh-CN, en) text with ``{name}`` fields; ``text(key, lang, **fields)`` fills one.
Device problems, alarms, check lines and error codes get a plain-language text here; the raw technical line
stays beside it for the technician. ``explain()`` turns a raw problem line into its plain text with the patterns
of ``PROBLEM_PATTERNS`` (the console page uses the same patterns, served as ``/static/texts.js``).
"""

from __future__ import annotations

import json
import os
import re
from typing import Literal

from controller.journal.kinds import Kind
from controller.texts_journal import VERIFY
from controller.texts_record import RECORD
from drivers.errors import InvalidArgument

Lang = Literal["zh-CN", "en"]
LANGS: tuple[Lang, ...] = ("zh-CN", "en")

CATALOGUE: dict[str, tuple[str, str]] = {
    # the hearing
    "phase.idle": ("未开庭", "Idle"),
    "phase.ready": ("准备就绪", "Ready"),
    "phase.in_session": ("庭审中", "In session"),
    "phase.interrupted": ("已中断", "Interrupted"),
    "phase.closed": ("已闭庭", "Closed"),
    "recording.recording": ("录像中", "recording"),
    "recording.not_recording": ("未在录像", "NOT RECORDING"),
    "recording.unknown": ("录像状态不明", "recording state unknown"),
    "recording.paused": ("已暂停", "paused"),
    "recording.stopped": ("未录像", "not recording (no hearing)"),
    "reason.recess": ("休庭", "recess"),
    "reason.non_public_evidence": ("不公开举证质证", "non-public evidence"),
    "reason.mediation": ("不宜录制的调解", "mediation not suitable for recording"),
    "reason.fault": ("设备故障", "equipment fault"),
    # people and parts of the system that act
    "role.clerk": ("书记员", "Clerk"),
    "role.judge": ("法官", "Judge"),
    "role.technician": ("运维", "Technician"),
    "actor.person": ("{role} {name}", "{role} {name}"),
    "actor.mqtt": ("中控平台", "Central platform"),
    "actor.watchdog": ("录像看护", "Recording watchdog"),
    "actor.controller": ("中控系统", "Controller"),
    "actor.voice_follow": ("声像联动", "Voice-follow"),
    "actor.ctl": ("命令行", "Command line"),
    "actor.console": ("控制台", "Console"),
    "actor.button": ("{device}", "{device}"),
    "actor.restore": ("重启恢复", "Restart recovery"),
    "actor.test": ("测试", "Test"),
    "actor.unknown": ("系统", "System"),
    # seat roles
    "seat.judge": ("审判长", "presiding judge"),
    "seat.judge-left": ("左陪审", "left judge"),
    "seat.judge-right": ("右陪审", "right judge"),
    "seat.clerk": ("书记员", "clerk"),
    "seat.plaintiff": ("原告", "plaintiff"),
    "seat.defendant": ("被告", "defendant"),
    "seat.prosecution": ("公诉人", "prosecution"),
    "seat.defence": ("辩护人", "defence"),
    "seat.witness": ("证人", "witness"),
    "seat.panorama": ("全景", "panorama"),
    "seat.gallery": ("旁听席", "public gallery"),
    "seat.evidence": ("证据展示", "evidence"),
    "seat.interpreter": ("翻译", "interpreter"),
    "seat.other": ("其他", "other"),
    # device kinds
    "kind.camera": ("摄像机", "Camera"),
    "kind.display": ("显示设备", "Display"),
    "kind.recorder": ("录像机", "Recorder"),
    "kind.mic_system": ("话筒系统", "Microphones"),
    "kind.audio_processor": ("音频处理器", "Audio processor"),
    "kind.indicator": ("指示灯", "Indicator light"),
    "kind.button": ("按钮 / 脚踏开关", "Button / foot switch"),
    "kind.audio_input": ("音频输入", "Audio input"),
    "kind.video_input": ("视频输入", "Video input"),
    # device states
    "transport.stopped": ("已停止", "stopped"),
    "transport.record": ("录像中", "recording"),
    "transport.play": ("回放中", "playing"),
    "transport.preview": ("预览", "preview"),
    "transport.forward": ("快进", "fast forward"),
    "transport.rewind": ("倒带", "rewind"),
    "transport.jog": ("逐帧", "jog"),
    "transport.shuttle": ("变速", "shuttle"),
    "transport.standby": ("待机", "standby"),
    "transport.eject": ("出仓", "eject"),
    "transport.unknown": ("未知", "unknown"),
    "power.on": ("开", "on"),
    "power.off": ("关", "off"),
    "power.warming": ("预热中", "warming up"),
    "power.cooling": ("散热中", "cooling down"),
    "availability.online": ("在线", "online"),
    "availability.offline": ("离线", "offline"),
    # device problems in plain words (the raw line stays under 详情 / Details)
    "problem.no_answer": ("{device}无响应", "{device} does not answer"),
    "problem.no_link": ("{device}连接中断", "{device}: connection lost"),
    "problem.garbled": ("{device}回复无法识别", "{device} sends replies that cannot be read"),
    "problem.refused": ("{device}拒绝了命令", "{device} refused the command"),
    "problem.connecting": ("{device}正在连接", "{device}: connecting"),
    "problem.stopped": ("{device}：中控已停止", "{device}: the controller stopped"),
    "problem.config": ("{device}配置有误", "{device}: configuration error"),
    "problem.fault": ("{device}故障", "{device}: fault"),
    "problem.offline_for": ("（已离线 {seconds} 秒）", " (offline for {seconds} s)"),
    "problem.offline_for_min": ("（已离线 {minutes} 分钟）", " (offline for {minutes} min)"),
    "problem.no_disk": ("{device}没有磁盘", "{device} has no disk"),
    "problem.disk_low": ("{device}磁盘将满（剩余 {minutes} 分钟）", "{device}: disk nearly full ({minutes} min left)"),
    "problem.disk_full": ("{device}磁盘已满", "{device}: disk full"),
    "problem.remote_disabled": ("{device}面板上的远程控制已关闭", "{device}: remote control is off on its panel"),
    "problem.transport": ("{device}处于“{transport}”状态", "{device} is {transport}"),
    "problem.standby": ("{device}处于待机", "{device} is in standby"),
    "problem.no_state": ("{device}尚未报告状态", "{device} has not reported its state yet"),
    "problem.display_part": ("{device}报告部件异常", "{device} reports a faulty part"),
    "problem.not_configured": ("房间配置中缺少此项", "missing from the room's configuration"),
    "problem.busy": ("{device}正忙", "{device} is busy"),
    "problem.unknown": ("{device}有问题", "{device} has a problem"),
    # alarms
    "alarm.not_recording": ("{device}未在录像", "{device} is not recording"),
    "alarm.recorder_unreachable": (
        "{device}无法连接，录像状态不明",
        "{device} cannot be reached: recording state unknown",
    ),
    "alarm.disk_low": ("{device}磁盘空间不足", "{device}: disk space low"),
    "alarm.device_offline": ("{device}离线", "{device} is offline"),
    "alarm.audio_silent": ("{device}：席位 {seat} 没有声音", "{device}: seat {seat} is silent"),
    "alarm.audio_clipping": ("{device}：席位 {seat} 声音过载", "{device}: seat {seat} is clipping"),
    "alarm.video_no_signal": ("{device}没有画面信号", "{device}: no picture signal"),
    "alarm.video_black": ("{device}画面全黑", "{device}: black picture"),
    "alarm.video_frozen": ("{device}画面冻结", "{device}: frozen picture"),
    "alarm.display_off": ("{device}已关机", "{device} is off"),
    "alarm.journal_unavailable": (
        "日志无法写入，所有操作被拒绝",
        "The journal cannot write: every operation is refused",
    ),
    "alarm.journal_space_low": ("日志存储空间不足", "The journal is low on disk space"),
    "alarm.other": ("{device}告警", "{device}: alarm"),
    "alarm.the_software_recording": ("软件录像", "The software recording"),
    # the pre-hearing check
    "check.need.camera": ("{seat}摄像机", "Camera for the {seat}"),
    "check.need.microphone": ("{seat}话筒", "Microphone for the {seat}"),
    "check.need.seat": ("{seat}席位", "Seat for the {seat}"),
    "check.need.recorder": ("录像机", "Recorder"),
    "check.todo.offline": (
        "检查{device}的电源和连线；仍不行请联系运维",
        "Check {device}'s power and cable; then call the technician",
    ),
    "check.todo.no_disk": ("在{device}中插入磁盘", "Put a disk into {device}"),
    "check.todo.disk_low": ("为{device}更换或清理磁盘", "Change or clear {device}'s disk"),
    "check.todo.remote": (
        "在{device}面板上打开远程控制（REMOTE）",
        "Switch on remote control (REMOTE) on {device}'s panel",
    ),
    "check.todo.config": ("请运维在房间配置中补上此项", "Ask the technician to add it to the room's configuration"),
    "check.todo.other": ("请联系运维", "Call the technician"),
    # error codes of replies (console, MQTT, ctl)
    "error.BAD_REQUEST": ("请求有误", "Bad request"),
    "error.INVALID_ARGUMENT": ("输入有误", "Invalid input"),
    "error.UNSUPPORTED": ("该设备不支持此操作", "The device cannot do this"),
    "error.UNAUTHENTICATED": ("用户名或密码错误，或登录已过期", "Wrong user name or password, or the login expired"),
    "error.FORBIDDEN": ("您的角色无权进行此操作", "Your role may not do this"),
    "error.NOT_FOUND": ("找不到该项", "Not found"),
    "error.LOCKED": ("登录失败次数过多，请稍后再试", "Too many failed logins: try again later"),
    "error.INVALID_STATE": ("当前庭审状态下不能进行此操作", "Not possible in the hearing's present state"),
    "error.CHECK_FAILED": ("庭前检查未通过，不能开庭", "The pre-hearing check failed: the hearing cannot open"),
    "error.RECORDING_RULE": ("庭审进行中，录像不能停止", "A hearing is in session: the recording may not stop"),
    "error.JOURNAL_ERROR": ("日志无法写入，操作未执行", "The journal cannot write: nothing was done"),
    "error.NOT_EXECUTABLE": ("设备当前无法执行此操作", "The device cannot do this now"),
    "error.BUSY": ("设备正忙，请稍后再试", "The device is busy: try again"),
    "error.DEVICE_NAK": ("设备拒绝了命令", "The device refused the command"),
    "error.DECODE_ERROR": ("设备回复无法识别", "The device's reply cannot be read"),
    "error.OFFLINE": ("设备离线", "The device is offline"),
    "error.TRANSPORT_LOST": ("与设备的连接中断", "The connection to the device is lost"),
    "error.DEVICE_TIMEOUT": ("设备无响应", "The device does not answer"),
    "error.INTERNAL": ("内部错误（已记入中控日志）", "Internal error (logged by the controller)"),
    "error.NETWORK": ("无法连接到中控", "Cannot reach the controller"),
    "error.TIMEOUT": ("等待回复超时", "No reply in time"),
    "error.STREAM_POLICY": (
        "直播规则不允许此操作（不公开的案件、未开庭或无权开始直播）",
        "The live stream's rules do not allow this (a case not public, no session, or your role)",
    ),
    "error.CASE_SYSTEM": ("无法从案件系统读取案件，请联系运维", "The case system cannot be read: call the technician"),
    "error.other": ("操作失败（{code}）", "Failed ({code})"),
    # courtroom ctl
    "ctl.no_state": (
        "房间 {room}：{broker} 上没有保留的状态（中控从未连接过？）",
        "room {room}: no retained state on {broker} (daemon never connected?)",
    ),
    "ctl.room": (
        "房间 {room}（{name}）：中控{state}，会话 {session}",
        "room {room} ({name}): controller {state}, session {session}",
    ),
    "ctl.controller.online": ("在线", "online"),
    "ctl.controller.offline": ("离线", "offline"),
    "ctl.hearing": (
        "  庭审：{phase} {case_no} 录像：{recording} 标记：{marks}",
        "  hearing: {phase} {case_no} recording: {recording} marks: {marks}",
    ),
    "ctl.alarms": (" 告警：{alarms}", " ALARMS: {alarms}"),
    "ctl.firmware": ("固件 {firmware}", "fw {firmware}"),
    "ctl.failed": ("失败：{text}", "failed: {text}"),
}

# `courtroom demo`: the tour's words
CATALOGUE.update(
    {
        "demo.ok": ("成功", "ok"),
        "demo.error": ("{plain} | {code}: {message}", "{plain} | {code}: {message}"),
        "demo.step1": (
            "\n1. 把每个席位的镜头存为其摄像机的 0 号预置位（先绝对定位，再 preset_set）：",
            "\n1. Store each seat's shot as preset 0 on its camera (absolute move, then preset_set):",
        ),
        "demo.step2": (
            "\n2. 错误的输入在发到线路之前就被拒绝：",
            "\n2. Bad input is refused before it reaches the wire:",
        ),
        "demo.step3": (
            "\n"
            "3. 开庭：先做庭前检查，再开庭；场景宏打开显示设备、切到各席位镜头，\n"
            "   并以房间和案号命名的片段启动两台录像机：",
            "\n"
            "3. The hearing: pre-hearing check, then open; the scene macro powers the displays, takes\n"
            "   each seat's shot and starts both recorders with a clip named after the room and case:",
        ),
        "demo.hearing_state": (
            "   庭审状态：{phase}，录像：{recording}，录像机：{recorders}",
            "   hearing/state: {state}, recording={recording}, recorders={recorders}",
        ),
        "demo.step4": (
            "\n4. 声像联动：代表按下话筒按钮，该席位的摄像机切到其镜头：",
            "\n4. Voice-follow: delegates press their microphone buttons; the seat's camera takes its shot:",
        ),
        "demo.mic_shot": ("   {seat_no} 号话筒打开 -> 镜头：{seat_name}", "   mic {seat_no} on -> shot: {seat}"),
        "demo.foot": (
            "\n   不用鼠标：录像指示灯亮着；书记员踩一下脚踏开关，添加一个标记：",
            "\n   Without the mouse: the recording light is on; the clerk taps the foot switch to add a mark:",
        ),
        "demo.light": ("   录像指示灯 亮={on} 颜色={color}", "   rec-light on={on} color={color}"),
        "demo.mark": (
            "   标记（{actor}）：{text}，录像第 {offset} 秒",
            "   hearing/event mark by {actor}: {text} at {offset} s",
        ),
        "demo.signals": (
            "\n   信号：每个席位的话筒电平和语音活动，摄像机画面每秒检查两次：",
            "\n   Signals: microphone levels and voice activity per seat, camera pictures checked twice a second:",
        ),
        "demo.seat_level": ("{seat} {level} dBFS{speaking}", "{seat} {level} dBFS{speaking}"),
        "demo.speaking": (" 发言中", " speaking"),
        "demo.picture": (
            "   {device}：画面 {signal}，{fps} 帧/秒，{width}x{height}",
            "   {device}: signal={signal} fps={fps} {width}x{height}",
        ),
        "demo.step5": (
            "\n5. 休庭：录像暂停；恢复时开始一个新片段：",
            "\n5. A recess: the recording pauses; resuming starts a new clip:",
        ),
        "demo.recess_state": (
            "   庭审状态：{phase}（{label}），录像：{recording}",
            "   hearing/state: {state} ({label}), recording={recording}",
        ),
        "demo.step6": (
            "\n6. 录像机故障：有人按下了录像主机的停止键。立即报“未在录像”，\n   中控重新启动录像并说明：",
            "\n"
            "6. A recorder fault: someone presses stop on the recording host. NOT RECORDING is raised at once,\n"
            "   the controller restarts the recording and says so:",
        ),
        "demo.alarm_raised": ("   告警（{severity}）：{text}", "   hearing/event alarm_raised ({severity}): {text}"),
        "demo.severity.critical": ("严重", "critical"),
        "demo.severity.warning": ("警告", "warning"),
        "demo.recovery": ("   录像恢复尝试：{action} {outcome}", "   hearing/event recovery_attempt: {action} ok={ok}"),
        "demo.recovery_ok": ("成功", "ok"),
        "demo.recovery_failed": ("失败", "failed"),
        "demo.alarm_cleared": ("   告警在 {seconds} 秒后解除", "   hearing/event alarm_cleared after {seconds} s"),
        "demo.step7": (
            "\n"
            "7. 日志的头部：每次庭审状态变化时用房间的 Ed25519 密钥签名，并保留发布在\n"
            "   $ctl/journal 上：这是中控平台保存的锚点（被截短或重新串链的日志无法通过校验）：",
            "\n"
            "7. The journal's head, signed with the room's Ed25519 key at every transition and published retained on\n"
            "   $ctl/journal: the anchor the central platform keeps (a journal cut short or re-chained fails it):",
        ),
        "demo.checkpoint": (
            "   $ctl/journal：第 {seq} 行，哈希 {hash}\n   签名 {signature}… 密钥 {fingerprint}",
            "   $ctl/journal: row {seq} hash {hash}\n   signature {signature}… key {fingerprint}",
        ),
        "demo.verified": (
            "   courtroom journal verify --anchor {anchor}…：{result}",
            "   courtroom journal verify --anchor {anchor}…: {result}",
        ),
        "demo.step8": (
            "\n8. 案卷记录（courtroom journal export，先校验），附故障的第四条说明：",
            "\n8. The case-file record (courtroom journal export, verified first), with the fault's Art.4 statement:",
        ),
        "demo.pdf": (
            "\n   同一记录的 A4 PDF（courtroom journal export --format pdf）：{pdf}",
            "\n   The same record as an A4 PDF (courtroom journal export --format pdf): {pdf}",
        ),
        "demo.soft1": (
            "\n"
            "   软件录像：每台摄像机、合成画面和每个席位音轨的封存片段，按庭审的签名清单列出，\n"
            "   并在两个存储中校验（courtroom recording list|verify）：",
            "\n"
            "   The software recording: sealed segments per camera, the composite and the seat tracks, listed from\n"
            "   the hearing's signed manifest and checked in both stores (courtroom recording list|verify):",
        ),
        "demo.soft2": (
            "   .venv/bin/courtroom recording verify {hearing} --config <中控的 room.yaml>",
            "   .venv/bin/courtroom recording verify {hearing} --config <the daemon's room.yaml>",
        ),
        "demo.step9": (
            "\n9. 中控平台看到的房间（courtroom ctl status）：",
            "\n9. The room as the central platform sees it (courtroom ctl status):",
        ),
        "demo.simulated": ("模拟法庭 {room}（{name}）", "Simulated courtroom {room} ({name})"),
        "demo.endpoint": ("  {device} 模拟于 {endpoint}", "  {device} simulated at {endpoint}"),
        "demo.broker": (
            "私有 mosquitto 在 127.0.0.1:{port}；中控配置 {config}",
            "Private mosquitto on 127.0.0.1:{port}; daemon config {config}",
        ),
        "demo.watch": ("\n查看房间的每条消息：", "\nWatch every message of the room:"),
        "demo.console": (
            "书记员控制台：{url}（用户 clerk、judge、technician；密码 {password}）",
            "The clerk console: {url}  (users clerk, judge, technician; password {password})",
        ),
        "demo.replay": (
            "回放页面（选择庭审，点击标记）：{url}replay",
            "The replay view (pick the hearing, click a mark): {url}replay",
        ),
        "demo.send": ("发送命令：", "Send a command:"),
        "demo.running": (
            "\n运行中。Ctrl-C 停止中控（所有设备在 MQTT 上变为离线）、模拟器和 broker。",
            "\nRunning. Ctrl-C stops the daemon (every device goes offline on MQTT), the simulator and the broker.",
        ),
        "demo.failed": ("演示失败：{plain}：{error}", "demo failed: {error}"),
        # the case system and the live stream in the tour (controller/streaming/demo.py)
        "demo.live.no_schedule": (
            "   案件系统没有给出排期：{problem}",
            "   the case system gave no schedule: {problem}",
        ),
        "demo.live.case": (
            "   {start}  {case_no}  {cause}  {publicity}",
            "   {start}  {case_no}  {cause}  {publicity}",
        ),
        "demo.live.public": ("公开", "public"),
        "demo.live.not_public": ("不公开（{reason}）", "not public ({reason})"),
        "demo.live.open_failed": (
            "   {case_no} 开庭失败：{plain} | {message}",
            "   opening {case_no} failed: {message}",
        ),
        "demo.live.opened": (
            "   已从案件系统开庭：{case_no}（{cause}），庭审编号 {hearing_id}",
            "   opened {case_no} ({cause}) from the case system: {hearing_id}",
        ),
        "demo.live.no_stream": ("   不直播：{why}", "   no live stream: {why}"),
        "demo.live.on_air": (
            "   直播中：{url}（可用 ffplay 或 vlc 打开该地址观看）",
            "   on the air: {url}  (watch: ffplay or vlc on that address)",
        ),
        "demo.live.refused": ("   直播被拒绝：{plain} | {message}", "   stream refused: {message}"),
    }
)

# The live stream's own reasons (controller/streaming/service.py journals ``reason_key`` and ``reason_fields``
# beside its raw English ``reason``, which stays for the technician): ``stream_reason()`` fills one.
CATALOGUE.update(
    {
        "stream.reason.start": ("首次开始", "start"),
        "stream.reason.resumed": ("恢复直播", "back on the air"),
        "stream.reason.stopped": ("手动停止", "stopped"),
        "stream.reason.close": ("闭庭", "the hearing closed"),
        "stream.reason.ended": ("直播自行中断（原因见详情）", "the stream ended by itself (see the details)"),
        "stream.refused.role": (
            "只有{starters}可以开始直播（发送者的角色：{role}）",
            "only {starters} may start the live stream (sender's role: {role})",
        ),
        "stream.refused.phase": ("庭审未在进行中（{phase}）", "the hearing is not in session ({phase})"),
        "stream.refused.publicity_unknown": (
            "案件是否公开未知（请从案件系统开庭或填写公开情况）",
            "the case's publicity is not known (open it from the case system or give publicity)",
        ),
        "stream.refused.not_public": ("案件不公开：{why}", "case not public: {why}"),
        "stream.refused.not_recording": ("{recorder}未在录像", "{recorder} is not recording"),
        "stream.publicity.state_secret": ("国家秘密", "state secret"),
        "stream.publicity.privacy": ("个人隐私", "privacy"),
        "stream.publicity.minor": ("未成年人", "minor"),
        "stream.publicity.other": ("其他", "other"),
        "stream.publicity.not_public": ("不公开", "not public"),
        "stream.protect.on": ("{seat}：已遮挡", "{seat}: protected"),
        "stream.protect.off": ("{seat}：取消遮挡", "{seat}: not protected"),
        "stream.role_unknown": ("未知", "unknown"),
        "stream.or": ("或", " or "),
    }
)

# device actions, as the journal table and the record name them
for _action, _pair in {
    "record": ("开始录像", "record"),
    "stop": ("停止", "stop"),
    "pause": ("暂停", "pause"),
    "play": ("播放", "play"),
    "power": ("电源", "power"),
    "input": ("切换信号源", "input"),
    "preset_recall": ("调用预置位", "recall preset"),
    "preset_set": ("存储预置位", "store preset"),
    "preset_reset": ("清除预置位", "clear preset"),
    "pan_tilt": ("转动", "pan/tilt"),
    "pan_tilt_to": ("转到位置", "pan/tilt to"),
    "pan_tilt_by": ("微调位置", "pan/tilt by"),
    "zoom": ("变焦", "zoom"),
    "zoom_to": ("变焦到", "zoom to"),
    "home": ("归位", "home"),
    "refresh": ("刷新状态", "refresh"),
    "mic_on": ("打开话筒", "microphone on"),
    "mic_off": ("关闭话筒", "microphone off"),
    "all_off": ("关闭全部话筒", "all microphones off"),
    "volume": ("音量", "volume"),
    "mute": ("静音", "mute"),
    "av_mute": ("黑屏静音", "AV mute"),
    "snapshot": ("截图", "snapshot"),
    "set": ("设置", "set"),
    "light": ("指示灯", "light"),
}.items():
    CATALOGUE[f"action.{_action}"] = _pair

# Journal rows by kind, as the journal table and ``courtroom ctl`` name them.
KIND_TEXTS: dict[str, tuple[str, str]] = {
    Kind.DAEMON_STARTED: ("中控启动", "controller started"),
    Kind.CONTROLLER_STOPPING: ("中控正在停止", "controller stopping"),
    Kind.DAEMON_STOPPED: ("中控已停止", "controller stopped"),
    Kind.CONTROLLER_GAP: ("中控停止运行的时段", "controller not running"),
    Kind.CHECKPOINT: ("日志签名", "journal signed"),
    Kind.JOURNAL_UNAVAILABLE: ("日志无法写入", "journal cannot write"),
    Kind.JOURNAL_AVAILABLE: ("日志恢复写入", "journal writes again"),
    Kind.JOURNAL_SPACE_LOW: ("日志空间不足", "journal space low"),
    Kind.JOURNAL_SPACE_OK: ("日志空间恢复", "journal space ok"),
    Kind.DEVICE_ONLINE: ("设备上线", "device online"),
    Kind.DEVICE_OFFLINE: ("设备离线", "device offline"),
    Kind.DEVICE_COMMAND: ("设备命令", "device command"),
    Kind.DEVICE_COMMAND_OUTCOME: ("设备命令结果", "device command result"),
    Kind.DEVICE_COMMAND_REFUSED: ("设备命令被拒绝", "device command refused"),
    Kind.RECORDER_REPORTED: ("录像机状态", "recorder state"),
    Kind.RECORDING_SEGMENT: ("录像片段封存", "recording segment sealed"),
    Kind.RECORDING_BACKUP: ("录像备份", "recording backed up"),
    Kind.HEARING_CHECK: ("庭前检查", "pre-hearing check"),
    Kind.HEARING_OPEN_REFUSED: ("开庭被拒（检查未通过）", "opening refused (check failed)"),
    Kind.CHECK_OVERRIDE: ("强制开庭", "opened despite the check"),
    Kind.HEARING_OPENED: ("开庭", "hearing opened"),
    Kind.HEARING_INTERRUPTED: ("中断", "interrupted"),
    Kind.HEARING_RESUMED: ("恢复", "resumed"),
    Kind.HEARING_CLOSED: ("闭庭", "hearing closed"),
    Kind.HEARING_REFUSED: ("操作被拒绝", "operation refused"),
    Kind.MARK: ("标记", "mark"),
    Kind.VOICE_FOLLOW: ("声像联动", "voice-follow"),
    Kind.SHOT: ("切换镜头", "shot"),
    Kind.SHOT_FAILED: ("切换镜头失败", "shot failed"),
    Kind.ALARM_BUTTON: ("告警按钮", "alarm button"),
    Kind.ALARM_RAISED: ("告警", "alarm"),
    Kind.ALARM_CLEARED: ("告警解除", "alarm cleared"),
    Kind.RECOVERY_ATTEMPT: ("录像恢复尝试", "recording recovery attempt"),
    Kind.MACRO_STEP_FAILED: ("场景步骤失败", "scene step failed"),
    Kind.CONSOLE_LOGIN: ("登录", "login"),
    Kind.CONSOLE_LOGIN_FAILED: ("登录失败", "failed login"),
    Kind.CONSOLE_LOGOUT: ("退出登录", "logout"),
    "alarm_acknowledged": ("告警已确认", "alarm acknowledged"),
    # the live stream's rows (controller/streaming, issue 16)
    "stream_started": ("开始直播", "stream started"),
    "stream_cut": ("暂停直播", "stream cut"),
    "stream_stopped": ("停止直播", "stream stopped"),
    "stream_refused": ("直播被拒绝", "stream refused"),
    "stream_protect": ("直播遮挡席位", "seat protected on the stream"),
}
for _kind, _texts in KIND_TEXTS.items():
    CATALOGUE[f"journal.{_kind}"] = _texts
CATALOGUE.update(VERIFY)
CATALOGUE.update(RECORD)

# What the hearing journals as the text of a mark made by a mark button (a foot switch): the same in every
# language, shown to each reader in theirs by mark_text() (and markText() on the page).
BUTTON_MARK = "标记 (foot switch)"
CATALOGUE["mark.button"] = ("脚踏开关标记", "Foot-switch mark")

# A raw problem line (a device's offline reason, a check line, an alarm's message) -> its catalogue key. The
# first pattern that matches (case-insensitive) wins; named groups fill the text's fields.
PROBLEM_PATTERNS: list[tuple[str, str]] = [
    (r"not connected yet", "problem.connecting"),
    (r"controller stopped", "problem.stopped"),
    (r"no seat configured|no camera configured|has no recorder", "problem.not_configured"),
    (r"disk nearly full: (?P<minutes>\d+) min", "problem.disk_low"),
    (r"disk full", "problem.disk_full"),
    (r"no disk", "problem.no_disk"),
    (r"remote control disabled|local mode", "problem.remote_disabled"),
    (r"transport is (?P<transport>\w+)", "problem.transport"),
    (r"no answer|no reply|timed out|timeout|no connection within", "problem.no_answer"),
    (r"garbage|cannot be decoded|decode|malformed", "problem.garbled"),
    (r"busy|another client", "problem.busy"),
    (r"nak|refused the command|rejected", "problem.refused"),
    (r"standby", "problem.standby"),
    (r"no state yet", "problem.no_state"),
    (r"^\w+: (warning|error)$", "problem.display_part"),
    (
        r"cannot connect|cannot open|link lost|link closed|not connected|unplugged|not on the usb bus|refused"
        r"|connection|not open|gone|access denied|errno|no such file|offline",
        "problem.no_link",
    ),
]
_COMPILED = [(re.compile(pattern, re.IGNORECASE), key) for pattern, key in PROBLEM_PATTERNS]

# What the clerk can do about a check line's problem.
TODO_BY_PROBLEM: dict[str, str] = {
    "problem.no_disk": "check.todo.no_disk",
    "problem.disk_low": "check.todo.disk_low",
    "problem.disk_full": "check.todo.disk_low",
    "problem.remote_disabled": "check.todo.remote",
    "problem.not_configured": "check.todo.config",
    "problem.no_answer": "check.todo.offline",
    "problem.no_link": "check.todo.offline",
    "problem.connecting": "check.todo.offline",
}


def text(key: str, lang: Lang, /, **fields: object) -> str:
    """The catalogue's text for ``key`` in ``lang`` with its ``{fields}`` filled (a missing field shows as —)."""
    pair = CATALOGUE.get(key)
    if pair is None:
        raise KeyError(f"no text '{key}' in the catalogue")
    template = pair[0] if lang == "zh-CN" else pair[1]
    return re.sub(r"\{(\w+)\}", lambda m: str(fields.get(m.group(1), "—")), template)


def classify(raw: str | None) -> tuple[str, dict[str, str]]:
    """The catalogue key of a raw problem line and the fields its pattern found."""
    for pattern, key in _COMPILED:
        found = pattern.search(raw or "")
        if found:
            return key, {k: v for k, v in found.groupdict().items() if v is not None}
    return "problem.unknown", {}


def explain(raw: str | None, lang: Lang, device: str = "") -> str:
    """A raw problem line in plain words, naming ``device``."""
    key, fields = classify(raw)
    if "transport" in fields:
        tkey = f"transport.{fields['transport']}"
        fields["transport"] = text(tkey, lang) if tkey in CATALOGUE else fields["transport"]
    return text(key, lang, device=device, **fields).strip("：: ")


def stream_reason(key: str, fields: dict[str, object], lang: Lang) -> str:
    """A live-stream reason in words: a field naming a catalogue key (or a list of them) is said in ``lang``."""

    def say(value: object) -> str:
        if isinstance(value, list):
            return text("stream.or", lang).join(say(v) for v in value)
        return text(value, lang) if isinstance(value, str) and value in CATALOGUE else str(value)

    return text(key, lang, **{name: say(value) for name, value in fields.items()})


def mark_text(mark: str, actor: str | None, lang: Lang) -> str:
    """A mark's text for a reader: a mark button's (``BUTTON_MARK``) in the catalogue's words, others as typed."""
    if mark == BUTTON_MARK and (actor is None or actor.startswith("button:")):
        return text("mark.button", lang)
    return mark


def local_name(name: str, lang: Lang) -> str:
    """A bilingual configured name ("审判长 Presiding judge") in one language: its Chinese or its other part."""
    match = re.match(r"^\s*([^A-Za-z]*[\u3400-\u9fff][^A-Za-z]*?)\s+([A-Za-z].*)$", name)
    if not match:
        return name
    return match.group(1).strip() if lang == "zh-CN" else match.group(2).strip()


def language(value: str | None = None) -> Lang:
    """``zh-CN`` or ``en`` from an explicit choice (``--lang``), else from the environment (LC_ALL, LANG)."""
    if value:
        chosen = value.strip().lower()
        if chosen.startswith("zh"):
            return "zh-CN"
        if chosen.startswith("en"):
            return "en"
        raise InvalidArgument(f"--lang: '{value}' is not zh or en")
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        env = os.environ.get(var, "")
        if env:
            return "zh-CN" if env.lower().startswith("zh") else "en"
    return "zh-CN"


def error_text(code: str, lang_choice: str | None) -> str:
    """An error code's plain words in the chosen language (English when the choice itself is bad)."""
    try:
        lang = language(lang_choice)
    except InvalidArgument:
        lang = "en"
    key = f"error.{code}"
    return text(key, lang) if key in CATALOGUE else text("error.other", lang, code=code)


NOT_ON_THE_PAGE = ("record.", "verify.")  # the case-file record's and `journal verify`'s words


def javascript() -> str:
    """The catalogue and the patterns as an ES module for the console page (``/static/texts.js``)."""
    shown = {key: pair for key, pair in CATALOGUE.items() if not key.startswith(NOT_ON_THE_PAGE)}
    catalogue = {lang: {key: pair[i] for key, pair in shown.items()} for i, lang in enumerate(LANGS)}
    patterns = [[pattern.replace("(?P<", "(?<"), key] for pattern, key in PROBLEM_PATTERNS]
    dumps = json.dumps
    return (
        "// Generated from controller/texts.py when the console starts: edit that file, not this one.\n"
        f"export const CATALOGUE = {dumps(catalogue, ensure_ascii=False)};\n"
        f"export const PROBLEM_PATTERNS = {dumps(patterns, ensure_ascii=False)};\n"
        f"export const TODO_BY_PROBLEM = {dumps(TODO_BY_PROBLEM)};\n"
        f"export const BUTTON_MARK = {dumps(BUTTON_MARK, ensure_ascii=False)};\n"
    )
