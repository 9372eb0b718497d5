// The console's words, Chinese (default) and English. t("key", {name: value}) fills {name}. The page's own words
// are here; the words it shares with `courtroom ctl` and the demo (device problems, alarms, check lines, error
// codes, journal kinds, roles) come from controller/texts.py as /static/texts.js.
import { BUTTON_MARK, CATALOGUE, PROBLEM_PATTERNS, TODO_BY_PROBLEM } from "/static/texts.js";

export const STRINGS = {
  "zh-CN": {
    "app.title": "科技法庭 · 书记员控制台",
    "login.title": "登录",
    "login.user": "用户名",
    "login.password": "密码",
    "login.submit": "登录",
    "login.failed": "登录失败：{message}",
    "lang.other": "English",
    "logout": "退出",
    "replay.link": "回放",
    "rec.record": "录像中",
    "rec.stopped": "未录像",
    "rec.offline": "离线",
    "rec.remaining": "剩余 {minutes} 分钟",
    "banner.not_recording": "未在录像",
    "banner.recorder_unreachable": "录像状态不明",
    "banner.journal_unavailable": "日志无法写入，操作被拒绝",
    "alarm.ack": "确认告警（停止提示音）",
    "alarm.acked": "{who} 已于 {time} 确认告警；问题解决前警示条保留",
    "sound.on": "声音已开启",
    "sound.off": "声音已关闭",
    "sound.turn_off": "点击关闭告警声音",
    "sound.turn_on": "点击开启告警声音",
    "elapsed.session": "开庭",
    "elapsed.recorded": "已录制",
    "elapsed.interrupted": "中断",
    "tab.overview": "设备概览",
    "tab.cameras": "摄像机",
    "tab.av": "显示与话筒",
    "tab.marks": "标记",
    "tab.journal": "庭审日志",
    "tab.export": "导出",
    "tab.diagnostics": "诊断",
    "hearing.title": "庭审",
    "hearing.case": "案号 {case_no}",
    "hearing.no_case": "尚未开庭",
    "hearing.check": "庭前检查",
    "hearing.open": "开庭",
    "hearing.interrupt": "中断庭审",
    "hearing.resume": "恢复庭审",
    "hearing.close": "闭庭",
    "hearing.interrupted_for": "中断原因：{label}",
    "form.case_no": "案号",
    "form.title": "案由",
    "form.parties": "当事人（每行一个）",
    "check.title": "庭前检查",
    "check.ok": "通过",
    "check.failed": "未通过（{n} 项有问题）",
    "check.todo": "处理：{todo}",
    "check.passed_items": "{n} 项正常",
    "check.override": "仍然开庭…",
    "check.override_title": "检查未通过，仍然开庭",
    "check.override_note": "庭前检查未通过。如确需开庭，请写明理由；理由将记入日志和案卷记录。",
    "check.override_reason": "强制开庭理由（至少 4 个字）",
    "check.none": "尚未检查",
    "interrupt.title": "中断庭审",
    "interrupt.note": "备注（可选）",
    "confirm.ok": "确认",
    "confirm.cancel": "取消",
    "confirm.close": "确认闭庭？所有录像机将停止录像。",
    "confirm.store": "将{camera}当前位置存为预置位 {preset}？原有预置位将被覆盖。",
    "mark.placeholder": "例如：证人开始作证",
    "mark.label": "标记内容",
    "mark.add": "添加标记 (Ctrl+M)",
    "mark.none": "暂无标记",
    "mark.offset": "录像 {offset}",
    "alarms.title": "告警",
    "health.ok": "正常",
    "health.warning": "警告",
    "health.error": "故障",
    "health.offline": "离线",
    "cam.presets": "预置位",
    "cam.preset_n": "调用预置位 {n}",
    "cam.store": "存储预置位",
    "cam.store_number": "要存储的预置位编号",
    "cam.home": "归位",
    "cam.position": "水平 {pan} · 垂直 {tilt} · 变焦 {zoom} · 预置位 {preset}",
    "cam.moving": "移动中",
    "cam.seat": "席位：{seat}",
    "cam.zoom_in": "放大",
    "cam.zoom_out": "缩小",
    "cam.left": "向左转",
    "cam.right": "向右转",
    "cam.up": "向上转",
    "cam.down": "向下转",
    "vf.title": "声像联动",
    "vf.enabled": "已开启",
    "vf.disabled": "已关闭",
    "vf.on": "开启",
    "vf.off": "关闭",
    "vf.auto": "恢复自动",
    "vf.mode.auto": "自动",
    "vf.mode.manual": "手动",
    "vf.current": "当前镜头：{seat}",
    "vf.speaking": "发言：{seats}",
    "vf.shot": "切到此席位",
    "disp.on": "开机",
    "disp.off": "关机",
    "disp.input": "信号源",
    "disp.state": "电源 {power} · 信号源 {input}",
    "dsp.point": "{level} dB",
    "dsp.muted": "（静音）",
    "indicator.state": "指示灯 {state}",
    "video.snapshot": "截图",
    "video.snapshot_alt": "{name}的截图",
    "video.state": "画面 {signal} · {fps} 帧/秒",
    "video.signal.ok": "正常",
    "video.signal.no_signal": "无信号",
    "video.signal.black": "黑屏",
    "video.signal.frozen": "画面冻结",
    "video.signal.unknown": "未知",
    "mic.title": "话筒",
    "mic.speaking": "发言中",
    "mic.silent": "未发言",
    "mic.on": "开",
    "mic.off": "关",
    "mic.switch": "{seat}的话筒（{device}）",
    "mic.all_off": "关闭全部话筒（{device}）",
    "mic.requests": "请求发言：{seats}",
    "mic.meter_pending": "无电平（该席位未接音频输入）",
    "mic.level": "{seat}的音量",
    "mic.seat_number": "{n} 号话筒",
    "journal.empty": "暂无记录",
    "journal.refresh": "刷新",
    "journal.check_ok": "全部通过",
    "journal.check_bad": "{n} 项未通过",
    "filter.kind": "类别",
    "filter.device": "设备",
    "filter.from": "从",
    "filter.to": "到",
    "filter.all": "全部",
    "col.time": "时间",
    "col.offset": "录像时间",
    "col.part": "片段",
    "col.text": "内容",
    "col.seat": "席位",
    "col.by": "操作人",
    "col.kind": "类别",
    "col.what": "说明",
    "col.device": "设备",
    "col.link": "连接",
    "col.connects": "连接次数",
    "col.failures": "故障次数",
    "col.problem": "问题",
    "col.id": "编号",
    "col.model": "型号",
    "col.profile": "协议配置",
    "col.firmware": "固件",
    "col.capabilities": "功能",
    "col.actions": "命令",
    "export.title": "导出庭审录像记录（入卷）",
    "export.hearing": "选择庭审",
    "export.md": "导出 Markdown",
    "export.json": "导出 JSON",
    "export.pdf": "导出 PDF（A4，附卷）",
    "export.none": "尚无庭审记录",
    "diag.title": "设备诊断",
    "diag.devices": "设备详情",
    "diag.raw": "原始设备命令",
    "diag.device": "设备",
    "diag.action": "命令",
    "diag.params": "参数（JSON）",
    "diag.send": "发送",
    "diag.verify": "校验日志哈希链",
    "diag.verify_ok": "✔ {rows} 行全部校验通过",
    "diag.verify_bad": "✘ 第 {seq} 行校验失败",
    "diag.bad_json": "参数不是有效的 JSON：{message}",
    "diag.room_journal": "全室审计记录",
    "conn.lost": "与中控的连接已断开，正在重连…",
    "ok.done": "已完成：{what}",
    "err.request": "操作失败：{message}",
    "err.locked": "登录失败次数过多，请 {seconds} 秒后再试",
    "steps.failed": "部分场景步骤失败：{steps}",
    "detail": "详情",
    "live.schedule": "今日排期",
    "live.refresh": "刷新",
    "live.open": "开庭",
    "live.public": "公开",
    "live.not_public": "不公开 {reason}",
    "live.publicity.state_secret": "国家秘密",
    "live.publicity.privacy": "个人隐私",
    "live.publicity.minor": "未成年人",
    "live.publicity.other": "其他",
    "live.title": "庭审直播",
    "live.state.off": "未直播",
    "live.state.live": "直播中",
    "live.state.cut": "已暂停",
    "live.state.refused": "已拒绝",
    "live.protected": "遮挡：{seats}",
    "live.start": "开始直播",
    "live.cut": "暂停直播",
    "live.stop": "停止",
    "live.cut_reason": "暂停原因",
    "live.cut_default": "一键暂停",
    "live.panel": "今日排期与庭审直播",
    "live.no_cases": "今日没有排期",
    "live.cases.unreachable": "无法连接案件系统，显示的是上次读取的排期",
    "live.cases.refused": "案件系统拒绝访问，请运维检查凭据",
    "live.cases.malformed": "案件系统的回复无法读取，请联系运维",
    "live.cases.not_configured": "未接入案件系统，请手工输入案号开庭",
    "live.cases.other": "案件系统状态异常",
    "replay.back": "← 控制台",
    "replay.title": "庭审录像回放",
    "replay.hearing": "庭审",
    "replay.picture": "画面",
    "replay.time": "时间",
    "replay.go": "跳转",
    "replay.marks": "标记",
    "replay.none": "没有软件录像",
    "replay.loaded": "{segments} 段录像，{marks} 个标记",
    "replay.nothing": "这一时刻没有录像",
    "yes": "是",
    "no": "否",
    "unknown": "未知",
  },
  en: {
    "app.title": "Technology courtroom · Clerk console",
    "login.title": "Log in",
    "login.user": "User",
    "login.password": "Password",
    "login.submit": "Log in",
    "login.failed": "Login failed: {message}",
    "lang.other": "中文",
    "logout": "Log out",
    "replay.link": "Replay",
    "rec.record": "REC",
    "rec.stopped": "Stopped",
    "rec.offline": "Offline",
    "rec.remaining": "{minutes} min left",
    "banner.not_recording": "NOT RECORDING",
    "banner.recorder_unreachable": "RECORDING STATE UNKNOWN",
    "banner.journal_unavailable": "JOURNAL CANNOT WRITE: operations refused",
    "alarm.ack": "Acknowledge (stop the tone)",
    "alarm.acked": "Acknowledged by {who} at {time}; the band stays until the cause is gone",
    "sound.on": "Sound on",
    "sound.off": "Sound off",
    "sound.turn_off": "Click to switch the alarm sound off",
    "sound.turn_on": "Click to switch the alarm sound on",
    "elapsed.session": "Session",
    "elapsed.recorded": "Recorded",
    "elapsed.interrupted": "Interrupted",
    "tab.overview": "Overview",
    "tab.cameras": "Cameras",
    "tab.av": "Displays & mics",
    "tab.marks": "Marks",
    "tab.journal": "Journal",
    "tab.export": "Export",
    "tab.diagnostics": "Diagnostics",
    "hearing.title": "Hearing",
    "hearing.case": "Case {case_no}",
    "hearing.no_case": "No hearing open",
    "hearing.check": "Pre-hearing check",
    "hearing.open": "Open hearing",
    "hearing.interrupt": "Interrupt",
    "hearing.resume": "Resume",
    "hearing.close": "Close hearing",
    "hearing.interrupted_for": "Interrupted: {label}",
    "form.case_no": "Case no.",
    "form.title": "Title",
    "form.parties": "Parties (one per line)",
    "check.title": "Pre-hearing check",
    "check.ok": "passed",
    "check.failed": "failed ({n} problems)",
    "check.todo": "To do: {todo}",
    "check.passed_items": "{n} items OK",
    "check.override": "Open anyway…",
    "check.override_title": "The check failed: open anyway",
    "check.override_note": "The pre-hearing check failed. If the hearing must open, write why; the reason goes into the journal and the case-file record.",
    "check.override_reason": "Reason to open anyway (4 characters at least)",
    "check.none": "Not checked yet",
    "interrupt.title": "Interrupt the hearing",
    "interrupt.note": "Note (optional)",
    "confirm.ok": "Confirm",
    "confirm.cancel": "Cancel",
    "confirm.close": "Close the hearing? Every recorder stops recording.",
    "confirm.store": "Store {camera}'s present position as preset {preset}? The old preset is overwritten.",
    "mark.placeholder": "For example: witness starts testimony",
    "mark.label": "Mark text",
    "mark.add": "Add mark (Ctrl+M)",
    "mark.none": "No marks yet",
    "mark.offset": "at {offset}",
    "alarms.title": "Alarms",
    "health.ok": "OK",
    "health.warning": "Warning",
    "health.error": "Error",
    "health.offline": "Offline",
    "cam.presets": "Presets",
    "cam.preset_n": "Recall preset {n}",
    "cam.store": "Store preset",
    "cam.store_number": "Preset number to store",
    "cam.home": "Home",
    "cam.position": "pan {pan} · tilt {tilt} · zoom {zoom} · preset {preset}",
    "cam.moving": "moving",
    "cam.seat": "Seat: {seat}",
    "cam.zoom_in": "Zoom in",
    "cam.zoom_out": "Zoom out",
    "cam.left": "Pan left",
    "cam.right": "Pan right",
    "cam.up": "Tilt up",
    "cam.down": "Tilt down",
    "vf.title": "Voice-follow",
    "vf.enabled": "On",
    "vf.disabled": "Off",
    "vf.on": "Switch on",
    "vf.off": "Switch off",
    "vf.auto": "Back to automatic",
    "vf.mode.auto": "automatic",
    "vf.mode.manual": "manual",
    "vf.current": "Shot: {seat}",
    "vf.speaking": "Speaking: {seats}",
    "vf.shot": "Take this seat",
    "disp.on": "On",
    "disp.off": "Off",
    "disp.input": "Input",
    "disp.state": "power {power} · input {input}",
    "dsp.point": "{level} dB",
    "dsp.muted": " (muted)",
    "indicator.state": "light {state}",
    "video.snapshot": "Snapshot",
    "video.snapshot_alt": "Snapshot of {name}",
    "video.state": "picture {signal} · {fps} fps",
    "video.signal.ok": "OK",
    "video.signal.no_signal": "no signal",
    "video.signal.black": "black",
    "video.signal.frozen": "frozen",
    "video.signal.unknown": "unknown",
    "mic.title": "Microphones",
    "mic.speaking": "Speaking",
    "mic.silent": "Silent",
    "mic.on": "On",
    "mic.off": "Off",
    "mic.switch": "{seat}'s microphone ({device})",
    "mic.all_off": "All microphones off ({device})",
    "mic.requests": "Asking to speak: {seats}",
    "mic.meter_pending": "no level (no audio input for this seat)",
    "mic.level": "{seat}'s level",
    "mic.seat_number": "microphone {n}",
    "journal.empty": "Nothing yet",
    "journal.refresh": "Refresh",
    "journal.check_ok": "all passed",
    "journal.check_bad": "{n} failed",
    "filter.kind": "Kind",
    "filter.device": "Device",
    "filter.from": "From",
    "filter.to": "To",
    "filter.all": "All",
    "col.time": "Time",
    "col.offset": "Recording time",
    "col.part": "Part",
    "col.text": "Text",
    "col.seat": "Seat",
    "col.by": "By",
    "col.kind": "Kind",
    "col.what": "What",
    "col.device": "Device",
    "col.link": "Link",
    "col.connects": "Connects",
    "col.failures": "Failures",
    "col.problem": "Problem",
    "col.id": "Id",
    "col.model": "Model",
    "col.profile": "Profile",
    "col.firmware": "Firmware",
    "col.capabilities": "Capabilities",
    "col.actions": "Actions",
    "export.title": "Export the recording record (case file)",
    "export.hearing": "Hearing",
    "export.md": "Export Markdown",
    "export.json": "Export JSON",
    "export.pdf": "Export PDF (A4, for the case file)",
    "export.none": "No hearing recorded yet",
    "diag.title": "Device diagnostics",
    "diag.devices": "Device details",
    "diag.raw": "Raw device command",
    "diag.device": "Device",
    "diag.action": "Action",
    "diag.params": "Parameters (JSON)",
    "diag.send": "Send",
    "diag.verify": "Verify the journal's hash chain",
    "diag.verify_ok": "✔ all {rows} rows verified",
    "diag.verify_bad": "✘ row {seq} does not verify",
    "diag.bad_json": "The parameters are not valid JSON: {message}",
    "diag.room_journal": "Room audit trail",
    "conn.lost": "Connection to the controller lost, reconnecting…",
    "ok.done": "Done: {what}",
    "err.request": "Failed: {message}",
    "err.locked": "Too many failed logins: try again in {seconds} s",
    "steps.failed": "Some scene steps failed: {steps}",
    "detail": "Details",
    "live.schedule": "Today's hearings",
    "live.refresh": "Refresh",
    "live.open": "Open",
    "live.public": "public",
    "live.not_public": "not public {reason}",
    "live.publicity.state_secret": "state secret",
    "live.publicity.privacy": "privacy",
    "live.publicity.minor": "minor",
    "live.publicity.other": "other",
    "live.title": "Live stream",
    "live.state.off": "off the air",
    "live.state.live": "live",
    "live.state.cut": "cut",
    "live.state.refused": "refused",
    "live.protected": "protected: {seats}",
    "live.start": "Start",
    "live.cut": "Cut",
    "live.stop": "Stop",
    "live.cut_reason": "Reason for the cut",
    "live.cut_default": "one-press cut",
    "live.panel": "Today's hearings and the live stream",
    "live.no_cases": "No hearings scheduled today",
    "live.cases.unreachable": "The case system cannot be reached: the schedule shown is the last one read",
    "live.cases.refused": "The case system refused access: ask the technician to check the credentials",
    "live.cases.malformed": "The case system's answer cannot be read: call the technician",
    "live.cases.not_configured": "No case system: type the case number to open a hearing",
    "live.cases.other": "The case system is in trouble",
    "replay.back": "← Console",
    "replay.title": "Hearing replay",
    "replay.hearing": "Hearing",
    "replay.picture": "Picture",
    "replay.time": "Time",
    "replay.go": "Go",
    "replay.marks": "Marks",
    "replay.none": "No software recording yet",
    "replay.loaded": "{segments} segments, {marks} marks",
    "replay.nothing": "Nothing recorded at that time",
    "yes": "yes",
    "no": "no",
    "unknown": "unknown",
  },
};

