// The room's devices: overview tiles, cameras per seat (presets, pan/tilt/zoom, store) with voice-follow,
// displays (power, input) and microphones (speaking indicators, level meters). Each card is built once and
// then only its text is updated, so a button held down (pan, zoom) survives the state updates it causes.
import { classify, explain, P, t, tOr } from "/static/i18n.js";
import {
  act, alarmText, api, can, confirmDialog, deviceAlarms, deviceName, fmtDuration, h, on, rawDetail, replace, seatName,
  serverNow, store,
} from "/static/core.js";

const LEVELS = ["ok", "warning", "error", "offline"];
const tiles = {}; // device id -> {root, level, reason, summary}
const cameraCards = {}; // device id -> {root, position, status}
const displayCards = {};
let voiceCard = null;
let micCard = null;

function mayControl(kind, action) {
  if (!can("device")) return false;
  if (can("raw")) return true;
  return (store.session.clerk_actions[kind] || []).includes(action);
}

function command(device, action, params, button) {
  return act(button, `${device} ${action}`, () => api("POST", `/api/device/${encodeURIComponent(device)}/${encodeURIComponent(action)}`, params));
}

// -- overview -------------------------------------------------------------------------------------------
// A device's level, its problem in plain words ("证人摄像机无响应（已离线 12 秒）") and the raw lines.
function tileLevel(view) {
  let level = view.health.level;
  const name = deviceName(view.id);
  const texts = [];
  const raws = [];
  const raw = view.health.reason;
  if (raw) {
    let text = view.health.code ? t(view.health.code, { device: name }) : explain(raw, name);
    if (level === "offline" && view.health.since_ts && classify(raw)[0] !== "problem.connecting") {
      const seconds = Math.max(0, Math.round((serverNow() - view.health.since_ts) / 1000));
      text += seconds < 120 ? t("problem.offline_for", { seconds }) : t("problem.offline_for_min", { minutes: Math.floor(seconds / 60) });
    }
    texts.push(text);
    raws.push(raw);
  }
  for (const alarm of deviceAlarms(view.id)) {
    const alarmLevel = alarm.severity === "critical" ? "error" : "warning";
    if (LEVELS.indexOf(alarmLevel) > LEVELS.indexOf(level)) level = alarmLevel;
    if (alarm.kind !== "device_offline") texts.push(alarmText(alarm));
    raws.push(alarm.message);
  }
  return { level, reason: texts.join(P.semi), raw: raws.join("\n") };
}

function summary(view) {
  const s = view.state;
  if (!s) return "";
  switch (view.kind) {
    case "camera":
      return t("cam.position", { pan: s.pan, tilt: s.tilt, zoom: s.zoom, preset: s.preset ?? "—" }) + (s.moving ? ` · ${t("cam.moving")}` : "");
    case "display":
      return displayState(s);
    case "recorder":
      return [s.transport ? tOr("transport." + s.transport, s.transport) : null, s.timecode, s.clip ? code(s.clip) : null,
        s.remaining_s != null ? t("rec.remaining", { minutes: Math.floor(s.remaining_s / 60) }) : null].filter(Boolean);
    case "mic_system":
      return `${t("mic.speaking")}${P.colon}${s.active.map((n) => micSeatName(view.id, n)).join(P.list) || "—"}` + (s.requests.length ? ` · ${t("mic.requests", { seats: s.requests.map((n) => micSeatName(view.id, n)).join(P.list) })}` : "");
    case "audio_processor":
      return Object.entries(s.points).map(([name, p]) => [code(name), " " + t("dsp.point", { level: p.level_db ?? "—" }) + (p.mute ? t("dsp.muted") : "")]);
    case "indicator":
      return s.on === undefined ? "" : t("indicator.state", { state: s.on ? t("power.on") : t("power.off") });
    case "video_input":
      return t("video.state", { signal: tOr("video.signal." + s.signal, s.signal || "—"), fps: s.fps ?? "—" });
    default:
      return "";
  }
}

