// The case system's schedule (one press opens a case) and the live stream's buttons (开始直播, 暂停直播, 停止),
// below the hearing panel. Polls /api/cases and /api/stream every two seconds.
import { api, can, h, replace, toast } from "/static/core.js";

const PUBLICITY = { state_secret: "国家秘密 state secret", privacy: "个人隐私 privacy", minor: "未成年人 minor", other: "其他 other" };
const STATES = { off: "未直播 off", live: "直播中 live", cut: "已暂停 cut", refused: "已拒绝 refused" };
let root = null;
let box = null;

function failed(exc) {
  toast(`${exc.code || "ERROR"}: ${exc.message}`, "error");
}

async function press(button, fn) {
  button.disabled = true;
  try {
    await fn();
  } catch (exc) {
    failed(exc);
  } finally {
    button.disabled = false;
    refresh();
  }
}

function caseRow(c, i) {
  const publicity = c.publicity === "public" ? "公开 public" : `不公开 ${PUBLICITY[c.publicity_reason] || ""}`;
  const open = can("hearing")
    ? h("button", { type: "button", class: "primary", "data-testid": `open-case-${i}`, onclick: (e) => press(e.currentTarget, () => api("POST", "/api/cases/open", { case: c.id })) }, "开庭 Open")
    : null;
  return h(
    "li",
    { class: "case-row", "data-testid": `case-${i}` },
    h("div", {}, h("b", {}, c.case_no), " ", c.cause, " ", h("span", { class: "muted" }, c.start)),
    h("div", { class: "muted" }, [c.parties.join("、"), c.judges.join("、"), c.clerk].filter(Boolean).join(" · ")),
    h("div", { class: c.publicity === "public" ? "public" : "not-public", "data-testid": `publicity-${i}` }, publicity),
    open,
  );
}

function render(cases, stream) {
  const status = cases.status === "ok" ? "" : ` — ${cases.status}: ${cases.problem || ""}`;
  const refreshButton = can("hearing")
    ? h("button", { type: "button", class: "link", "data-testid": "cases-refresh", onclick: (e) => press(e.currentTarget, () => api("POST", "/api/cases/refresh", {})) }, "刷新 Refresh")
    : null;
  const reason = h("input", { maxlength: "200", placeholder: "暂停原因 reason", "data-testid": "cut-reason" });
  const streamButtons = [
    h("button", { type: "button", class: "big primary", "data-testid": "stream-start", onclick: (e) => press(e.currentTarget, () => api("POST", "/api/stream/start", {})) }, "开始直播 Start"),
    h("button", { type: "button", class: "big danger", "data-testid": "stream-cut", onclick: (e) => press(e.currentTarget, () => api("POST", "/api/stream/cut", { reason: reason.value.trim() || "一键暂停 one-press cut" })) }, "暂停直播 Cut"),
    h("button", { type: "button", class: "big", "data-testid": "stream-stop", onclick: (e) => press(e.currentTarget, () => api("POST", "/api/stream/stop", {})) }, "停止 Stop"),
  ];
  const why = stream.reason ? ` (${stream.reason})` : "";
  replace(
    box.schedule,
    h("h2", {}, "今日排期 Today's hearings", refreshButton),
    h("div", { class: cases.status === "ok" ? "muted" : "error", "data-testid": "cases-status" }, `${cases.day}${status}`),
    h("ol", { class: "cases" }, cases.cases.map(caseRow)),
  );
  replace(
    box.stream,
    h("h2", {}, "庭审直播 Live stream"),
    h("div", { class: "stream-state stream-" + stream.state, "data-testid": "stream-state" }, (STATES[stream.state] || stream.state) + why),
    stream.protected.length ? h("div", { class: "muted" }, "遮挡 protected: " + stream.protected.join(", ")) : null,
    h("div", { class: "controls" }, streamButtons),
    reason,
  );
}

async function refresh() {
  try {
    const [cases, stream] = await Promise.all([api("GET", "/api/cases"), api("GET", "/api/stream")]);
    render(cases, stream);
  } catch (exc) {
    if (exc.status === 404) root.hidden = true; // a daemon without the live services
  }
}

export function initLive() {
  root = document.getElementById("live-panel");
  if (!root) return;
  box = { schedule: h("div", { "data-testid": "schedule" }), stream: h("div", { "data-testid": "stream" }) };
  replace(root, box.schedule, box.stream);
  refresh();
  setInterval(refresh, 2000);
}
