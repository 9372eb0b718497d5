// The header (hearing state, clock, recorders, the NOT RECORDING banner) and the hearing panel: controls,
// the pre-hearing check with its override path, alarms and the mark box.
import { explain, markText, P, t, todoFor, tOr } from "/static/i18n.js";
import {
  act, actorName, alarmText, api, ApiFailure, can, confirmDialog, deviceName, emit, fmtDuration, fmtTime, h, modal,
  on, rawDetail, replace, serverNow, store, toast,
} from "/static/core.js";
import { setRinging } from "/static/sound.js";

// An interruption's note: as the person typed it, or, for one the controller declared itself (recorders found
// stopped at its restart), its words in the page's language with device names; the raw English stays in the journal.
function interruptionNote(i) {
  if (i.note_key && tOr("note." + i.note_key, "")) {
    const recorders = Object.entries(i.note_fields?.recorders || {}).map(([id, transport]) =>
      t("note.reports", { device: deviceName(id), transport: tOr("transport." + transport, transport) }));
    return ` (${t("note." + i.note_key, { recorders: recorders.join(t("note.and")) })})`;
  }
  return i.note ? ` (${i.note})` : "";
}

// Alarms that ring until a clerk acknowledges them.
const SOUNDING = ["not_recording", "journal_unavailable"];

const OPENABLE = ["idle", "ready", "closed"];
let panel = null; // references to the panel's parts, built once
let lastCheckFailed = false;

// -- header ---------------------------------------------------------------------------------------------
function renderHeader() {
  const hs = store.hearing;
  if (!hs) return;
  const phase = document.getElementById("hearing-phase");
  phase.textContent = t("phase." + hs.state);
  phase.className = "phase phase-" + hs.state;
  phase.dataset.state = hs.state;
  const recorders = document.getElementById("recorders");
  replace(
    recorders,
    (store.session.recorders || []).map((id) => {
      const transport = hs.recorders[id];
      const recording = transport === "record";
      const label = transport === null || transport === undefined ? t("rec.offline") : recording ? t("rec.record") : transport === "stopped" ? t("rec.stopped") : tOr("transport." + transport, transport);
      return h(
        "div",
        { class: "rec " + (recording ? "rec-on" : transport ? "rec-off" : "rec-unknown"), "data-testid": "rec-" + id, "data-transport": transport || "offline" },
        h("span", { class: "rec-dot", "aria-hidden": "true" }),
        h("span", { class: "rec-text" }, h("b", {}, label), h("small", {}, deviceName(id))),
      );
    }),
  );
  const notRecording = hs.recording === "not_recording" || hs.alarms.some((a) => a.kind === "not_recording");
  const unknown = !notRecording && hs.recording === "unknown";  // a recorder cannot be reached: state unknown
  const journalDown = hs.alarms.some((a) => a.kind === "journal_unavailable");
  const banner = document.getElementById("banner");
  banner.hidden = !(notRecording || unknown || journalDown);
  const sounding = hs.alarms.filter((a) => SOUNDING.includes(a.kind));
  const ackOf = (a) => (store.acks[a.id] && store.acks[a.id].since_ts === a.since_ts ? store.acks[a.id] : null);
  const unacked = sounding.filter((a) => !ackOf(a));
  if (notRecording || unknown || journalDown) {
    const kind = notRecording ? "not_recording" : unknown ? "recorder_unreachable" : "journal_unavailable";
    const why = hs.alarms.filter((a) => a.kind === kind).map(alarmText).join(P.semi);
    const acked = sounding.map(ackOf).filter(Boolean);
    const ack = unacked.length && can("hearing")
      ? h("button", { type: "button", class: "ack", "data-testid": "alarm-ack", onclick: (e) => acknowledge(e.currentTarget, unacked) }, t("alarm.ack"))
      : null;
    const ackNote = !unacked.length && acked.length
      ? h("span", { class: "acked", "data-testid": "alarm-acked" }, t("alarm.acked", { who: actorName(acked[0].actor, acked[0]), time: fmtTime(acked[0].ts) }))
      : null;
    replace(banner, h("div", { class: "banner-row" }, h("b", {}, t("banner." + kind)), ack), why ? h("span", {}, why) : null, ackNote ? h("div", {}, ackNote) : null);
  }
  document.body.classList.toggle("not-recording", notRecording);
  setRinging(unacked.length > 0);
  tickClock();
}

async function acknowledge(btn, alarms) {
  const result = await act(btn, "ack", () => api("POST", "/api/alarm/ack", { alarms: alarms.map((a) => a.id) }));
  store.acks = result.acks || store.acks;
  renderHeader();
}