// A configured identifier (a DSP point, a clip name): shown as it is, in every language.
function code(text) {
  return h("code", { class: "code" }, text);
}

// Parts joined with " · " (strings and nodes).
function joined(parts) {
  return parts.flatMap((part, i) => (i ? [" · ", part] : [part]));
}

function displayState(s) {
  const power = s.power_state ?? (s.power === true ? "on" : s.power === false ? "off" : null);
  return t("disp.state", { power: power ? tOr("power." + power, power) : "—", input: s.input ?? "—" });
}

// A mic system's seat number as the room's seat name.
function micSeatName(deviceId, number) {
  const seat = store.session.seats.find((x) => x.mics.some((m) => m.device === deviceId && m.seat === number));
  return seat ? seatName(seat.id) : t("mic.seat_number", { n: number });
}

function buildOverview() {
  const root = document.getElementById("view-overview");
  const grid = h("div", { class: "tiles", "data-testid": "tiles" });
  for (const entry of store.session.devices) {
    const tile = {
      level: h("span", { class: "level" }),
      reason: h("div", { class: "reason", "data-testid": "reason-" + entry.id }),
      raw: h("div", { class: "raw-holder" }),
      summary: h("div", { class: "summary", "data-testid": "summary-" + entry.id }),
    };
    tile.root = h(
      "div",
      { class: "tile", "data-testid": "tile-" + entry.id },
      h("div", { class: "tile-head" }, h("b", {}, deviceName(entry.id)), tile.level),
      h("div", { class: "tile-kind" }, [tOr("kind." + entry.kind, entry.kind), can("raw") ? entry.id : null, `${entry.vendor} ${entry.model}`].filter(Boolean).join(" · ")),
      tile.summary,
      tile.reason,
      tile.raw,
    );
    tiles[entry.id] = tile;
    grid.append(tile.root);
  }
  replace(root, grid);
}

function updateTile(view) {
  const tile = tiles[view.id];
  if (!tile) return;
  const { level, reason, raw } = tileLevel(view);
  tile.root.className = "tile level-" + level;
  tile.root.dataset.level = level;
  tile.level.textContent = t("health." + level);
  tile.reason.textContent = reason || "";
  if (tile.rawText !== raw) {
    tile.rawText = raw;
    replace(tile.raw, rawDetail(raw));
  }
  const parts = summary(view);
  replace(tile.summary, Array.isArray(parts) ? joined(parts) : parts);
}

// -- cameras --------------------------------------------------------------------------------------------
// A button that drives while held: start on press, stop on release or when the pointer leaves.
function holdButton(label, testid, start, stop, title = label) {
  let held = false;
  const release = () => {
    if (held) {
      held = false;
      stop();
    }
  };
  return h("button", {
    type: "button",
    class: "nudge",
    title,
    "aria-label": title,
    "data-testid": testid,
    onpointerdown: (e) => {
      e.currentTarget.setPointerCapture(e.pointerId);
      held = true;
      start();
    },
    onpointerup: release,
    onpointercancel: release,
    onlostpointercapture: release,
    onkeydown: (e) => { if ((e.key === "Enter" || e.key === " ") && !held) { held = true; start(); } },
    onkeyup: release,
  }, label);
}

