// Live parts of a page without reloading it: an element with data-live="URL" has its inner HTML
// replaced by what URL answers (an HTML fragment), every data-every seconds (default 2).
// Forms inside a live part keep working because the server renders them complete.
(function () {
  function refresh(el) {
    fetch(el.dataset.live, { headers: { "Accept": "text/html", "X-Live": "1" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html !== null && html !== el.dataset.lastHtml) {
          el.dataset.lastHtml = html;
          el.innerHTML = html;
          el.dispatchEvent(new CustomEvent("live:updated", { bubbles: true }));
        }
      })
      .catch(function () { /* the next tick tries again */ });
  }
  function start() {
    document.querySelectorAll("[data-live]").forEach(function (el) {
      var every = parseFloat(el.dataset.every || "2") * 1000;
      setInterval(function () { refresh(el); }, every);
    });
    // A countdown: <time data-countdown="ISO instant"> shows the time left, ticking each second.
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      var end = Date.parse(el.dataset.countdown);
      function tick() {
        var s = Math.max(0, Math.round((end - Date.now()) / 1000));
        var d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
        el.textContent = (d ? d + "d " : "") + String(h).padStart(2, "0") + ":" + String(m).padStart(2, "0") + ":" + String(s % 60).padStart(2, "0");
      }
      tick(); setInterval(tick, 1000);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
