// The record: marks, the current hearing's journal, the case-file export, and the technician's diagnostics
// (supervisors, device details, the room's audit trail, the raw device command).
import { errorText, explain, getLanguage, markText, P, streamReason, t, tOr } from "/static/i18n.js";
import {
  act, actorName, alarmText, api, can, deviceName, fmtDate, fmtDuration, fmtTime, h, on, rawDetail, replace, seatName, store,
} from "/static/core.js";

let journalRows = [];
let journalHearing = null;

// A table with its column headers; on a phone each cell is labelled with its header instead.
function table(testid, headers, rows, cls = "table") {
  const labelled = rows.map((tr) => {
    [...tr.children].forEach((td, i) => td.setAttribute("data-label", headers[i] || ""));
    return tr;
  });
  return h("div", { class: "table-wrap" }, h("table", { class: cls + " responsive", "data-testid": testid },
    h("thead", {}, h("tr", {}, headers.map((x) => h("th", { scope: "col" }, x)))), h("tbody", {}, labelled)));
}

// -- marks ----------------------------------------------------------------------------------------------
function renderMarks() {
  const root = document.getElementById("view-marks");
  const rows = store.marks.map((row) => {
    const d = row.data || {};
    return h("tr", { "data-testid": "mark-row" },
      h("td", {}, fmtTime(row.ts)),
      h("td", {}, fmtDuration(d.offset_s || 0)),
      h("td", {}, d.part ?? ""),
      h("td", { class: "mark-text" }, markText(d.text, row.actor)),
      h("td", {}, d.seat ? seatName(d.seat) : ""),
      h("td", {}, actorName(row.actor, d)));
  });
  replace(root, h("h2", {}, t("tab.marks")), rows.length
    ? table("marks-table", [t("col.time"), t("col.offset"), t("col.part"), t("col.text"), t("col.seat"), t("col.by")], rows)
    : h("p", { class: "muted" }, t("mark.none")));
}

// -- journal --------------------------------------------------------------------------------------------
function actionName(action) {
  return action ? tOr("action." + action, action) : "";
}

// A journal row in plain words; the raw data stays under 详情 for the technician.
export function describe(row) {
  const d = row.data || {};
  const dev = d.device ? deviceName(d.device) : "";
  switch (row.kind) {
    case "mark":
      return `${markText(d.text, row.actor)} (${fmtDuration(d.offset_s || 0)})`;
    case "hearing_interrupted":
      return `${tOr("reason." + d.reason, d.reason || "")}${d.note ? " — " + d.note : ""}`;
    case "alarm_raised":
    case "alarm_cleared":
      return d.kind && d.id ? alarmText(d) : "";
    case "alarm_acknowledged":
      return (d.alarms || []).map((a) => (a.kind && a.id ? alarmText(a) : a.id || "")).join(P.semi);
    case "hearing_opened":
      return [d.case_no, d.title].filter(Boolean).join(" · ");
    case "hearing_check":
    case "hearing_open_refused": {
      const items = (d.items || (d.check || {}).items || []);
      const bad = items.filter((i) => !i.ok).length;
      return bad ? t("journal.check_bad", { n: bad }) : items.length ? t("journal.check_ok") : "";
    }
    case "check_override":
      return (d.override || {}).reason || d.reason || "";
    case "voice_follow":
      return d.seat ? t("vf.current", { seat: seatName(d.seat) }) : d.enabled === true ? t("vf.enabled") : d.enabled === false ? t("vf.disabled") : t("vf.mode." + (d.mode || "auto"));
    case "shot":
      return d.seat ? seatName(d.seat) : "";
    case "device_online":
      return dev;
    case "device_offline":
      return d.reason ? explain(d.reason, dev) : dev;
    case "recorder_reported":
      return [dev, d.transport ? tOr("transport." + d.transport, d.transport) : t("rec.offline")].filter(Boolean).join(" · ");
    case "device_command":
    case "device_command_outcome":
    case "device_command_refused":
    case "macro_step_failed":
    case "shot_failed":
    case "recovery_attempt": {
      const what = [dev, actionName(d.action)].filter(Boolean).join(" · ");
      return d.error ? `${what}${P.colon}${explain(d.error, dev)}` : what;
    }
    case "stream_started":
    case "stream_cut":
    case "stream_stopped":
    case "stream_refused":
      return streamReason(d.reason_key, d.reason_fields, row.kind === "stream_cut" ? d.reason : "");
    case "stream_protect":
      return d.seat ? t(d.protected ? "stream.protect.on" : "stream.protect.off", { seat: seatName(d.seat) }) : "";
    case "console_login":
    case "console_login_failed":
    case "console_logout":
      return d.user || "";
    default:
      return "";
  }
}

