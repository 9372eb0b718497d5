// Shared by every part of the page: the store, the API call, DOM building, dialogs and formatting.
import { errorText, explain, getLanguage, localName, P, t, tOr } from "/static/i18n.js";

export const store = {
  session: null, // GET /api/session: user, role, permissions, room, devices, seats, recorders, reasons
  devices: {}, // id -> {id, kind, availability, state, health}
  hearing: null, // HearingState
  marks: [], // journal rows of kind "mark" of the current hearing
  meters: {}, // device id -> {levels, ts}
  acks: {}, // alarm id -> {actor, by, ts}: the clerk's acknowledgement of a sounding alarm
  offsetMs: 0, // server clock - this clock, from the ts of the messages
};

const listeners = {};

export function on(topic, fn) {
  (listeners[topic] ||= []).push(fn);
}

export function emit(topic, data) {
  for (const fn of listeners[topic] || []) {
    try {
      fn(data);
    } catch (exc) {
      console.error(topic, exc);
    }
  }
}

// h("button", {class: "x", onclick: fn, "data-testid": "y"}, "text", child...)
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, value);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export class ApiFailure extends Error {
  constructor(status, code, message, body) {
    super(message);
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

export async function api(method, path, body) {
  const init = { method, credentials: "same-origin", headers: {} };
  if (method !== "GET") {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body || {});
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (exc) {
    throw new ApiFailure(0, "NETWORK", String(exc), {});
  }
  if (response.status === 401) {
    window.location.replace("/login");
    throw new ApiFailure(401, "UNAUTHENTICATED", "log in first", {});
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = data.error || {};
    throw new ApiFailure(response.status, error.code || "HTTP_" + response.status, error.message || response.statusText, data);
  }
  return data;
}

export function can(permission) {
  return !!store.session && store.session.permissions.includes(permission);
}

export function toast(text, kind = "info") {
  const box = document.getElementById("toasts");
  const item = h("div", { class: "toast " + kind, role: kind === "error" ? "alert" : "status" }, text);
  box.append(item);
  setTimeout(() => item.remove(), kind === "error" ? 8000 : 3000);
}

// Run a request for a button: the button is disabled while it runs; a failure is shown.
export async function act(button, what, fn) {
  if (button) button.disabled = true;
  try {
    const result = await fn();
    const failed = (((result || {}).data || {}).steps || []).filter((s) => !s.ok);
    if (failed.length) {
      toast(t("steps.failed", { steps: failed.map((s) => explain(s.error, deviceName(s.device))).join(P.semi) }), "warning");
    }
    return result;
  } catch (exc) {
    if (exc.code !== "UNAUTHENTICATED") toast(t("err.request", { message: errorText(exc.code, exc.message) }), "error");
    throw exc;
  } finally {
    if (button) button.disabled = false;
  }
}

// A modal: build(body) fills it; resolves with the value of the button pressed (null: cancelled).
export function modal({ title, build, okText, danger, testid }) {
  const dialog = document.getElementById("dialog");
  return new Promise((resolve) => {
    const body = h("div", { class: "dialog-body" });
    const okButton = h("button", { type: "submit", value: "ok", class: danger ? "danger" : "primary", "data-testid": "dialog-ok" }, okText || t("confirm.ok"));
    const cancel = h("button", { type: "button", "data-testid": "dialog-cancel" }, t("confirm.cancel"));
    const form = h("form", { method: "dialog", "data-testid": testid || "dialog" }, h("h2", {}, title), body, h("div", { class: "dialog-buttons" }, cancel, okButton));
    const values = build ? build(body, okButton) : null;
    cancel.addEventListener("click", () => dialog.close("cancel"));
    dialog.onclose = () => {
      resolve(dialog.returnValue === "ok" ? values || {} : null);
      dialog.onclose = null;
    };
    replace(dialog, form);
    dialog.returnValue = "";
    dialog.showModal();
  });
}

export function confirmDialog(title, message, opts = {}) {
  return modal({ title, build: (body) => body.append(h("p", {}, message)), ...opts });
}

export function serverNow() {
  return Date.now() + store.offsetMs;
}

export function noteServerTime(ts) {
  if (typeof ts === "number") store.offsetMs = ts - Date.now();
}

export function fmtDuration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const pad = (n) => String(n).padStart(2, "0");
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
}

export function fmtTime(ts) {
  if (!ts) return "—";
  const d = new Date(ts);
  const pad = (n) => String(n).padStart(2, "0");
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function fmtDate(ts) {
  if (!ts) return "—";
  const d = new Date(ts);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export function deviceEntry(id) {
  return (store.session.devices || []).find((d) => d.id === id);
}

export function deviceName(id) {
  const entry = deviceEntry(id);
  return entry && entry.name ? localName(entry.name) : id;
}

export function seatName(id) {
  const seat = (store.session.seats || []).find((s) => s.id === id);
  if (!seat) return id || "—";
  const name = seat.name ? localName(seat.name) : "";
  // a seat named in Chinese only is named by its role in English
  if (!name || (getLanguage() === "en" && /[\u3400-\u9fff]/.test(name))) return tOr("seat." + seat.role, seat.id);
  return name;
}

// Who did it, as people say it: "书记员 王某", "中控平台", "脚踏开关". ``data`` is the row's data (its ``by``).
export function actorName(actor, data = {}) {
  const id = actor || "";
  const by = (data && data.by) || {};
  const [head, rest] = [id.split(":")[0], id.slice(id.indexOf(":") + 1)];
  if (head === "console" && rest && rest !== id) {
    const role = by.role || "";
    const name = by.name || rest;
    return role ? t("actor.person", { role: tOr("role." + role, role), name }) : name;
  }
  if (head === "mqtt") return by.on_behalf ? t("actor.mqtt") + P.paren(by.on_behalf) : t("actor.mqtt");
  if (head === "button" && rest !== id) return deviceName(rest);
  if (head === "ctl") return t("actor.ctl");
  const simple = { watchdog: "actor.watchdog", "voice-follow": "actor.voice_follow", voice_follow: "actor.voice_follow",
    system: "actor.controller", daemon: "actor.controller", controller: "actor.controller", console: "actor.console",
    restore: "actor.restore", test: "actor.test" };
  if (simple[head]) return t(simple[head]);
  return by.name || (id ? t("actor.unknown") : "—");
}

// An alarm in plain words.
export function alarmText(alarm) {
  const device = alarm.device ? deviceName(alarm.device) : t("alarm.the_software_recording");
  const seat = alarm.id.split(":")[2] || "";
  const key = "alarm." + alarm.kind;
  return tOr(key, t("alarm.other", { device }), { device, seat: seat ? seatName(seat) : "" });
}

// The raw technical line, folded under 详情, for the technician only.
export function rawDetail(raw) {
  if (!raw || !store.session || store.session.role !== "technician") return null;
  return h("details", { class: "raw-detail" }, h("summary", {}, t("detail")), h("code", {}, raw));
}

// The alarms of the hearing that name a device.
export function deviceAlarms(id) {
  return ((store.hearing || {}).alarms || []).filter((a) => a.device === id);
}
