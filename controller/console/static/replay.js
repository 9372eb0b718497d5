// The replay view: pick a hearing and a picture, jump to a mark or a wall-clock time; the browser's video element
// plays the segment that holds it from the right offset (the server answers range requests).
import { errorText, getLanguage, markText, t, translate } from "/static/i18n.js";

const $ = (id) => document.getElementById(id);
const state = { segments: [], marks: [], target: null };
window.replay = state; // read by the tests

async function getJson(url) {
  const response = await fetch(url, { credentials: "same-origin" });
  const body = await response.json();
  if (!response.ok) throw new Error(errorText(body.error ? body.error.code : "HTTP_" + response.status, ""));
  return body;
}

function clock(ts) {
  return new Date(ts).toLocaleTimeString(getLanguage() === "en" ? "en-GB" : "zh-CN", { hour12: false });
}

function status(text) {
  $("replay-status").textContent = text;
}

async function loadHearings() {
  const { hearings } = await getJson("/api/replay/hearings");
  const select = $("replay-hearing");
  select.replaceChildren(...hearings.map((h) => new Option(`${h.case_no || h.hearing_id} · ${clock(h.ts)}`, h.hearing_id)));
  if (hearings.length) await loadHearing(hearings[0].hearing_id);
  else status(t("replay.none"));
}

async function loadHearing(id) {
  const data = await getJson(`/api/replay/hearings/${encodeURIComponent(id)}`);
  state.segments = data.segments;
  state.marks = data.marks;
  $("replay-stream").replaceChildren(...data.streams.map((s) => new Option(s, s)));
  $("replay-marks").replaceChildren(
    ...data.marks.map((m, i) => {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.testid = `replay-mark-${i}`;
      button.textContent = `${clock(m.ts)} ${markText(m.text)}`;
      button.addEventListener("click", () => jump(m.ts));
      item.append(button);
      return item;
    }),
  );
  const first = data.segments[0];
  if (first) {
    const day = new Date(first.start_ts);
    $("replay-time").value = day.toTimeString().slice(0, 8);
    state.day = day;
  }
  status(t("replay.loaded", { segments: data.segments.length, marks: data.marks.length }));
}

function segmentAt(ts) {
  const stream = $("replay-stream").value;
  const mine = state.segments.filter((s) => s.stream === stream).sort((a, b) => a.start_ts - b.start_ts);
  return mine.find((s) => s.start_ts <= ts && ts < s.end_ts) || mine.find((s) => s.start_ts >= ts) || null;
}

function jump(ts) {
  const segment = segmentAt(ts);
  if (!segment) {
    status(t("replay.nothing"));
    return;
  }
  const offset = Math.max(0, (ts - segment.start_ts) / 1000);
  state.target = { ts, url: segment.url, offset };
  const video = $("replay-video");
  const seek = () => {
    video.currentTime = offset;
    video.play().catch(() => {}); // a muted autoplay policy may refuse: the clerk presses play
  };
  if (video.getAttribute("src") === segment.url && video.readyState >= 1) seek();
  else {
    video.addEventListener("loadedmetadata", seek, { once: true });
    video.src = segment.url;
  }
  status(`${segment.file} @ ${offset.toFixed(1)} s`);
}

function jumpToTime() {
  const [h, m, s] = $("replay-time").value.split(":").map(Number);
  if (!state.day || Number.isNaN(h)) return;
  const at = new Date(state.day);
  at.setHours(h, m || 0, s || 0, 0);
  jump(at.getTime());
}

document.documentElement.lang = getLanguage();
translate();
document.title = t("replay.title");
$("replay-hearing").addEventListener("change", (e) => loadHearing(e.target.value).catch((err) => status(err.message)));
$("replay-go").addEventListener("click", jumpToTime);
$("replay-video").muted = true;
loadHearings().catch((err) => status(err.message));