function rowDevice(row) {
  const d = row.data || {};
  if (d.device) return d.device;
  return (row.actor || "").startsWith("button:") ? row.actor.slice("button:".length) : null;
}

function journalRow(row) {
  const raw = Object.keys(row.data || {}).length ? JSON.stringify(row.data) : "";
  return h("tr", { class: "kind-" + row.kind, "data-testid": "journal-row", "data-kind": row.kind },
    h("td", {}, fmtTime(row.ts)),
    h("td", {}, tOr("journal." + row.kind, row.kind)),
    h("td", {}, actorName(row.actor, row.data)),
    h("td", { class: "detail" }, describe(row), rawDetail(raw)));
}

const filters = { kind: "", device: "", from: "", to: "" };

function minutesOf(ts) {
  const d = new Date(ts);
  return d.getHours() * 60 + d.getMinutes();
}

function hhmm(value) {
  if (!value) return null;
  const [hh, mm] = (value || "").split(":").map(Number);
  return Number.isFinite(hh) ? hh * 60 + (mm || 0) : null;
}

function filtered(rows) {
  const from = hhmm(filters.from);
  const to = hhmm(filters.to);
  return rows.filter((row) => (!filters.kind || row.kind === filters.kind)
    && (!filters.device || rowDevice(row) === filters.device)
    && (from === null || minutesOf(row.ts) >= from)
    && (to === null || minutesOf(row.ts) <= to));
}

// Kind, device and time filters over the rows.
function filterBar(rows, rerender) {
  const kinds = [...new Set(rows.map((r) => r.kind))];
  const devices = [...new Set(rows.map(rowDevice).filter(Boolean))];
  const kind = h("select", { "data-testid": "filter-kind", onchange: (e) => { filters.kind = e.target.value; rerender(); } },
    h("option", { value: "" }, t("filter.all")), kinds.map((k) => h("option", { value: k, selected: filters.kind === k }, tOr("journal." + k, k))));
  const device = h("select", { "data-testid": "filter-device", onchange: (e) => { filters.device = e.target.value; rerender(); } },
    h("option", { value: "" }, t("filter.all")), devices.map((id) => h("option", { value: id, selected: filters.device === id }, deviceName(id))));
  const from = h("input", { type: "time", value: filters.from, "data-testid": "filter-from", onchange: (e) => { filters.from = e.target.value; rerender(); } });
  const to = h("input", { type: "time", value: filters.to, "data-testid": "filter-to", onchange: (e) => { filters.to = e.target.value; rerender(); } });
  return h("div", { class: "filters", "data-testid": "journal-filters" },
    h("label", {}, h("span", {}, t("filter.kind")), kind),
    h("label", {}, h("span", {}, t("filter.device")), device),
    h("label", {}, h("span", {}, t("filter.from")), from),
    h("label", {}, h("span", {}, t("filter.to")), to));
}

function journalTable(testid, rows) {
  return table(testid, [t("col.time"), t("col.kind"), t("col.by"), t("col.what")], rows.slice().reverse().map(journalRow));
}