const KEY = "courtroom.lang";

export function getLanguage() {
  const chosen = localStorage.getItem(KEY);
  return chosen === "en" || chosen === "zh-CN" ? chosen : document.documentElement.lang || "zh-CN";
}

export function chosenLanguage() {
  return localStorage.getItem(KEY);
}

export function setLanguage(lang) {
  localStorage.setItem(KEY, lang);
  document.documentElement.lang = lang;
}

export function has(key) {
  const lang = getLanguage();
  return (STRINGS[lang] && key in STRINGS[lang]) || (CATALOGUE[lang] && key in CATALOGUE[lang]);
}

// A key missing from the catalogue shows as "⟨key⟩" and is reported on the console (a test looks for it).
export function t(key, vars = {}) {
  const lang = getLanguage();
  let text = (STRINGS[lang] || {})[key] ?? (CATALOGUE[lang] || {})[key];
  if (text === undefined) {
    console.warn("no text for", key);
    text = "⟨" + key + "⟩";
  }
  return text.replace(/\{(\w+)\}/g, (_, name) => (vars[name] ?? "—").toString());
}

// t() for a key that may be missing (a kind or code of a newer controller): the fallback text instead.
export function tOr(key, fallback, vars = {}) {
  return has(key) ? t(key, vars) : fallback;
}

