// The replay view: pick a hearing and a picture, jump to a mark or a wall-clock time; the browser's video element
// plays the segment that holds it from the right offset (the server answers range requests). The server finds the
// segment and the offset (GET .../at), and reads a typed time in the room's time zone, as the overlay shows it;
// the page shows its times in that zone too.
import { errorText, getLanguage, markText, t, translate } from "/static/i18n.js";

const $ = (id) => document.getElementById(id);
const state = { segments: [], marks: [], target: null, hearing: null, zone: undefined };
window.replay = state; // read by the tests

async function getJson(url) {
  const response = await fetch(url, { credentials: "same-origin" });
  const body = await response.json();
  if (!response.ok) throw new Error(errorText(body.error ? body.error.code : "HTTP_" + response.status, ""));
  return body;
}

function clock(ts) {
  const lang = getLanguage() === "en" ? "en-GB" : "zh-CN";
  return new Date(ts).toLocaleTimeString(lang, { hour12: false, timeZone: state.zone });
}

function status(text) {
  $("replay-status").textContent = text;
}

async function loadHearings() {
  const { hearings, timezone } = await getJson("/api/replay/hearings");
  state.zone = timezone;
  const select = $("replay-hearing");
  select.replaceChildren(...hearings.map((h) => new Option(`${h.case_no || h.hearing_id} · ${clock(h.ts)}`, h.hearing_id)));
  if (hearings.length) await loadHearing(hearings[0].hearing_id);
  else status(t("replay.none"));
}

async function loadHearing(id) {
  const data = await getJson(`/api/replay/hearings/${encodeURIComponent(id)}`);
  state.hearing = id;
  state.zone = data.timezone;
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
      button.addEventListener("click", () => jump({ ts: String(m.ts) }));
      item.append(button);
      return item;
    }),
  );
  $("replay-time").value = data.start_time;
  status(t("replay.loaded", { segments: data.segments.length, marks: data.marks.length }));
}

// query: { ts } (a mark's moment, ms) or { time } (HH:MM:SS in the room's time zone)
async function jump(query) {
  if (!state.hearing) return;
  const params = new URLSearchParams({ stream: $("replay-stream").value, ...query });
  let found;
  try {
    found = await getJson(`/api/replay/hearings/${encodeURIComponent(state.hearing)}/at?${params}`);
  } catch (err) {
    status(err.message);
    return;
  }
  const segment = found.segment;
  if (!segment) {
    status(t("replay.nothing"));
    return;
  }
  const offset = found.offset_s;
  state.target = { ts: found.ts, url: segment.url, offset };
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
  const time = $("replay-time").value;
  if (time) jump({ time });
}

document.documentElement.lang = getLanguage();
translate();
document.title = t("replay.title");
$("replay-hearing").addEventListener("change", (e) => loadHearing(e.target.value).catch((err) => status(err.message)));
$("replay-go").addEventListener("click", jumpToTime);
$("replay-video").muted = true;
loadHearings().catch((err) => status(err.message));
