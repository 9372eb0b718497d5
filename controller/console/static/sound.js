// The alarm you hear: a repeating two-tone beep (WebAudio) while NOT RECORDING or journal-unavailable is raised
// and not yet acknowledged by a clerk. Browsers keep audio suspended until the user does something on the
// page: the login click (carried to this page as the user's activation) or any click or key here unlocks it; the
// header shows whether sound is on ("声音已开启") or off ("声音已关闭").
import { t } from "/static/i18n.js";
import { on } from "/static/core.js";

let ctx = null;
let gain = null;
let analyser = null;
let osc = null;
let timer = null;
let ringing = false;
let wanted = true; // the user's choice (the header's toggle); on at every page load
const listeners = [];

function context() {
  if (ctx) return ctx;
  const AC = window.AudioContext || window.webkitAudioContext;
  if (!AC) return null;
  ctx = new AC();
  gain = ctx.createGain();
  gain.gain.value = 0;
  analyser = ctx.createAnalyser();
  analyser.fftSize = 2048;
  gain.connect(analyser);
  analyser.connect(ctx.destination);
  ctx.onstatechange = show;
  return ctx;
}

export function soundOn() {
  return wanted && !!ctx && ctx.state === "running";
}

function show() {
  const el = document.getElementById("sound-toggle");
  const on = soundOn();
  if (el) {
    el.textContent = on ? t("sound.on") : t("sound.off");
    el.dataset.sound = on ? "on" : "off";
    el.title = on ? t("sound.turn_off") : t("sound.turn_on");
  }
  document.body.dataset.audio = ctx ? ctx.state : "none";
  document.body.dataset.tone = ringing && soundOn() ? "on" : "off";
  for (const fn of listeners) fn(on);
}

// Try to start audio (works after a user gesture on this page, or one carried from the login page).
export async function unlock() {
  const c = context();
  if (!c) return;
  if (c.state !== "running") {
    try {
      await c.resume();
    } catch {
      // still blocked: the next click tries again
    }
  }
  show();
  if (ringing) startTone();
}

function beep(at) {
  // 880 Hz then 660 Hz, 0.25 s each, then a pause: the pattern repeats every second
  osc.frequency.setValueAtTime(880, at);
  osc.frequency.setValueAtTime(660, at + 0.25);
  gain.gain.setValueAtTime(0, at);
  gain.gain.linearRampToValueAtTime(0.4, at + 0.02);
  gain.gain.setValueAtTime(0.4, at + 0.48);
  gain.gain.linearRampToValueAtTime(0, at + 0.5);
}

function startTone() {
  if (!soundOn() || osc) return;
  osc = ctx.createOscillator();
  osc.type = "square";
  osc.connect(gain);
  osc.start();
  beep(ctx.currentTime + 0.01);
  timer = setInterval(() => beep(ctx.currentTime + 0.01), 1000);
  show();
}

function stopTone() {
  if (timer) clearInterval(timer);
  timer = null;
  if (osc) {
    gain.gain.cancelScheduledValues(ctx.currentTime);
    gain.gain.setValueAtTime(0, ctx.currentTime);
    osc.stop();
    osc.disconnect();
    osc = null;
  }
  show();
}

// Ring (true) until told to stop (false); the page calls it on every hearing state.
export function setRinging(on) {
  ringing = !!on;
  if (ringing) startTone();
  else stopTone();
  show();
}

// The signal level at the speaker's input now (RMS, 0..1): the tests check that the tone really plays.
export function level() {
  if (!analyser) return 0;
  const data = new Float32Array(analyser.fftSize);
  analyser.getFloatTimeDomainData(data);
  let sum = 0;
  for (const v of data) sum += v * v;
  return Math.sqrt(sum / data.length);
}

export function onSound(fn) {
  listeners.push(fn);
}

export function initSound() {
  context();
  const toggle = document.getElementById("sound-toggle");
  toggle.addEventListener("click", async (event) => {
    event.stopPropagation();
    if (soundOn()) {
      wanted = false;
      stopTone();
    } else {
      wanted = true;
      await unlock();
    }
    show();
  });
  for (const type of ["pointerdown", "keydown"]) {
    document.addEventListener(type, () => { if (wanted && ctx && ctx.state !== "running") unlock(); }, true);
  }
  on("language", show);
  window.courtroomSound = { level, state: () => (ctx ? ctx.state : "none"), ringing: () => ringing && !!osc };
  unlock();
  show();
}