// Punctuation of the chosen language.
export const P = {
  get colon() { return getLanguage() === "en" ? ": " : "："; },
  get semi() { return getLanguage() === "en" ? "; " : "；"; },
  get list() { return getLanguage() === "en" ? ", " : "、"; },
  paren(text) { return getLanguage() === "en" ? ` (${text})` : `（${text}）`; },
};

// A mark's text: a mark button's (the foot switch's) in the chosen language, others as the clerk typed them.
export function markText(text, actor) {
  return text === BUTTON_MARK && (!actor || actor.startsWith("button:")) ? t("mark.button") : text;
}

// A configured bilingual name ("审判长 Presiding judge") in the chosen language.
export function localName(name) {
  const match = /^\s*([^A-Za-z]*[\u3400-\u9fff][^A-Za-z]*?)\s+([A-Za-z].*)$/.exec(name || "");
  if (!match) return name;
  return getLanguage() === "en" ? match[2].trim() : match[1].trim();
}

const COMPILED = PROBLEM_PATTERNS.map(([pattern, key]) => [new RegExp(pattern, "i"), key]);

// A raw problem line -> [catalogue key, fields].
export function classify(raw) {
  for (const [re, key] of COMPILED) {
    const found = re.exec(raw || "");
    if (found) return [key, { ...(found.groups || {}) }];
  }
  return ["problem.unknown", {}];
}