function renderJournal() {
  const root = document.getElementById("view-journal");
  if (!root) return;
  const refresh = h("button", { type: "button", "data-testid": "journal-refresh", onclick: loadJournal }, t("journal.refresh"));
  const shown = filtered(journalRows);
  replace(root, h("div", { class: "view-head" }, h("h2", {}, t("tab.journal")), refresh),
    journalRows.length ? filterBar(journalRows, renderJournal) : null,
    shown.length ? journalTable("journal-table", shown) : h("p", { class: "muted" }, t("journal.empty")));
}

async function loadJournal() {
  if (!can("journal")) return;
  const data = await api("GET", "/api/journal").catch(() => ({ hearing_id: null, entries: [] }));
  journalHearing = data.hearing_id;
  journalRows = data.entries;
  renderJournal();
}

// -- export ---------------------------------------------------------------------------------------------
async function renderExport() {
  const root = document.getElementById("view-export");
  const data = await api("GET", "/api/hearings").catch(() => ({ hearings: [] }));
  const hearings = data.hearings.slice().reverse();
  if (!hearings.length) {
    replace(root, h("h2", {}, t("export.title")), h("p", { class: "muted" }, t("export.none")));
    root.dataset.ready = "1";
    return;
  }
  const links = h("div", { class: "row" });
  const select = h("select", { "aria-label": t("export.hearing"), "data-testid": "export-hearing", onchange: () => fill() },
    hearings.map((x) => h("option", { value: x.hearing_id }, `${x.case_no} · ${fmtDate(x.opened_ts)} ${fmtTime(x.opened_ts)}`)));
  const fill = () => {
    const q = encodeURIComponent(select.value);
    replace(links,
      h("a", { class: "button", href: `/api/export?hearing=${q}&format=md`, download: `${select.value}.md`, "data-testid": "export-md" }, t("export.md")),
      h("a", { class: "button", href: `/api/export?hearing=${q}&format=json`, download: `${select.value}.json`, "data-testid": "export-json" }, t("export.json")),
      h("a", { class: "button", href: `/api/export?hearing=${q}&format=pdf&lang=${getLanguage() === "en" ? "en" : "zh"}`, download: `${select.value}.pdf`, "data-testid": "export-pdf" }, t("export.pdf")));
  };
  fill();
  replace(root, h("h2", {}, t("export.title")), select, links);
  root.dataset.ready = "1";
}

// -- diagnostics ----------------------------------------------------------------------------------------
async function renderDiagnostics() {
  const root = document.getElementById("view-diagnostics");
  const data = await api("GET", "/api/diagnostics").catch((exc) => ({ error: errorText(exc.code, exc.message) }));
  if (data.error) {
    replace(root, h("p", { class: "error" }, data.error));
    root.dataset.ready = "1";
    return;
  }
  const sup = Object.entries(data.supervisors).map(([id, s]) => h("tr", {},
    h("td", {}, deviceName(id), " ", h("code", { class: "code" }, id)),
    h("td", {}, s.online ? t("availability.online") : t("availability.offline")),
    h("td", {}, s.connects), h("td", {}, s.failures),
    h("td", { class: "detail" }, (s.last_error || s.reason) ? explain(s.last_error || s.reason, deviceName(id)) : "", rawDetail(s.last_error || s.reason))));
  const details = data.devices.map((d) => h("tr", {},
    h("td", {}, h("code", { class: "code" }, d.id)), h("td", {}, `${d.vendor} ${d.model}`), h("td", {}, h("code", { class: "code" }, d.profile)),
    h("td", {}, d.firmware_label || d.firmware || "—"),
    h("td", { class: "detail" }, h("code", { class: "code" }, d.capabilities.join(", "))),
    h("td", { class: "detail" }, h("code", { class: "code" }, d.actions.join(", ")))));
  const verifyOut = h("span", { "data-testid": "verify-result" });
  const verify = h("button", { type: "button", onclick: async (e) => {
    const r = await act(e.currentTarget, "verify", () => api("GET", "/api/diagnostics?verify=1"));
    const v = r.journal.verify;
    verifyOut.textContent = v.bad_seq === null ? t("diag.verify_ok", { rows: v.rows }) : t("diag.verify_bad", { seq: v.bad_seq });
    replace(verifyOut, verifyOut.textContent, v.problem ? rawDetail(v.problem) : null);
  } }, t("diag.verify"));
  replace(root,
    h("h2", {}, t("diag.title")),
    table("diag-supervisors", [t("col.device"), t("col.link"), t("col.connects"), t("col.failures"), t("col.problem")], sup),
    h("h3", {}, t("diag.devices")),
    table("diag-devices", [t("col.id"), t("col.model"), t("col.profile"), t("col.firmware"), t("col.capabilities"), t("col.actions")], details, "table small"),
    rawForm(data.devices),
    h("div", { class: "row" }, verify, verifyOut),
    h("h3", {}, t("diag.room_journal")),
    await roomJournal());
  root.dataset.ready = "1";
}