function buildCameraCard(entry) {
  const seats = store.session.seats.filter((s) => s.camera === entry.id);
  const count = Math.min(store.session.preset_counts[entry.id] || 0, 12); // the page offers the first 12
  const card = { position: h("div", { class: "position", "data-testid": `cam-${entry.id}-position` }), status: h("span", { class: "level" }) };
  const parts = [
    h("div", { class: "card-head" }, h("b", {}, deviceName(entry.id)), card.status),
    h("div", { class: "muted" }, seats.length ? t("cam.seat", { seat: seats.map((s) => seatName(s.id)).join(P.list) }) : ""),
    card.position,
  ];
  if (mayControl("camera", "preset_recall") && entry.capabilities.includes("presets")) {
    const presets = [];
    for (let n = 0; n < count; n++) {
      presets.push(h("button", { type: "button", class: "preset", "aria-label": t("cam.preset_n", { n }), "data-testid": `cam-${entry.id}-preset-${n}`, onclick: (e) => command(entry.id, "preset_recall", { preset: n }, e.currentTarget) }, String(n)));
    }
    parts.push(h("div", { class: "label" }, t("cam.presets")), h("div", { class: "presets" }, presets));
  }
  if (mayControl("camera", "pan_tilt") && entry.capabilities.includes("pan_tilt")) {
    const drive = (pan, tilt) => holdButton(
      { left: "◀", right: "▶", up: "▲", down: "▼" }[pan !== "stop" ? pan : tilt],
      `cam-${entry.id}-${pan !== "stop" ? pan : tilt}`,
      () => command(entry.id, "pan_tilt", { pan, tilt }).catch(() => {}),
      () => command(entry.id, "pan_tilt", { pan: "stop", tilt: "stop" }).catch(() => {}),
      t("cam." + (pan !== "stop" ? pan : tilt)),
    );
    const zoom = (direction, label, title) => holdButton(label, `cam-${entry.id}-zoom-${direction}`,
      () => command(entry.id, "zoom", { direction }).catch(() => {}),
      () => command(entry.id, "zoom", { direction: "stop" }).catch(() => {}), title);
    const pad = h("div", { class: "pad" }, h("span"), drive("stop", "up"), h("span"), drive("left", "stop"), entry.capabilities.includes("home") ? h("button", { type: "button", class: "nudge", title: t("cam.home"), "aria-label": t("cam.home"), onclick: (e) => command(entry.id, "home", {}, e.currentTarget) }, "⌂") : h("span"), drive("right", "stop"), h("span"), drive("stop", "down"), h("span"));
    const zooms = entry.capabilities.includes("zoom") ? [zoom("tele", "+", t("cam.zoom_in")), zoom("wide", "−", t("cam.zoom_out"))] : [];
    card.side = h("div", { class: "side" }, zooms);
    parts.push(h("div", { class: "row ptz" }, pad, card.side));
  }
  if (mayControl("camera", "preset_set") && entry.capabilities.includes("presets") && count > 0) {
    const select = h("select", { "aria-label": t("cam.store_number"), "data-testid": `cam-${entry.id}-store-number` }, Array.from({ length: count }, (_, n) => h("option", { value: String(n) }, String(n))));
    const store_ = h("button", {
      type: "button",
      "data-testid": `cam-${entry.id}-store`,
      onclick: async (e) => {
        const btn = e.currentTarget;
        const preset = Number(select.value);
        if (await confirmDialog(t("cam.store"), t("confirm.store", { camera: deviceName(entry.id), preset }), { testid: "store-dialog" })) {
          await command(entry.id, "preset_set", { preset }, btn);
        }
      },
    }, t("cam.store"));
    parts.push(h("div", { class: "row store" }, select, store_));
  }
  card.root = h("div", { class: "card camera", "data-testid": "camera-" + entry.id }, parts);
  return card;
}

function updateCameraCard(view) {
  const card = cameraCards[view.id];
  if (!card) return;
  const s = view.state;
  card.position.textContent = s ? t("cam.position", { pan: s.pan, tilt: s.tilt, zoom: s.zoom, preset: s.preset ?? "—" }) + (s.moving ? ` · ${t("cam.moving")}` : "") : "—";
  card.position.dataset.pan = s ? s.pan : "";
  card.position.dataset.tilt = s ? s.tilt : "";
  card.position.dataset.zoom = s ? s.zoom : "";
  const { level } = tileLevel(view);
  card.status.textContent = t("health." + level);
  card.root.dataset.level = level;
}