function recordedSeconds(hs) {
  const running = hs.state === "in_session" || (hs.state === "interrupted" && hs.interruption && hs.interruption.reason === "fault");
  return hs.recorded_s + (running ? Math.max(0, serverNow() - hs.ts) / 1000 : 0);
}

function tickClock() {
  const hs = store.hearing;
  const clock = document.getElementById("hearing-clock");
  if (!hs || !hs.opened_ts || hs.state === "idle" || hs.state === "ready") {
    clock.textContent = "";
    return;
  }
  const end = hs.state === "closed" ? hs.since_ts : serverNow();
  const parts = [`${t("elapsed.session")} ${fmtDuration((end - hs.opened_ts) / 1000)}`, `${t("elapsed.recorded")} ${fmtDuration(recordedSeconds(hs))}`];
  if (hs.state === "interrupted") parts.push(`${t("elapsed.interrupted")} ${fmtDuration((serverNow() - hs.since_ts) / 1000)}`);
  clock.textContent = parts.join(" · ");
}

// -- panel ----------------------------------------------------------------------------------------------
function buildPanel() {
  const root = document.getElementById("hearing-panel");
  const p = {
    caseInfo: h("div", { class: "case-info", "data-testid": "case-info" }),
    controls: h("div", { class: "controls", "data-testid": "hearing-controls" }),
    openForm: null,
    check: h("div", { class: "check", "data-testid": "check-result" }),
    alarms: h("div", { class: "alarms", "data-testid": "alarms" }),
    mark: null,
    recentMarks: h("ol", { class: "recent-marks", "data-testid": "recent-marks" }),
  };
  if (can("hearing")) {
    p.caseNo = h("input", { id: "open-case-no", name: "case_no", required: true, maxlength: "64", "data-testid": "open-case-no" });
    p.title = h("input", { id: "open-title", name: "title", maxlength: "200", "data-testid": "open-title" });
    p.parties = h("textarea", { id: "open-parties", name: "parties", rows: "2", "data-testid": "open-parties" });
    p.openForm = h(
      "form",
      { class: "open-form", "data-testid": "open-form", onsubmit: (e) => { e.preventDefault(); openHearing(null); } },
      h("label", {}, h("span", { "data-i18n": "form.case_no" }, t("form.case_no")), p.caseNo),
      h("label", {}, h("span", { "data-i18n": "form.title" }, t("form.title")), p.title),
      h("label", {}, h("span", { "data-i18n": "form.parties" }, t("form.parties")), p.parties),
    );
    p.markText = h("input", { id: "mark-text", maxlength: "500", placeholder: t("mark.placeholder"), "aria-label": t("mark.label"), "data-i18n-placeholder": "mark.placeholder", "data-testid": "mark-text" });
    p.markButton = h("button", { type: "submit", class: "primary", "data-testid": "btn-mark", "data-i18n": "mark.add" }, t("mark.add"));
    p.mark = h("form", { class: "mark-form", onsubmit: (e) => { e.preventDefault(); addMark(); } }, p.markText, p.markButton);
  }
  replace(
    root,
    h("h2", { id: "hearing-title", "data-i18n": "hearing.title" }, t("hearing.title")),
    p.caseInfo,
    p.alarms,
    p.controls,
    p.openForm,
    p.check,
    p.mark,
    p.recentMarks,
  );
  panel = p;
}

function button(key, testid, onclick, cls = "") {
  return h("button", { type: "button", class: "big " + cls, "data-testid": testid, onclick }, t(key));
}

function renderPanel() {
  const hs = store.hearing;
  if (!hs) return;
  if (!panel) buildPanel();
  replace(
    panel.caseInfo,
    h("div", { class: "case-no" }, hs.case_no ? t("hearing.case", { case_no: hs.case_no }) : t("hearing.no_case")),
    hs.title ? h("div", { class: "case-title" }, hs.title) : null,
    hs.parties.length ? h("div", { class: "case-parties" }, hs.parties.join(" · ")) : null,
    hs.interruption ? h("div", { class: "interruption", "data-testid": "interruption" }, t("hearing.interrupted_for", { label: reasonLabel(hs.interruption.reason) }), interruptionNote(hs.interruption)) : null,
  );
  replace(
    panel.alarms,
    hs.alarms.map((a) => h("div", { class: "alarm alarm-" + a.severity, "data-testid": "alarm-" + a.kind }, h("b", {}, fmtTime(a.since_ts)), " ", alarmText(a), rawDetail(a.message))),
  );
  const controls = [];
  if (can("hearing")) {
    const openable = OPENABLE.includes(hs.state);
    if (openable) {
      controls.push(button("hearing.check", "btn-check", (e) => runCheck(e.currentTarget)));
      controls.push(button("hearing.open", "btn-open", (e) => openHearing(e.currentTarget), "primary"));
    }
    if (hs.state === "in_session") controls.push(button("hearing.interrupt", "btn-interrupt", (e) => interrupt(e.currentTarget), "warn"));
    if (hs.state === "interrupted") controls.push(button("hearing.resume", "btn-resume", (e) => resume(e.currentTarget), "primary"));
    if (hs.state === "in_session" || hs.state === "interrupted") controls.push(button("hearing.close", "btn-close", (e) => closeHearing(e.currentTarget), "danger"));
    panel.openForm.hidden = !openable;
    panel.mark.hidden = !(hs.state === "in_session" || hs.state === "interrupted");
  }
  replace(panel.controls, controls);
  renderCheck();
  renderRecentMarks();
}