// A raw problem line in plain words, naming the device.
export function explain(raw, device = "") {
  const [key, fields] = classify(raw);
  if (fields.transport) fields.transport = tOr("transport." + fields.transport, fields.transport);
  return t(key, { device, ...fields }).replace(/^[：:\s]+|[：:\s]+$/g, "");
}

export function todoFor(raw, device = "") {
  const [key] = classify(raw);
  return t(TODO_BY_PROBLEM[key] || "check.todo.other", { device });
}

// A reason of the live stream's own from its catalogue key and fields (a field naming a catalogue key, or a list
// of them, is said in the chosen language: texts.stream_reason), or the fallback (a cut's words as typed).
export function streamReason(key, fields, fallback = "") {
  if (!key || !has(key)) return fallback || "";
  const say = (v) => (Array.isArray(v) ? v.map(say).join(t("stream.or")) : typeof v === "string" && has(v) ? t(v) : String(v));
  const vars = {};
  for (const [name, value] of Object.entries(fields || {})) vars[name] = say(value);
  return t(key, vars);
}

// An error reply ({code, message}) in plain words.
export function errorText(code, message) {
  if (code === "LOCKED") {
    const seconds = /(\d+)\s*s\b/.exec(message || "");
    if (seconds) return t("err.locked", { seconds: seconds[1] });
  }
  return has("error." + code) ? t("error." + code) : t("error.other", { code });
}

// Elements with data-i18n="key" get their text, data-i18n-placeholder their placeholder.
export function translate(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = t(el.dataset.i18nPlaceholder);
  document.title = t("app.title");
}