function buildVoiceCard() {
  const card = { state: h("div", { class: "vf-state", "data-testid": "vf-state" }), buttons: h("div", { class: "row" }), seats: h("div", { class: "row seats" }) };
  card.root = h("div", { class: "card voice-follow", "data-testid": "voice-follow" }, h("div", { class: "card-head" }, h("b", {}, t("vf.title"))), card.state, card.buttons, card.seats);
  if (can("hearing")) {
    const send = (params, btn) => act(btn, "voice_follow", () => api("POST", "/api/hearing/voice_follow", params));
    card.buttons.append(
      h("button", { type: "button", "data-testid": "vf-on", onclick: (e) => send({ enabled: true }, e.currentTarget) }, t("vf.on")),
      h("button", { type: "button", "data-testid": "vf-off", onclick: (e) => send({ enabled: false }, e.currentTarget) }, t("vf.off")),
      h("button", { type: "button", "data-testid": "vf-auto", onclick: (e) => send({ auto: true }, e.currentTarget) }, t("vf.auto")),
    );
    for (const seat of store.session.seats) {
      card.seats.append(h("button", { type: "button", class: "seat", "data-testid": "vf-seat-" + seat.id, title: t("vf.shot"), onclick: (e) => send({ seat: seat.id }, e.currentTarget) }, seatName(seat.id)));
    }
  }
  return card;
}

function updateVoiceCard() {
  if (!voiceCard || !store.hearing) return;
  const vf = store.hearing.voice_follow;
  voiceCard.root.dataset.enabled = String(vf.enabled);
  voiceCard.root.dataset.mode = vf.mode;
  replace(
    voiceCard.state,
    h("b", { class: vf.enabled ? "on" : "off" }, vf.enabled ? t("vf.enabled") : t("vf.disabled")),
    ` · ${t("vf.mode." + vf.mode)} · ${t("vf.current", { seat: vf.seat ? seatName(vf.seat) : "—" })}`,
    vf.speaking.length ? ` · ${t("vf.speaking", { seats: vf.speaking.map(seatName).join(P.list) })}` : "",
  );
  for (const btn of voiceCard.seats.querySelectorAll("button")) btn.classList.toggle("current", btn.dataset.testid === "vf-seat-" + vf.seat);
}

function buildCameras() {
  const root = document.getElementById("view-cameras");
  voiceCard = buildVoiceCard();
  const grid = h("div", { class: "cards" });
  for (const entry of store.session.devices.filter((d) => d.kind === "camera")) {
    cameraCards[entry.id] = buildCameraCard(entry);
    grid.append(cameraCards[entry.id].root);
  }
  replace(root, voiceCard.root, grid);
}

// -- displays and microphones ---------------------------------------------------------------------------
function buildDisplayCard(entry) {
  const card = { state: h("div", { class: "position", "data-testid": `display-${entry.id}-state` }) };
  const parts = [h("div", { class: "card-head" }, h("b", {}, deviceName(entry.id))), card.state];
  if (mayControl("display", "power")) {
    parts.push(h("div", { class: "row" },
      h("button", { type: "button", "data-testid": `display-${entry.id}-on`, onclick: (e) => command(entry.id, "power", { on: true }, e.currentTarget) }, t("disp.on")),
      h("button", { type: "button", "data-testid": `display-${entry.id}-off`, onclick: (e) => command(entry.id, "power", { on: false }, e.currentTarget) }, t("disp.off"))));
  }
  const inputs = (entry.details || {}).inputs || [];
  if (mayControl("display", "input") && inputs.length) {
    card.inputs = inputs.map((name) => h("button", { type: "button", class: "input", "data-input": name, "data-testid": `display-${entry.id}-input-${name}`, onclick: (e) => command(entry.id, "input", { input: name }, e.currentTarget) }, name));
    parts.push(h("div", { class: "row" }, h("span", { class: "label" }, t("disp.input")), card.inputs));
  }
  card.root = h("div", { class: "card display", "data-testid": "display-" + entry.id }, parts);
  return card;
}

