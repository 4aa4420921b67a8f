// Customer care, live: timers count down by the second; the waiting list follows the
// moderation stream; an expert sees questions offered to them. Pages work without it.
(() => {
  function format(seconds) {
    const abs = Math.abs(seconds);
    const m = Math.floor(abs / 60);
    const s = String(abs % 60).padStart(2, "0");
    return `${m}:${s}`;
  }

  function show(timer) {
    const left = Number(timer.dataset.secondsLeft);
    if (timer.dataset.secondsLeft === "" || Number.isNaN(left)) return;
    const label = left < 0 ? timer.dataset.labelOver : timer.dataset.labelLeft;
    timer.textContent = left < 0 ? `${label} ${format(left)}` : `${format(left)} ${label}`;
    const breached = left <= 0 && timer.dataset.state !== "met";
    timer.classList.toggle("care-breached", breached);
    const row = timer.closest(".care-question");
    if (row) row.classList.toggle("care-breached", breached);
  }

  function tick() {
    for (const timer of document.querySelectorAll("[data-care-timer]")) {
      if (timer.dataset.ticking === "1" && timer.dataset.state !== "met") {
        timer.dataset.secondsLeft = String(Number(timer.dataset.secondsLeft) - 1);
      }
      show(timer);
    }
  }

  function render(root, items) {
    const list = root.querySelector("[data-care-list]");
    const template = root.querySelector("[data-care-row]");
    list.replaceChildren();
    for (const q of items) {
      const row = template.content.firstElementChild.cloneNode(true);
      row.dataset.thread = String(q.thread.id);
      row.classList.add(`care-${q.state}`);
      const link = row.querySelector("a");
      link.href = q.thread.url;
      link.textContent = q.title;
      row.querySelector(".meta").textContent = q.thread.author ? `@${q.thread.author}` : "";
      const timer = row.querySelector("[data-care-timer]");
      timer.dataset.state = q.state;
      timer.dataset.secondsLeft = String(q.seconds_left);
      timer.dataset.ticking = q.ticking ? "1" : "0";
      show(timer);
      list.append(row);
    }
    root.querySelector("[data-care-empty]").hidden = items.length > 0;
  }

  function waitingPage(root, live) {
    let pending = null;
    const refresh = () => {
      clearTimeout(pending);
      pending = setTimeout(async () => {
        const response = await fetch(root.dataset.api, { credentials: "same-origin" });
        if (response.ok) render(root, (await response.json()).items);
      }, 150);
    };
    live.subscribe(root.dataset.stream, null, (frame) => {
      if (frame.event === "alert.raised") {
        const item = document.createElement("p");
        item.className = "care-alert";
        item.textContent = frame.data.text;
        root.querySelector("[data-care-alerts]").prepend(item);
      }
      refresh(); // every care event changes the list: read it again (one request)
    });
  }

  function offers(live) {
    const handle = (frame) => {
      if (frame.event !== "question.offered") return;
      const box = document.createElement("div");
      box.className = "care-offer card";
      box.setAttribute("role", "alert");
      const link = document.createElement("a");
      link.href = frame.data.url;
      link.textContent = frame.data.title;
      box.append(link);
      document.body.append(box);
      setTimeout(() => box.remove(), 60000);
    };
    const me = live.streams.get("me");
    if (me) {
      const previous = me.handler;
      me.handler = (frame) => {
        previous(frame);
        handle(frame);
      };
    } else {
      live.subscribe("me", null, handle);
    }
  }

  function start() {
    const live = window.communityLive;
    for (const timer of document.querySelectorAll("[data-care-timer]")) show(timer);
    // The waiting page ticks even when it opens empty: its rows (and timers) come live.
    if (document.querySelector("[data-care-timer], [data-care-waiting]")) setInterval(tick, 1000);
    if (!live) return;
    const root = document.querySelector("[data-care-waiting]");
    if (root) waitingPage(root, live);
    if (document.body.dataset.username) offers(live);
    if (!live.socket && live.streams.size) live.connect();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
