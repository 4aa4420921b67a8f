// Curation in the browser (forums/moderation/curation): similar threads under a new
// thread's title as it is typed, and a community page's highlights kept live.
// No dependency; every page works without it.
(() => {
  const DEBOUNCE = 350;
  const MIN_CHARS = 4;

  // --- Similar threads while typing a title (forums/new_thread.html) -------------------

  function similarThreads(box) {
    const input = document.getElementById(box.dataset.input);
    const list = box.querySelector("[data-similar-list]");
    if (!input || !list) return;
    input.closest(".field")?.after(box); // under the title, wherever the form puts it
    const endpoint = box.dataset.endpoint;
    const openedUrl = box.dataset.opened;
    let timer = null;
    let asked = "";
    let controller = null;

    function csrf() {
      const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
      if (match) return decodeURIComponent(match[1]);
      return box.querySelector("input[name=csrfmiddlewaretoken]")?.value || "";
    }

    function render(items, query) {
      list.replaceChildren();
      for (const item of items) {
        const li = document.createElement("li");
        li.className = "similar-item";
        const link = document.createElement("a");
        link.href = item.url;
        link.textContent = item.title; // text, never HTML
        link.target = "_blank";
        link.rel = "noopener";
        link.dataset.threadId = String(item.id);
        link.addEventListener("click", () => recordOpened(item.id, query));
        li.append(link);
        if (item.solved) {
          const tag = document.createElement("span");
          tag.className = "tag tag-solved";
          tag.textContent = box.dataset.solvedText;
          li.append(" ", tag);
        }
        list.append(li);
      }
      box.hidden = items.length === 0;
    }

    function recordOpened(threadId, query) {
      const body = JSON.stringify({ query });
      // keepalive: the record survives the page being left for the thread.
      fetch(openedUrl.replace("/0/", `/${threadId}/`), {
        method: "POST",
        credentials: "same-origin",
        keepalive: true,
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
        body,
      }).catch(() => {});
    }

    async function ask() {
      const query = input.value.trim();
      if (query === asked) return;
      asked = query;
      if (query.length < MIN_CHARS) {
        render([], query);
        return;
      }
      controller?.abort();
      controller = new AbortController();
      try {
        const response = await fetch(`${endpoint}?q=${encodeURIComponent(query)}`, {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
          signal: controller.signal,
        });
        if (!response.ok) return;
        const page = await response.json();
        if (input.value.trim() === query) render(page.items || [], query);
      } catch {
        // aborted by a newer keystroke, or offline: the form still works
      }
    }

    input.setAttribute("aria-describedby", [input.getAttribute("aria-describedby"), box.id].filter(Boolean).join(" "));
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(ask, DEBOUNCE);
    });
    if (input.value.trim()) ask();
  }

  // --- A community page's highlights, live ----------------------------------------------

  function liveHighlights(holder) {
    let refreshing = false;
    document.addEventListener("community-live", async (event) => {
      const frame = event.detail || {};
      if (frame.event !== "highlight.changed" || refreshing) return;
      refreshing = true;
      try {
        const response = await fetch(location.href, { credentials: "same-origin" });
        if (!response.ok) return;
        const html = new DOMParser().parseFromString(await response.text(), "text/html");
        const fresh = html.querySelector("[data-live-highlights]");
        if (fresh) holder.replaceChildren(...fresh.childNodes);
      } catch {
        // the next change, or a reload, brings them
      } finally {
        refreshing = false;
      }
    });
  }

  function start() {
    for (const box of document.querySelectorAll("[data-similar-threads]")) similarThreads(box);
    const holder = document.querySelector("[data-live-highlights]");
    if (holder) liveHighlights(holder);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