function updateDisplayCard(view) {
  const card = displayCards[view.id];
  if (!card) return;
  const s = view.state;
  const { level, reason } = tileLevel(view);
  card.state.textContent = (s ? displayState(s) : "—") + ` · ${t("health." + level)}` + (reason ? P.paren(reason) : "");
  for (const btn of card.inputs || []) btn.classList.toggle("current", !!s && btn.dataset.input === s.input);
}

const videoCards = {};

function buildVideoCard(entry) {
  const card = {
    state: h("div", { class: "position", "data-testid": `video-${entry.id}-state` }),
    image: h("img", { class: "snapshot", alt: t("video.snapshot_alt", { name: deviceName(entry.id) }), "data-testid": `video-${entry.id}-image` }),
  };
  const parts = [h("div", { class: "card-head" }, h("b", {}, deviceName(entry.id))), card.state];
  if (mayControl("video_input", "snapshot")) {
    parts.push(h("div", { class: "row" }, h("button", {
      type: "button",
      "data-testid": `video-${entry.id}-snapshot`,
      onclick: async (e) => {
        const reply = await command(entry.id, "snapshot", {}, e.currentTarget);
        const data = (reply || {}).data || {};
        if (data.data) card.image.src = `data:image/jpeg;base64,${data.data}`;
      },
    }, t("video.snapshot"))));
  }
  parts.push(card.image);
  card.root = h("div", { class: "card video", "data-testid": "video-" + entry.id }, parts);
  return card;
}

function updateVideoCard(view) {
  const card = videoCards[view.id];
  if (!card) return;
  const s = view.state;
  const { level, reason } = tileLevel(view);
  const shown = s ? t("video.state", { signal: t("video.signal." + s.signal), fps: s.fps ?? "—" }) : "—";
  card.state.textContent = `${shown} · ${t("health." + level)}` + (reason ? P.paren(reason) : "");
}

function micSeats() {
  return store.session.seats.filter((s) => s.mics.length);
}

// Whether the page offers 开/关 for a seat's microphone on this device (a conference system; an audio input has no switch).
function micSwitchable(deviceId) {
  const entry = store.session.devices.find((d) => d.id === deviceId);
  return !!entry && entry.kind === "mic_system" && mayControl("mic_system", "mic_on");
}

function buildMicCard() {
  const card = { rows: {}, requests: h("div", { class: "muted", "data-testid": "mic-requests" }) };
  const rows = micSeats().map((seat) => {
    const row = {
      indicator: h("span", { class: "speaking", "data-testid": "speaking-" + seat.id }),
      meter: h("div", { class: "meter", role: "meter", "aria-label": t("mic.level", { seat: seatName(seat.id) }), title: t("mic.meter_pending") }, h("div", { class: "meter-fill" })),
    };
    // one labelled 开/关 pair per microphone of the seat (a seat may have a conference mic and an audio input)
    const switches = seat.mics.filter((mic) => micSwitchable(mic.device)).map((mic, i) => {
      const what = t("mic.switch", { seat: seatName(seat.id), device: deviceName(mic.device) });
      const suffix = i === 0 ? "" : `-${mic.device}`;
      return h("div", { class: "mic-switch", role: "group", "aria-label": what },
        h("span", { class: "label" }, deviceName(mic.device)),
        h("button", { type: "button", "aria-label": `${what}${P.colon}${t("mic.on")}`, "data-testid": `mic-${seat.id}-on${suffix}`, onclick: (e) => command(mic.device, "mic_on", { seat: mic.seat }, e.currentTarget) }, t("mic.on")),
        h("button", { type: "button", "aria-label": `${what}${P.colon}${t("mic.off")}`, "data-testid": `mic-${seat.id}-off${suffix}`, onclick: (e) => command(mic.device, "mic_off", { seat: mic.seat }, e.currentTarget) }, t("mic.off")));
    });
    card.rows[seat.id] = row;
    return h("div", { class: "mic-row", "data-testid": "mic-row-" + seat.id }, h("b", {}, seatName(seat.id)), row.indicator, row.meter, switches);
  });
  const allOff = [];
  for (const id of new Set(micSeats().flatMap((s) => s.mics.map((m) => m.device)))) {
    if (micSwitchable(id) && mayControl("mic_system", "all_off")) allOff.push(h("button", { type: "button", "data-testid": `mic-all-off-${id}`, onclick: (e) => command(id, "all_off", {}, e.currentTarget) }, t("mic.all_off", { device: deviceName(id) })));
  }
  card.root = h("div", { class: "card mics", "data-testid": "mics" }, h("div", { class: "card-head" }, h("b", {}, t("mic.title"))), rows, card.requests, h("div", { class: "row" }, allOff));
  return card;
}

