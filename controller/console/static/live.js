// The case system's schedule (one press opens a case) and the live stream's buttons (开始直播, 暂停直播, 停止),
// below the hearing panel. Polls /api/cases and /api/stream every two seconds. Every word comes from the
// catalogue (i18n.js, texts.js); the case system's own words (case numbers, causes, names) are shown as given.
import { act, api, can, h, rawDetail, replace, seatName } from "/static/core.js";
import { P, streamReason, t, tOr } from "/static/i18n.js";

let root = null;
let box = null;

async function press(button, fn) {
  try {
    await act(button, "", fn); // a failure is shown in plain words by act()
  } catch {
    // shown already
  } finally {
    refresh();
  }
}

function publicityText(c) {
  if (c.publicity === "public") return t("live.public");
  const reason = c.publicity_reason ? tOr("live.publicity." + c.publicity_reason, t("live.publicity.other")) : "";
  return t("live.not_public", { reason }).trim();
}

function caseRow(c, i) {
  const open = can("hearing")
    ? h("button", { type: "button", class: "primary", "data-testid": `open-case-${i}`, onclick: (e) => press(e.currentTarget, () => api("POST", "/api/cases/open", { case: c.id })) }, t("live.open"))
    : null;
  return h(
    "li",
    { class: "case-row", "data-testid": `case-${i}` },
    h("div", {}, h("b", {}, c.case_no), " ", c.cause, " ", h("span", { class: "muted" }, c.start)),
    h("div", { class: "muted" }, [c.parties.join(P.list), c.judges.join(P.list), c.clerk].filter(Boolean).join(" · ")),
    h("div", { class: c.publicity === "public" ? "public" : "not-public", "data-testid": `publicity-${i}` }, publicityText(c)),
    open,
  );
}

function casesStatus(cases) {
  if (cases.status === "ok") return cases.day;
  return cases.day + P.colon + tOr("live.cases." + cases.status, t("live.cases.other"));
}

function streamState(stream) {
  const label = tOr("live.state." + stream.state, stream.state);
  // a cut's reason is the clerk's own words; the others (a refusal, a stop) in the catalogue's words, their raw
  // English under 详情 for the technician
  const fallback = stream.state === "cut" ? stream.reason : "";
  const why = streamReason(stream.reason_key, stream.reason_fields, fallback);
  return why ? label + P.paren(why) : label;
}

function render(cases, stream) {
  const refreshButton = can("hearing")
    ? h("button", { type: "button", class: "link", "data-testid": "cases-refresh", onclick: (e) => press(e.currentTarget, () => api("POST", "/api/cases/refresh", {})) }, t("live.refresh"))
    : null;
  const reason = h("input", { maxlength: "200", placeholder: t("live.cut_reason"), "aria-label": t("live.cut_reason"), "data-testid": "cut-reason" });
  const streamButtons = [
    h("button", { type: "button", class: "big primary", "data-testid": "stream-start", onclick: (e) => press(e.currentTarget, () => api("POST", "/api/stream/start", {})) }, t("live.start")),
    h("button", { type: "button", class: "big danger", "data-testid": "stream-cut", onclick: (e) => press(e.currentTarget, () => api("POST", "/api/stream/cut", { reason: reason.value.trim() || t("live.cut_default") })) }, t("live.cut")),
    h("button", { type: "button", class: "big", "data-testid": "stream-stop", onclick: (e) => press(e.currentTarget, () => api("POST", "/api/stream/stop", {})) }, t("live.stop")),
  ];
  const listed = cases.cases.length
    ? h("ol", { class: "cases" }, cases.cases.map(caseRow))
    : h("div", { class: "muted", "data-testid": "cases-none" }, t("live.no_cases"));
  replace(
    box.schedule,
    h("h2", {}, t("live.schedule"), refreshButton),
    h("div", { class: ["ok", "not_configured"].includes(cases.status) ? "muted" : "error", "data-testid": "cases-status" }, casesStatus(cases)),
    cases.status === "ok" ? null : rawDetail(cases.problem),
    listed,
  );
  replace(
    box.stream,
    h("h2", {}, t("live.title")),
    h("div", { class: "stream-state stream-" + stream.state, "data-testid": "stream-state" }, streamState(stream)),
    stream.state === "cut" ? null : rawDetail(stream.reason),
    stream.protected.length ? h("div", { class: "muted" }, t("live.protected", { seats: stream.protected.map(seatName).join(P.list) })) : null,
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
  root.setAttribute("aria-label", t("live.panel"));
  box = { schedule: h("div", { "data-testid": "schedule" }), stream: h("div", { "data-testid": "stream" }) };
  replace(root, box.schedule, box.stream);
  refresh();
  setInterval(refresh, 2000);
}
