// The login page: the only page served without a session.
import { errorText, getLanguage, setLanguage, t, translate } from "/static/i18n.js";

document.documentElement.lang = getLanguage();
translate();

document.getElementById("lang-toggle").addEventListener("click", () => {
  setLanguage(getLanguage() === "en" ? "zh-CN" : "en");
  translate();
});

document.getElementById("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  // the login click is the user's gesture that lets the console's alarm sound: start audio now, so the
  // browser counts this origin as one the user has interacted with
  try {
    const AC = window.AudioContext || window.webkitAudioContext;
    if (AC) new AC().resume().catch(() => {});
  } catch {
    // no audio here: the console shows 声音已关闭
  }
  const error = document.getElementById("login-error");
  error.hidden = true;
  const body = {
    user: document.getElementById("login-user").value.trim(),
    password: document.getElementById("login-password").value,
  };
  let message;
  let code = "";
  try {
    const response = await fetch("/api/login", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
    if (response.ok) {
      window.location.replace("/");
      return;
    }
    const data = await response.json().catch(() => ({}));
    code = (data.error && data.error.code) || "HTTP_" + response.status;
    message = (data.error && data.error.message) || response.statusText;
  } catch (exc) {
    code = "NETWORK";
    message = String(exc);
  }
  error.textContent = t("login.failed", { message: errorText(code, message) });
  error.dataset.code = code;
  error.hidden = false;
});