function reasonLabel(reason) {
  return tOr("reason." + reason, reason);
}

// A check line in plain words: what is needed, which device, what is wrong and what to do.
function checkNeed(item) {
  const found = /^(camera|microphone|seat) for (.+)$/.exec(item.need || "");
  if (found) return t("check.need." + found[1], { seat: tOr("seat." + found[2], found[2]) });
  return tOr("check.need." + item.need, item.need);
}

function checkLine(item) {
  const device = item.device ? deviceName(item.device) : "";
  const need = checkNeed(item);
  if (item.ok) {
    return h("li", { class: "ok", "data-testid": "check-item", "data-ok": "true" }, h("span", { class: "mark-icon" }, "✔"), ` ${need}`, device ? P.paren(device) : "");
  }
  const problem = explain(item.problem, device || need);
  const warn = /nearly full/.test(item.problem || "");
  return h("li", { class: warn ? "warn" : "bad", "data-testid": "check-item", "data-ok": "false" },
    h("span", { class: "mark-icon" }, warn ? "⚠" : "✘"), " ", h("b", {}, need), device ? P.paren(device) : "", P.colon, problem,
    h("span", { class: "todo" }, t("check.todo", { todo: todoFor(item.problem, device || need) })),
    rawDetail(item.problem));
}

function renderCheck() {
  const check = store.hearing.check;
  if (!check) {
    replace(panel.check, OPENABLE.includes(store.hearing.state) ? h("p", { class: "muted" }, t("check.none")) : null);
    return;
  }
  const fresh = ["idle", "ready"].includes(store.hearing.state) || (lastCheckFailed && OPENABLE.includes(store.hearing.state));
  if (!fresh) {
    replace(panel.check); // in session the check is history; after closing, the next hearing needs a new one
    return;
  }
  const failed = check.items.filter((i) => !i.ok);
  const passed = check.items.filter((i) => i.ok);
  const overridable = !check.ok && lastCheckFailed && can("hearing");
  replace(
    panel.check,
    h("h3", { class: check.ok ? "ok" : "bad", "data-testid": "check-status", "data-ok": String(check.ok) }, `${t("check.title")}${P.colon}${check.ok ? t("check.ok") : t("check.failed", { n: failed.length })} · ${fmtTime(check.ts)}`),
    failed.length ? h("ul", { class: "check-items", "data-testid": "check-failed" }, failed.map(checkLine)) : null,
    overridable ? h("button", { type: "button", class: "danger", "data-testid": "btn-override", onclick: (e) => overrideDialog(e.currentTarget) }, t("check.override")) : null,
    passed.length
      ? h("details", { class: "check-ok-more", open: failed.length ? null : true }, h("summary", {}, t("check.passed_items", { n: passed.length })), h("ul", { class: "check-items" }, passed.map(checkLine)))
      : null,
  );
}

async function overrideDialog(btn) {
  const values = await modal({
    title: t("check.override_title"),
    testid: "override-dialog",
    danger: true,
    okText: t("check.override"),
    build: (body) => {
      const chosen = { reason: "" };
      const reason = h("textarea", { id: "override-reason", rows: "3", minlength: "4", maxlength: "500", required: true, "data-testid": "override-reason", oninput: (e) => (chosen.reason = e.target.value) });
      body.append(h("p", {}, t("check.override_note")), h("label", {}, h("span", {}, t("check.override_reason")), reason));
      setTimeout(() => reason.focus(), 0);
      return chosen;
    },
  });
  if (values && values.reason.trim()) await openHearing(btn, values.reason.trim());
}

function renderRecentMarks() {
  const recent = store.marks.slice(-5).reverse();
  replace(panel.recentMarks, recent.map(markItem));
}

export function markItem(row) {
  const d = row.data || {};
  return h(
    "li",
    { class: "mark-row" },
    h("span", { class: "mark-time" }, fmtTime(row.ts)),
    h("span", { class: "mark-offset" }, t("mark.offset", { offset: fmtDuration(d.offset_s || 0) })),
    h("span", { class: "mark-text" }, markText(d.text, row.actor)),
    h("small", { class: "mark-actor" }, actorName(row.actor, row.data)),
  );
}