function rawForm(devices) {
  const device = h("select", { "data-testid": "raw-device" }, devices.map((d) => h("option", { value: d.id }, `${deviceName(d.id)} (${d.id})`)));
  const action = h("select", { "data-testid": "raw-action" });
  const params = h("textarea", { rows: "3", "data-testid": "raw-params" });
  const out = h("pre", { class: "raw-out code", "data-testid": "raw-result" });
  const fillActions = () => {
    const entry = devices.find((d) => d.id === device.value);
    replace(action, (entry ? entry.actions : []).map((a) => h("option", { value: a }, `${actionName(a)} (${a})`)));
  };
  device.addEventListener("change", fillActions);
  fillActions();
  const send = h("button", { type: "submit", class: "primary", "data-testid": "raw-send" }, t("diag.send"));
  return h("form", { class: "raw", onsubmit: async (e) => {
    e.preventDefault();
    let body;
    try {
      body = params.value.trim() ? JSON.parse(params.value) : {};
    } catch (exc) {
      out.textContent = t("diag.bad_json", { message: String(exc.message || exc) });
      return;
    }
    try {
      const r = await act(send, "raw", () => api("POST", `/api/device/${encodeURIComponent(device.value)}/${encodeURIComponent(action.value)}`, body));
      out.textContent = JSON.stringify(r, null, 2);
    } catch (exc) {
      out.textContent = `${exc.code}: ${exc.message}`;
    }
  } },
  h("h3", {}, t("diag.raw")),
  h("div", { class: "row" }, h("label", {}, t("diag.device"), device), h("label", {}, t("diag.action"), action)),
  h("label", {}, t("diag.params"), params), send, out);
}

async function roomJournal() {
  const data = await api("GET", "/api/journal?scope=room&limit=100").catch(() => ({ entries: [] }));
  return journalTable("room-journal", data.entries);
}

// -- wiring ---------------------------------------------------------------------------------------------
export function showView(name) {
  const root = document.getElementById("view-" + name);
  if (root && (name === "export" || name === "diagnostics")) delete root.dataset.ready;
  if (name === "journal") loadJournal();
  if (name === "export") renderExport();
  if (name === "diagnostics") renderDiagnostics();
  if (name === "marks") renderMarks();
}

export function initRecords() {
  on("marks", renderMarks);
  on("hearing_event", (event) => {
    if (!can("journal") || event.hearing_id !== journalHearing || !journalHearing) return;
    journalRows.push({ ts: event.ts, kind: event.event, actor: event.data.actor, data: event.data });
    renderJournal();
  });
  let hearingId;
  on("hearing", () => {
    if (store.hearing.hearing_id !== hearingId) {
      hearingId = store.hearing.hearing_id;
      loadJournal();
    }
  });
  on("language", () => {
    renderMarks();
    renderJournal();
  });
}
