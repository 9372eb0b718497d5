// The login page: the only page served without a session.
import { getLanguage, setLanguage, t, translate } from "/static/i18n.js";

document.documentElement.lang = getLanguage();
translate();

document.getElementById("lang-toggle").addEventListener("click", () => {
  setLanguage(getLanguage() === "en" ? "zh-CN" : "en");
  translate();
});

document.getElementById("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const error = document.getElementById("login-error");
  error.hidden = true;
  const body = {
    user: document.getElementById("login-user").value.trim(),
    password: document.getElementById("login-password").value,
  };
  let message;
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
    message = (data.error && data.error.message) || response.statusText;
  } catch (exc) {
    message = String(exc);
  }
  error.textContent = t("login.failed", { message });
  error.hidden = false;
});
