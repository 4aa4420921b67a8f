// A content page's discussion, live: replies to its thread arrive as they are posted.
// Rides on static/js/realtime.js's one socket per tab (window.communityLive), as the
// thread page does; the page works without it (a link leads to the thread).
(() => {
  function replyElement(root, data) {
    const item = document.createElement("li");
    item.className = "discussion-reply";
    item.dataset.number = String(data.number);
    const meta = document.createElement("p");
    meta.className = "meta";
    const name = document.createElement("strong");
    const author = data.author;
    name.textContent = author ? author.display_name || author.username : root.dataset.formerMember;
    meta.append(name);
    const body = document.createElement("div");
    body.className = "post-body";
    // The server's own sanitised HTML of the post (forums.markdown), as the thread page shows it.
    body.innerHTML = data.html;
    item.append(meta, body);
    return item;
  }

  function follow(root, live) {
    const keep = Number(root.dataset.keep || 5);
    const empty = root.parentElement.querySelector("[data-discussion-empty]");
    const lastId = root.dataset.lastId === "" ? null : Number(root.dataset.lastId);
    live.subscribe(root.dataset.stream, lastId, (frame) => {
      const data = frame.data || {};
      if (frame.event === "reload") return;
      if (frame.event === "post.created" && data.number > 1) {
        if (root.querySelector(`[data-number="${data.number}"]`)) return;
        root.append(replyElement(root, data));
        while (root.children.length > keep) root.firstElementChild.remove();
        if (empty) empty.hidden = true;
      } else if (frame.event === "post.edited") {
        const body = root.querySelector(`[data-number="${data.number}"] .post-body`);
        if (body) body.innerHTML = data.html;
      } else if (frame.event === "post.deleted" || frame.event === "post.hidden" || frame.event === "post.moved") {
        const item = data.number ? root.querySelector(`[data-number="${data.number}"]`) : null;
        if (item) item.remove();
      }
    });
  }

  function start() {
    const live = window.communityLive;
    const root = document.querySelector("[data-content-discussion]");
    if (!live || !root) return;
    follow(root, live);
    if (!live.socket && live.streams.size) live.connect();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
