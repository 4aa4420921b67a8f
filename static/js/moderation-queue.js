// The review queue's page (forums/moderation/queue): refreshed live when the queue
// changes. The page works without it; this only saves reloads.
//
// On each queue.changed or flag.created event of the community's moderation stream,
// the page fetches its list again (?partial=list) and swaps it in, keeping whatever a
// moderator is typing in a reason field (and where the focus is) untouched when the
// item is still there.
(() => {
  function start() {
    const root = document.querySelector("[data-live-queue]");
    const connection = window.communityLive;
    if (!root || !connection) return;
    const list = root.querySelector("[data-queue-list]");
    let pending = null;
    let running = false;

    function typedReasons() {
      const typed = new Map();
      for (const input of list.querySelectorAll("input[name=reason]")) {
        if (input.value) typed.set(`${input.closest("[data-item]").dataset.item}:${input.closest("form").action}`, input.value);
      }
      return typed;
    }

    async function refresh() {
      if (running) {
        pending = true;
        return;
      }
      running = true;
      try {
        // The list alone, parsed in a <template> (inert: no script runs, no style applies).
        const response = await fetch(`${location.pathname}?partial=list`, { credentials: "same-origin", headers: { Accept: "text/html" } });
        if (!response.ok) return;
        const fresh = document.createElement("template");
        fresh.innerHTML = await response.text();
        const typed = typedReasons();
        const focused = document.activeElement && list.contains(document.activeElement) ? document.activeElement : null;
        const focusKey = focused && focused.closest("[data-item]") ? `${focused.closest("[data-item]").dataset.item}:${focused.closest("form")?.action}` : null;
        list.replaceChildren(fresh.content);
        for (const input of list.querySelectorAll("input[name=reason]")) {
          const key = `${input.closest("[data-item]").dataset.item}:${input.closest("form").action}`;
          if (typed.has(key)) input.value = typed.get(key);
          if (key === focusKey) input.focus();
        }
        if (window.siteDates) list.querySelectorAll("time[datetime]").forEach((time) => window.siteDates.format(time));
        const region = document.getElementById("live-announcer");
        if (region) {
          region.textContent = "";
          setTimeout(() => (region.textContent = root.dataset.announce), 50);
        }
      } catch {
        // Offline for a moment: the next event, or a reload, brings the list up to date.
      } finally {
        running = false;
        if (pending) {
          pending = null;
          refresh();
        }
      }
    }

    connection.subscribe(root.dataset.stream, Number(root.dataset.lastId), (frame) => {
      if (frame.event === "queue.changed" || frame.event === "flag.created" || frame.event === "reload") refresh();
    });
    if (!connection.socket) connection.connect();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