// -- commands -------------------------------------------------------------------------------------------
async function hearingCommand(button, action, params) {
  const result = await act(button, action, () => api("POST", "/api/hearing/" + action, params));
  if (result.hearing) {
    store.hearing = result.hearing;
    emit("hearing");
  }
  return result;
}

async function runCheck(btn) {
  const result = await hearingCommand(btn, "check", {});
  lastCheckFailed = !result.data.ok;
  renderPanel();
}

async function openHearing(btn, overrideReason) {
  if (!panel.openForm.reportValidity()) return;
  const params = {
    case_no: panel.caseNo.value.trim(),
    title: panel.title.value.trim(),
    parties: panel.parties.value.split("\n").map((s) => s.trim()).filter(Boolean),
  };
  if (overrideReason) params.override_reason = overrideReason;
  btn = btn || panel.controls.querySelector("[data-testid=btn-open]");
  try {
    await hearingCommand(btn, "open", params);
    lastCheckFailed = false;
    store.marks = [];
    panel.openForm.reset();
    renderPanel();
  } catch (exc) {
    if (exc instanceof ApiFailure && exc.code === "CHECK_FAILED") {
      lastCheckFailed = true;
      if (exc.body.check) store.hearing.check = exc.body.check;
      renderPanel();
      const override = panel.check.querySelector("[data-testid=btn-override]");
      if (override) override.focus();
    }
  }
}

async function interrupt(btn) {
  const values = await modal({
    title: t("interrupt.title"),
    testid: "interrupt-dialog",
    okText: t("hearing.interrupt"),
    build: (body) => {
      const chosen = { reason: "recess", note: "" };
      const list = h("div", { class: "reasons" });
      for (const reason of Object.keys(store.session.reasons)) {
        const input = h("input", { type: "radio", name: "reason", value: reason, checked: reason === "recess", "data-testid": "reason-" + reason, onchange: () => (chosen.reason = reason) });
        list.append(h("label", { class: "reason-choice" }, input, h("b", {}, reasonLabel(reason))));
      }
      const note = h("input", { maxlength: "500", "data-testid": "interrupt-note", oninput: (e) => (chosen.note = e.target.value) });
      body.append(list, h("label", {}, h("span", {}, t("interrupt.note")), note));
      return chosen;
    },
  });
  if (values) await hearingCommand(btn, "interrupt", { reason: values.reason, note: values.note.trim() });
}

async function resume(btn) {
  await hearingCommand(btn, "resume", {});
}

async function closeHearing(btn) {
  const yes = await confirmDialog(t("hearing.close"), t("confirm.close"), { danger: true, okText: t("hearing.close"), testid: "close-dialog" });
  if (yes) await hearingCommand(btn, "close", {});
}

async function addMark() {
  const text = panel.markText.value.trim();
  if (!text) {
    panel.markText.focus();
    return;
  }
  await act(panel.markButton, "mark", () => api("POST", "/api/hearing/mark", { text }));
  panel.markText.value = "";
  toast(t("ok.done", { what: text }));
}

export async function loadMarks() {
  try {
    const data = await api("GET", "/api/marks");
    store.marks = data.marks;
  } catch {
    store.marks = [];
  }
  emit("marks");
}

// Ctrl+M or F2: to the mark box (and, with text in it, add the mark).
function shortcuts(event) {
  if (!panel || !panel.mark || panel.mark.hidden) return;
  const ctrlM = (event.ctrlKey || event.metaKey) && (event.key === "m" || event.key === "M");
  if (!ctrlM && event.key !== "F2") return;
  event.preventDefault();
  if (document.activeElement === panel.markText && panel.markText.value.trim()) addMark();
  else {
    panel.markText.focus();
    panel.markText.select();
  }
}

export function initHearing() {
  let hearingId = null;
  on("hearing", () => {
    renderHeader();
    renderPanel();
    if (store.hearing.hearing_id !== hearingId) {
      hearingId = store.hearing.hearing_id;
      loadMarks();
    }
  });
  on("devices", renderHeader);
  on("marks", () => panel && renderRecentMarks());
  on("hearing_event", (event) => {
    if (event.event === "mark") {
      store.marks.push({ ts: event.ts, kind: "mark", actor: event.data.actor, data: event.data });
      emit("marks");
    }
  });
  on("language", () => {
    panel = null;
    renderHeader();
    renderPanel();
  });
  document.addEventListener("keydown", shortcuts);
  setInterval(tickClock, 1000);
}
