// The fleet view: asks /api/fleet every second and draws a tile per room (text only: no markup from rooms).
"use strict";

const PHASES = { idle: "空闲 Idle", ready: "就绪 Ready", in_session: "开庭 In session", interrupted: "休庭 Interrupted",
  closed: "闭庭 Closed", unknown: "未知 Unknown" };
const LEVELS = { ok: "正常 OK", warning: "注意 Warning", error: "告警 Alarm", stale: "未上报 Not reporting" };
let role = "viewer";

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

function clock(ms) {
  return new Date(ms).toLocaleTimeString("zh-CN", { hour12: false });
}

function ago(ms, now) {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 90) return `${s} 秒前 s ago`;
  if (s < 5400) return `${Math.round(s / 60)} 分钟前 min ago`;
  return `${Math.round(s / 3600)} 小时前 h ago`;
}

function toast(text, bad) {
  const t = el("div", "toast" + (bad ? " error" : ""), text);
  document.getElementById("toasts").append(t);
  setTimeout(() => t.remove(), 4000);
}

async function republish(room, button) {
  button.disabled = true;
  try {
    const r = await fetch(`/api/rooms/${encodeURIComponent(room)}/republish`,
      { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
    const body = await r.json();
    if (r.ok) toast(`${room}: 已请求重新上报 republish requested`);
    else toast(`${room}: ${body.error.message}`, true);
  } catch (e) {
    toast(`${room}: ${e}`, true);
  } finally {
    button.disabled = false;
  }
}

// The room's WAN link to the central cluster: down since when, or how long its last outage lasted.
function linkText(link) {
  const late = link.late_events ? `, 迟到事件 ${link.late_events} late events` : "";
  if (link.state === "down" && link.down_since_ms) {
    return `中心链路中断 WAN down since ${clock(link.down_since_ms)} (${link.down_s} s)${late}`;
  }
  if (link.last_outage) {
    return `中心链路曾中断 ${link.last_outage.s} 秒 WAN was down ${link.last_outage.s} s, until ${clock(link.last_outage.to_ms)}${late}`;
  }
  if (link.state === "unknown") return "中心链路状态未知 WAN link unknown";
  return "";
}

function tile(r, now) {
  const t = el("section", `tile level-${r.level}`);
  t.dataset.room = r.room_id;
  t.dataset.level = r.level;
  const head = el("div", "tile-head");
  head.append(el("b", "", r.name || r.room_id), el("span", "level", LEVELS[r.level]));
  t.append(head, el("span", "tile-kind", r.room_id));
  const hearing = el("div", "row");
  hearing.append(el("span", `phase phase-${r.hearing}`, PHASES[r.hearing] || r.hearing));
  if (r.case_no) hearing.append(el("span", "case", ` ${r.case_no}`));
  t.append(hearing);
  t.append(r.recording === "recording" ? el("span", "rec-flag", "● 录像中 Recording")
    : el("span", "rec-off muted", `录像 ${r.recording}`));
  const offline = el("span", "offline");
  offline.textContent = r.offline_devices.length
    ? `离线设备 Offline (${r.offline_devices.length}/${r.devices}): ${r.offline_devices.join(", ")}`
    : `设备 ${r.devices} 台全部在线 All ${r.devices} devices online`;
  t.append(offline);
  for (const a of r.alarms) t.append(el("div", `alarm alarm-${a.severity}`, a.message));
  const link = linkText(r.link || { state: "unknown" });
  if (link) t.append(el("div", `link link-${r.link.state}`, link));
  const foot = el("div", "tile-foot");
  const seen = el("span", "seen", r.last_seen_ms ? `最后上报 Last seen ${clock(r.last_seen_ms)} (${ago(r.last_seen_ms, now)})`
    : "从未上报 Never seen");
  foot.append(seen);
  if (role === "technician") {
    const b = el("button", "small", "重新上报 Republish");
    b.onclick = () => republish(r.room_id, b);
    foot.append(b);
  }
  t.append(foot);
  return t;
}

function counts(rooms) {
  const box = document.getElementById("counts");
  const n = (pred) => rooms.filter(pred).length;
  const items = [
    ["法庭 Rooms", rooms.length],
    ["开庭 In session", n((r) => r.hearing === "in_session")],
    ["录像 Recording", n((r) => r.recording === "recording")],
    ["告警 Alarms", n((r) => r.level === "error")],
    ["未上报 Silent", n((r) => r.level === "stale")],
  ];
  box.replaceChildren(...items.map(([label, value]) => {
    const d = el("div", "count");
    d.append(el("b", "", String(value)), el("span", "", label));
    return d;
  }));
}

async function refresh() {
  try {
    const r = await fetch("/api/fleet", { cache: "no-store" });
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    const data = await r.json();
    role = data.role;
    document.getElementById("user").textContent = `${data.user} (${data.role === "technician" ? "技术员 technician" : "查看 viewer"})`;
    document.getElementById("central").textContent = data.connected_to ? `中心 ${data.connected_to}` : "中心未连接 central not connected";
    document.getElementById("lost").hidden = Boolean(data.connected_to);
    document.getElementById("empty").hidden = data.rooms.length > 0;
    counts(data.rooms);
    document.getElementById("rooms").replaceChildren(...data.rooms.map((room) => tile(room, data.now_ms)));
  } catch (e) {
    document.getElementById("lost").hidden = false;
  }
}

refresh();
setInterval(refresh, 1000);