function updateMicCard() {
  if (!micCard) return;
  const requests = [];
  for (const seat of micSeats()) {
    const row = micCard.rows[seat.id];
    let speaking = false;
    let level = null;
    for (const mic of seat.mics) {
      const view = store.devices[mic.device];
      const s = view && view.state;
      if (s && Array.isArray(s.active) && s.active.includes(mic.seat)) speaking = true;
      if (s && Array.isArray(s.requests) && s.requests.includes(mic.seat)) requests.push(seat.name || seat.id);
      const meter = store.meters[mic.device];
      const value = meter && meter.levels[String(mic.seat)];
      if (meter && meter.levels[`${mic.seat}:speaking`] === 1) speaking = true; // voice activity of an audio input
      if (typeof value === "number") level = Math.max(level ?? -120, value);
    }
    row.indicator.textContent = speaking ? t("mic.speaking") : t("mic.silent");
    row.indicator.className = "speaking " + (speaking ? "on" : "off");
    row.indicator.dataset.speaking = String(speaking);
    const fill = row.meter.firstChild;
    fill.style.width = level === null ? "0%" : `${Math.max(0, Math.min(100, ((level + 60) / 60) * 100))}%`;
    row.meter.classList.toggle("live", level !== null);
  }
  micCard.requests.textContent = requests.length ? t("mic.requests", { seats: requests.join(", ") }) : "";
}

function buildAv() {
  const root = document.getElementById("view-av");
  const grid = h("div", { class: "cards" });
  for (const entry of store.session.devices.filter((d) => d.kind === "display")) {
    displayCards[entry.id] = buildDisplayCard(entry);
    grid.append(displayCards[entry.id].root);
  }
  for (const entry of store.session.devices.filter((d) => d.kind === "video_input")) {
    videoCards[entry.id] = buildVideoCard(entry);
    grid.append(videoCards[entry.id].root);
  }
  micCard = micSeats().length ? buildMicCard() : null;
  replace(root, micCard ? micCard.root : null, grid);
}

// -- wiring ---------------------------------------------------------------------------------------------
function updateDevice(view) {
  updateTile(view);
  updateCameraCard(view);
  updateDisplayCard(view);
  updateVideoCard(view);
  if (view.kind === "mic_system") updateMicCard();
}

function buildAll() {
  buildOverview();
  buildCameras();
  buildAv();
  for (const view of Object.values(store.devices)) updateDevice(view);
  updateVoiceCard();
  updateMicCard();
}

export function initDevices() {
  on("session", buildAll);
  on("language", buildAll);
  on("device", updateDevice);
  on("devices", () => Object.values(store.devices).forEach(updateDevice));
  on("hearing", () => {
    updateVoiceCard();
    Object.values(store.devices).forEach(updateTile); // alarms colour the tiles
  });
  on("meter", updateMicCard);
  // "已离线 12 秒" counts on
  setInterval(() => Object.values(store.devices).filter((v) => v.health.level === "offline").forEach(updateDevice), 1000);
}
