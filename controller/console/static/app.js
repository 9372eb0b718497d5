// The console page: loads the session and the state, follows the WebSocket, and wires the parts together.
import { chosenLanguage, errorText, getLanguage, localName, setLanguage, t, translate } from "/static/i18n.js";
import { actorName, api, can, emit, h, noteServerTime, replace, store } from "/static/core.js";
import { initSound } from "/static/sound.js";
import { initHearing } from "/static/hearing.js";
import { initLive } from "/static/live.js";
import { initDevices } from "/static/devices.js";
import { initRecords, showView } from "/static/records.js";

const TABS = [
  ["overview", "view"],
  ["cameras", "view"],
  ["av", "view"],
  ["marks", "view"],
  ["journal", "journal"],
  ["export", "export"],
  ["diagnostics", "diagnostics"],
];

function buildTabs() {
  const nav = document.getElementById("tabs");
  const buttons = TABS.filter(([, permission]) => can(permission)).map(([name]) =>
    h("button", { type: "button", role: "tab", class: "tab", "data-tab": name, "data-testid": "tab-" + name, onclick: () => select(name) }, t("tab." + name)));
  replace(nav, buttons);
  for (const [name, permission] of TABS) {
    if (!can(permission)) document.getElementById("view-" + name).remove();
  }
  select(sessionStorage.getItem("courtroom.tab") || "overview");
}

function select(name) {
  if (!document.getElementById("view-" + name)) name = "overview";
  sessionStorage.setItem("courtroom.tab", name);
  for (const view of document.querySelectorAll(".view")) view.hidden = view.dataset.view !== name;
  for (const tab of document.querySelectorAll(".tab")) tab.setAttribute("aria-selected", String(tab.dataset.tab === name));
  showView(name);
}

// -- live state -----------------------------------------------------------------------------------------
let socket = null;
let retryMs = 500;

function connect() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  socket = new WebSocket(`${scheme}//${location.host}/ws`);
  socket.onopen = () => {
    retryMs = 500;
    document.getElementById("conn-lost").hidden = true;
  };
  socket.onmessage = (event) => receive(JSON.parse(event.data));
  socket.onclose = (event) => {
    if (event.code === 4401) {
      window.location.replace("/login");
      return;
    }
    document.getElementById("conn-lost").hidden = false;
    setTimeout(async () => {
      // a socket refused for want of a session: back to the login page
      const ok = await api("GET", "/api/session").then(() => true, () => false);
      if (ok) connect();
    }, retryMs);
    retryMs = Math.min(retryMs * 2, 8000);
  };
}

function receive(msg) {
  switch (msg.type) {
    case "snapshot":
      store.devices = msg.devices;
      store.hearing = msg.hearing;
      store.acks = msg.acks || {};
      noteServerTime(msg.hearing.ts);
      emit("devices");
      emit("hearing");
      break;
    case "device":
      store.devices[msg.id] = msg;
      emit("device", msg);
      break;
    case "hearing":
      store.hearing = msg.state;
      noteServerTime(msg.state.ts);
      emit("hearing");
      break;
    case "hearing_event":
      emit("hearing_event", msg.event);
      break;
    case "device_event":
      emit("device_event", msg);
      break;
    case "alarm_ack":
      store.acks = msg.acks || {};
      emit("hearing");
      break;
    case "meter":
      store.meters[msg.id] = msg;
      emit("meter", msg);
      break;
    default:
      break;
  }
  document.body.dataset.live = "1";
}

// -- start ----------------------------------------------------------------------------------------------
async function start() {
  document.documentElement.lang = getLanguage();
  store.session = await api("GET", "/api/session");
  if (!chosenLanguage() && store.session.language) document.documentElement.lang = store.session.language;
  const state = await api("GET", "/api/state");
  store.devices = state.devices;
  store.hearing = state.hearing;
  store.acks = state.acks || {};
  noteServerTime(state.hearing.ts);
  document.body.dataset.role = store.session.role;
  const header = () => {
    document.getElementById("room-name").textContent = localName(store.session.room.name || store.session.room.id);
    document.getElementById("user-name").textContent = actorName("console:" + store.session.user, { by: { role: store.session.role, name: store.session.display_name || store.session.user } });
  };
  header();
  translate();
  initSound();
  initHearing();
  initLive();
  initDevices();
  initRecords();
  buildTabs();
  emit("session");
  emit("hearing");
  document.getElementById("lang-toggle").addEventListener("click", () => {
    setLanguage(getLanguage() === "en" ? "zh-CN" : "en");
    translate();
    header();
    for (const tab of document.querySelectorAll(".tab")) tab.textContent = t("tab." + tab.dataset.tab);
    emit("language");
    select(sessionStorage.getItem("courtroom.tab") || "overview");
  });
  document.getElementById("logout").addEventListener("click", async () => {
    await api("POST", "/api/logout", {}).catch(() => {});
    window.location.replace("/login");
  });
  connect();
  setInterval(() => socket && socket.readyState === WebSocket.OPEN && socket.send('{"type":"ping"}'), 25000);
}

start().catch((exc) => {
  if (exc.code !== "UNAUTHENTICATED") replace(document.getElementById("main"), h("p", { class: "error" }, errorText(exc.code, exc.message)));
});
