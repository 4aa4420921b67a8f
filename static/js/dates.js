// Dates in the browser, shaped as the server shapes them (community/dates.py):
// "just now" under a minute, "3 minutes ago" / "il y a 3 heures" under a day,
// else the exact "5 Dec 2026, 09:29" in the member's time zone (<body data-time-zone>),
// with the exact moment as the title. Live posts call window.siteDates.format(timeEl)
// on a <time datetime="ISO"> element; relative times on the page are refreshed every
// minute. The words, the exact pattern and the month names come from the server
// (this script's data-just-now and data-words attributes), so both write alike;
// Intl only supplies the moment's parts in the member's zone and the plural rules.
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

  // The server's words and shapes (community.dates.browser_words): relative words
  // per unit and plural form, the exact format's pattern and its month names.
  var words = null;
  try {
    words = JSON.parse((script && script.dataset.words) || "null");
  } catch (error) {
    words = null;
  }

  var partFormats = {};
  // The moment's numeric parts in the member's time zone (else the browser's).
  function parts(date) {
    var zone = timeZone();
    if (!partFormats[zone]) {
      var options = {
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
        hourCycle: "h23",
      };
      try {
        partFormats[zone] = new Intl.DateTimeFormat("en-US", Object.assign({ timeZone: zone }, options));
      } catch (error) {
        // A zone this browser does not know: its own zone rather than nothing.
        partFormats[zone] = new Intl.DateTimeFormat("en-US", options);
      }
    }
    var found = {};
    partFormats[zone].formatToParts(date).forEach(function (part) {
      found[part.type] = part.value;
    });
    return {
      year: found.year,
      month: Number(found.month),
      day: Number(found.day),
      hour: Number(found.hour) % 24,
      minute: Number(found.minute),
    };
  }

  function pad(number) {
    return number < 10 ? "0" + number : String(number);
  }

  // The pattern's letters that community/formats/ uses, as Django's dateformat reads them.
  function exactText(date) {
    var shape = words && words.exact;
    if (!shape) return date.toLocaleString(language());
    var p = parts(date);
    var out = "";
    for (var i = 0; i < shape.pattern.length; i++) {
      var letter = shape.pattern[i];
      if (letter === "\\") out += shape.pattern[++i] || "";
      else if (letter === "j") out += p.day;
      else if (letter === "d") out += pad(p.day);
      else if (letter === "n") out += p.month;
      else if (letter === "m") out += pad(p.month);
      else if ("bEFMN".indexOf(letter) >= 0) out += shape.months[p.month - 1];
      else if (letter === "Y") out += p.year;
      else if (letter === "y") out += String(p.year).slice(-2);
      else if (letter === "H") out += pad(p.hour);
      else if (letter === "G") out += p.hour;
      else if (letter === "i") out += pad(p.minute);
      else out += letter;
    }
    return out;
  }

  function relativeText(age) {
    if (Math.abs(age) < MINUTE) return justNow;
    var unit = age < HOUR ? "minute" : "hour";
    var count = Math.floor(age / (unit === "minute" ? MINUTE : HOUR));
    var forms = words && words.relative && words.relative[unit];
    if (forms) {
      var category = new Intl.PluralRules(language()).select(count);
      var form = forms[category] || forms.other;
      return form.replace("{n}", String(count));
    }
    return new Intl.RelativeTimeFormat(language(), { numeric: "always" }).format(-count, unit);
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
