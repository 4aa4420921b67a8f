// Dates in the browser, shaped as the server shapes them (community/dates.py):
// "just now" under a minute, "3 minutes ago" / "il y a 3 heures" under a day,
// else the exact "5 Dec 2026, 09:29" in the member's time zone (<body data-time-zone>),
// with the exact moment as the title. Live posts call window.siteDates.format(timeEl)
// on a <time datetime="ISO"> element; relative times on the page are refreshed every
// minute. Words come from Intl in <html lang>, "just now" from this script's
// data-just-now attribute (translated by the server).
(function () {
  "use strict";

  var MINUTE = 60 * 1000;
  var HOUR = 60 * MINUTE;
  var RELATIVE_FOR = 24 * HOUR; // community.dates.RELATIVE_FOR
  var script = document.currentScript;
  var justNow = (script && script.dataset.justNow) || "just now";

  function language() {
    var lang = document.documentElement.lang || "en";
    // Django's English formats are day-month (community/formats/en): so is en-GB.
    return lang === "en" ? "en-GB" : lang;
  }

  function timeZone() {
    return (document.body && document.body.dataset.timeZone) || undefined;
  }

  var exactFormats = {};
  function exactText(date) {
    var key = language() + "|" + timeZone();
    if (!exactFormats[key]) {
      var options = {
        day: "numeric",
        month: "short",
        year: "numeric",
        hour: "2-digit",
        minute: "2-digit",
        hourCycle: "h23",
      };
      try {
        exactFormats[key] = new Intl.DateTimeFormat(
          language(),
          Object.assign({ timeZone: timeZone() }, options)
        );
      } catch (error) {
        // A zone this browser does not know: its own zone rather than nothing.
        exactFormats[key] = new Intl.DateTimeFormat(language(), options);
      }
    }
    return exactFormats[key].format(date);
  }

  function relativeText(age) {
    if (Math.abs(age) < MINUTE) return justNow;
    var words = new Intl.RelativeTimeFormat(language(), { numeric: "always" });
    if (age < HOUR) return words.format(-Math.floor(age / MINUTE), "minute");
    return words.format(-Math.floor(age / HOUR), "hour");
  }

  // Fill a <time datetime="ISO"> element's text and title; mark it data-relative
  // while its text goes stale. Returns the element.
  function format(timeEl, now) {
    var date = new Date(timeEl.getAttribute("datetime"));
    if (isNaN(date.getTime())) return timeEl;
    var age = (now || Date.now()) - date.getTime();
    var exact = exactText(date);
    var relative = age > -MINUTE && age < RELATIVE_FOR;
    timeEl.textContent = relative ? relativeText(age) : exact;
    timeEl.title = exact;
    if (relative) timeEl.setAttribute("data-relative", "");
    else timeEl.removeAttribute("data-relative");
    return timeEl;
  }

  function refresh() {
    var now = Date.now();
    document.querySelectorAll("time[data-relative]").forEach(function (timeEl) {
      format(timeEl, now);
    });
  }

  window.siteDates = { format: format, refresh: refresh };
  setInterval(refresh, MINUTE);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") refresh();
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) refresh(); // back to a page kept by the browser
  });
})();
