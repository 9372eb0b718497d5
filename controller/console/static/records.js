// The record: marks, the current hearing's journal, the case-file export, and the technician's diagnostics
// (supervisors, device details, the room's audit trail, the raw device command).
import { getLanguage, kindLabel, t } from "/static/i18n.js";
import { act, api, can, fmtDuration, fmtTime, h, on, replace, store } from "/static/core.js";

let journalRows = [];
let journalHearing = null;

// -- marks ----------------------------------------------------------------------------------------------
function renderMarks() {
  const root = document.getElementById("view-marks");
  const rows = store.marks.map((row) => {
    const d = row.data || {};
    return h("tr", { "data-testid": "mark-row" },
      h("td", {}, fmtTime(row.ts)),
      h("td", {}, fmtDuration(d.offset_s || 0)),
      h("td", {}, d.part ?? ""),
      h("td", { class: "mark-text" }, d.text),
      h("td", {}, d.seat || ""),
      h("td", {}, (row.actor || "").replace(/^console:/, "")));
  });
  replace(root, h("h2", {}, t("tab.marks")), rows.length
    ? h("table", { class: "table", "data-testid": "marks-table" }, h("tbody", {}, rows))
    : h("p", { class: "muted" }, t("mark.none")));
}

// -- journal --------------------------------------------------------------------------------------------
function describe(row) {
  const d = { ...(row.data || {}) };
  delete d.actor;
  switch (row.kind) {
    case "mark":
      return `${d.text} (${fmtDuration(d.offset_s || 0)})`;
    case "hearing_interrupted":
      return `${d.label || d.reason}${d.note ? " — " + d.note : ""}`;
    case "alarm_raised":
    case "alarm_cleared":
      return d.message || "";
    case "hearing_opened":
      return [d.case_no, d.title, d.clip].filter(Boolean).join(" · ");
    default:
      return JSON.stringify(d);
  }
}

function journalRow(row) {
  return h("tr", { class: "kind-" + row.kind, "data-testid": "journal-row", "data-kind": row.kind },
    h("td", {}, fmtTime(row.ts)),
    h("td", {}, kindLabel(row.kind)),
    h("td", {}, (row.actor || "").replace(/^console:/, "")),
    h("td", { class: "detail" }, describe(row)));
}

function renderJournal() {
  const root = document.getElementById("view-journal");
  const refresh = h("button", { type: "button", "data-testid": "journal-refresh", onclick: loadJournal }, t("journal.refresh"));
  replace(root, h("div", { class: "view-head" }, h("h2", {}, `${t("tab.journal")} ${journalHearing || ""}`), refresh),
    journalRows.length
      ? h("table", { class: "table", "data-testid": "journal-table" }, h("tbody", {}, journalRows.slice().reverse().map(journalRow)))
      : h("p", { class: "muted" }, t("journal.empty")));
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
    return;
  }
  const links = h("div", { class: "row" });
  const select = h("select", { "data-testid": "export-hearing", onchange: () => fill() },
    hearings.map((x) => h("option", { value: x.hearing_id }, `${x.case_no} · ${x.hearing_id} · ${fmtTime(x.opened_ts)}`)));
  const fill = () => {
    const q = encodeURIComponent(select.value);
    replace(links,
      h("a", { class: "button", href: `/api/export?hearing=${q}&format=md`, download: `${select.value}.md`, "data-testid": "export-md" }, t("export.md")),
      h("a", { class: "button", href: `/api/export?hearing=${q}&format=json`, download: `${select.value}.json`, "data-testid": "export-json" }, t("export.json")),
      h("a", { class: "button", href: `/api/export?hearing=${q}&format=pdf&lang=${getLanguage() === "en" ? "en" : "zh"}`, download: `${select.value}.pdf`, "data-testid": "export-pdf" }, t("export.pdf")));
  };
  fill();
  replace(root, h("h2", {}, t("export.title")), select, links);
}

// -- diagnostics ----------------------------------------------------------------------------------------
async function renderDiagnostics() {
  const root = document.getElementById("view-diagnostics");
  const data = await api("GET", "/api/diagnostics").catch((exc) => ({ error: exc.message }));
  if (data.error) {
    replace(root, h("p", { class: "error" }, data.error));
    return;
  }
  const sup = Object.entries(data.supervisors).map(([id, s]) => h("tr", {},
    h("td", {}, id), h("td", {}, s.online ? t("health.ok") : t("health.offline")), h("td", {}, s.connects), h("td", {}, s.failures), h("td", { class: "detail" }, s.last_error || s.reason || "")));
  const details = data.devices.map((d) => h("tr", {},
    h("td", {}, d.id), h("td", {}, `${d.vendor} ${d.model}`), h("td", {}, d.profile), h("td", {}, d.firmware_label || d.firmware || "—"),
    h("td", { class: "detail" }, d.capabilities.join(", ")), h("td", { class: "detail" }, d.actions.join(", "))));
  const verifyOut = h("span", { "data-testid": "verify-result" });
  const verify = h("button", { type: "button", onclick: async (e) => {
    const r = await act(e.currentTarget, "verify", () => api("GET", "/api/diagnostics?verify=1"));
    const v = r.journal.verify;
    verifyOut.textContent = v.bad_seq === null ? `${v.rows} ✔` : `✘ row ${v.bad_seq}: ${v.problem}`;
  } }, t("diag.verify"));
  replace(root,
    h("h2", {}, t("diag.title")),
    h("table", { class: "table", "data-testid": "diag-supervisors" }, h("tbody", {}, sup)),
    h("table", { class: "table small", "data-testid": "diag-devices" }, h("tbody", {}, details)),
    rawForm(data.devices),
    h("div", { class: "row" }, verify, verifyOut),
    h("h3", {}, t("diag.room_journal")),
    await roomJournal());
}

function rawForm(devices) {
  const device = h("select", { "data-testid": "raw-device" }, devices.map((d) => h("option", { value: d.id }, `${d.id} (${d.kind})`)));
  const action = h("select", { "data-testid": "raw-action" });
  const params = h("textarea", { rows: "3", "data-testid": "raw-params", placeholder: '{"preset": 1}' });
  const out = h("pre", { class: "raw-out", "data-testid": "raw-result" });
  const fillActions = () => {
    const entry = devices.find((d) => d.id === device.value);
    replace(action, (entry ? entry.actions : []).map((a) => h("option", { value: a }, a)));
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
      out.textContent = String(exc);
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
  return h("table", { class: "table small", "data-testid": "room-journal" }, h("tbody", {}, data.entries.slice().reverse().map((row) => h("tr", {},
    h("td", {}, fmtTime(row.ts)), h("td", {}, row.kind), h("td", {}, row.actor), h("td", { class: "detail" }, JSON.stringify(row.data))))));
}

// -- wiring ---------------------------------------------------------------------------------------------
export function showView(name) {
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
