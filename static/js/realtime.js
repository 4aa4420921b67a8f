// Live updates over one WebSocket per tab (protocol: docs/realtime.md).
// Every page works without it: this only saves reloads.
//
// The connection remembers the last event id seen on each stream and
// resubscribes with it ("since") after any reconnect, so the server replays
// what was missed; ids already seen are skipped, so nothing shows twice.
(() => {
  const MIN_DELAY = 500;
  const MAX_DELAY = 30000;
  const CLOSE_LOGGED_OUT = 4401;
  const TYPING_EVERY = 2500;

  class Connection {
    constructor(url) {
      this.url = url;
      this.streams = new Map(); // name -> {lastId, handler}
      this.attempt = 0;
      this.socket = null;
      this.stopped = false;
    }

    subscribe(name, lastId, handler) {
      this.streams.set(name, { lastId, handler });
      this.sendSubscribe(name);
    }

    sendSubscribe(name) {
      const { lastId } = this.streams.get(name);
      const frame = { op: "subscribe", stream: name };
      if (Number.isInteger(lastId)) frame.since = lastId;
      this.send(frame);
    }

    send(frame) {
      if (this.socket && this.socket.readyState === WebSocket.OPEN) {
        this.socket.send(JSON.stringify(frame));
        return true;
      }
      return false;
    }

    connect() {
      const socket = new WebSocket(this.url);
      this.socket = socket;
      socket.addEventListener("open", () => {
        this.attempt = 0;
        document.documentElement.dataset.live = "on";
        for (const name of this.streams.keys()) this.sendSubscribe(name);
      });
      socket.addEventListener("message", (message) => this.receive(message.data));
      socket.addEventListener("close", (event) => {
        document.documentElement.dataset.live = "off";
        if (this.socket !== socket || this.stopped) return;
        if (event.code === CLOSE_LOGGED_OUT) return; // signed out elsewhere: stay quiet
        this.reconnectLater();
      });
    }

    reconnectLater() {
      // Exponential backoff with full jitter: a restarted server is not hit by
      // every tab at the same instant.
      const ceiling = Math.min(MAX_DELAY, MIN_DELAY * 2 ** this.attempt);
      this.attempt += 1;
      setTimeout(() => this.connect(), Math.random() * ceiling);
    }

    receive(text) {
      let frame;
      try {
        frame = JSON.parse(text);
      } catch {
        return;
      }
      const stream = this.streams.get(frame.stream);
      if (!stream) return;
      if (frame.op === "subscribed") {
        // Nothing was missed before this point; start counting from here.
        if (!Number.isInteger(stream.lastId)) stream.lastId = frame.last_id;
        return;
      }
      if (frame.op === "error") {
        if (frame.reason === "reload") stream.handler({ event: "reload" });
        if (frame.reason === "reload" && Number.isInteger(frame.last_id)) stream.lastId = frame.last_id;
        return;
      }
      if (frame.id !== null && frame.id !== undefined) {
        if (Number.isInteger(stream.lastId) && frame.id <= stream.lastId) return; // seen
        stream.lastId = frame.id;
      }
      stream.handler(frame);
    }
  }

  const text = (element) => (element ? element.textContent : "");

  function announce(message) {
    const region = document.getElementById("live-announcer");
    if (!region) return;
    region.textContent = "";
    // A fresh node is read even when the same sentence comes twice.
    setTimeout(() => (region.textContent = message), 50);
  }

  function interpolate(template, values) {
    return template.replace(/%\((\w+)\)s/g, (_, key) => values[key] ?? "");
  }

  // --- Thread page ---------------------------------------------------------------

  function threadPage(root, connection) {
    const me = document.body.dataset.username || null;
    const posts = root.querySelector("[data-posts]");
    const template = document.getElementById("live-post-template");
    const typingBox = root.querySelector("[data-typing]");
    const presenceBox = root.querySelector("[data-presence]");
    const newBelow = root.querySelector("[data-new-posts]");
    const onLastPage = root.dataset.lastPage === "true";
    const typists = new Map(); // username -> {name, until}
    let unseen = 0;

    function renderTyping() {
      const now = Date.now();
      for (const [username, entry] of typists) if (entry.until <= now) typists.delete(username);
      const names = [...typists.values()].map((entry) => entry.name);
      typingBox.textContent = names.length
        ? interpolate(names.length === 1 ? typingBox.dataset.one : typingBox.dataset.many, {
            names: names.join(", "),
          })
        : "";
    }

    function postElement(number) {
      return document.getElementById(`post-${number}`);
    }

    // The author as the posts rendered by the server show them: avatar, profile
    // link, role badge; a former member's posts show none of them.
    function fillAuthor(article, author) {
      const name = article.querySelector("[data-slot=author]");
      const avatar = article.querySelector("[data-slot=avatar]");
      const badges = article.querySelector("[data-slot=badges]");
      if (!author) {
        const plain = document.createElement("span");
        plain.id = name.id;
        plain.textContent = template.dataset.formerMember;
        name.replaceWith(plain);
        avatar.remove();
        badges.remove();
        return;
      }
      const displayName = author.display_name || author.username;
      name.textContent = displayName;
      name.href = template.dataset.profileUrl.replace("__USER__", encodeURIComponent(author.username));
      if (author.avatar) {
        const image = document.createElement("img");
        image.className = "avatar";
        image.src = author.avatar;
        image.alt = "";
        image.width = image.height = 32;
        image.loading = "lazy";
        image.dataset.slot = "avatar";
        avatar.replaceWith(image);
      } else {
        avatar.textContent = displayName.slice(0, 1).toUpperCase();
      }
      const label = author.role && template.dataset[`role${author.role[0].toUpperCase()}${author.role.slice(1)}`];
      if (label) {
        const tag = document.createElement("span");
        tag.className = "tag tag-role";
        tag.dataset.role = author.role;
        tag.textContent = label;
        badges.append(tag);
      }
      // What other apps add to the author line (level, badges), rendered by the server.
      if (author.line_html) {
        badges.insertAdjacentHTML("beforeend", author.line_html);
      }
    }

    // The blank post of the template is the page's own markup for a post (forums/_posts.html),
    // with __ID__ and __N__ where the post's id and number go.
    function fillIds(article, data) {
      for (const element of [article, ...article.querySelectorAll("*")]) {
        for (const attribute of element.attributes) {
          if (attribute.value.includes("__")) {
            attribute.value = attribute.value.replaceAll("__ID__", String(data.id)).replaceAll("__N__", String(data.number));
          }
        }
      }
    }

    function addPost(data) {
      if (postElement(data.number)) return; // already on the page
      if (!onLastPage || !template || !posts) {
        unseen += 1;
        if (newBelow) {
          newBelow.hidden = false;
          newBelow.querySelector("[data-count]").textContent = String(unseen);
        }
        return;
      }
      const article = template.content.querySelector("article").cloneNode(true);
      fillIds(article, data);
      // Edit and delete: on the reader's own posts (a moderator's blank post has them unmarked).
      for (const element of article.querySelectorAll("[data-author-only]")) {
        if (me && data.author && data.author.username === me) element.removeAttribute("data-author-only");
        else element.remove();
      }
      // Flagging: on others' posts only.
      for (const element of article.querySelectorAll("[data-others-only]")) {
        if (me && data.author && data.author.username === me) element.remove();
        else element.removeAttribute("data-others-only");
      }
      fillAuthor(article, data.author);
      const time = article.querySelector("[data-slot=time]");
      time.dateTime = data.created_at;
      if (window.siteDates && typeof window.siteDates.format === "function") window.siteDates.format(time);
      else time.textContent = new Date(data.created_at).toLocaleString(document.documentElement.lang);
      // The server rendered and sanitised this HTML (forums.markdown): the same
      // HTML the page itself shows.
      article.querySelector("[data-slot=body]").innerHTML = data.html;
      if (data.reactions) setReactionCounts(article, data.reactions);
      posts.append(article);
      if (data.author) typists.delete(data.author.username);
      renderTyping();
      // A replay carries a post deleted since as a tombstone (no body): shown as the page shows it.
      if (data.deleted) return deletePost(data);
      if (data.hidden) return hidePost(data);
      announce(interpolate(root.dataset.announceReply, { name: text(article.querySelector("[data-slot=author]")) }));
    }

    function editPost(data) {
      if (data.deleted) return deletePost(data); // an edit replayed after the post's removal
      if (data.hidden) return hidePost(data);
      const body = postElement(data.number)?.querySelector(".post-body");
      if (body) body.innerHTML = data.html;
    }

    function deletePost(data) {
      const article = postElement(data.number);
      if (!article || article.querySelector(".post-deleted")) return;
      const placeholder = document.createElement("p");
      placeholder.className = "post-deleted";
      placeholder.textContent = root.dataset.deletedText;
      for (const part of article.querySelectorAll(".post-body, .post-actions")) part.remove();
      article.append(placeholder);
    }

    // Moderation: a hidden post becomes a placeholder (its moderators keep its text, marked).
    function hidePost(data) {
      const article = postElement(data.number);
      if (!article) return;
      article.classList.add("post-hidden");
      if (root.dataset.moderator === "true" || article.querySelector(".post-deleted")) return;
      const placeholder = document.createElement("p");
      placeholder.className = "post-deleted post-placeholder";
      placeholder.textContent = root.dataset.hiddenText;
      for (const part of article.querySelectorAll(".post-body, .post-actions")) part.remove();
      article.append(placeholder);
      announce(root.dataset.hiddenText);
    }

    function restorePost(data) {
      const article = postElement(data.number);
      if (!article) return;
      article.classList.remove("post-hidden");
      const placeholder = article.querySelector(".post-placeholder");
      if (!placeholder) return;
      const body = document.createElement("div");
      body.className = "post-body prose";
      body.dataset.slot = "body";
      body.innerHTML = data.html; // sanitised by the server (forums.markdown), as for post.created
      placeholder.replaceWith(body);
    }

    function movePost(data) {
      const article = posts?.querySelector(`article[data-post-id="${data.id}"]`);
      if (!article) return;
      const link = document.createElement("a");
      link.href = data.url;
      link.textContent = root.dataset.movedText || data.url;
      const note = document.createElement("p");
      note.className = "post-deleted post-moved";
      note.append(link);
      for (const part of article.querySelectorAll(".post-body, .post-actions, .post-placeholder")) part.remove();
      article.append(note);
    }

    function setReactionCounts(article, counts) {
      if (window.threadReactions) window.threadReactions.setCounts(article, counts);
    }

    function react(data) {
      const article = posts?.querySelector(`article[data-post-id="${data.id}"]`);
      if (article) setReactionCounts(article, data.reactions);
    }

    function threadChanged(data) {
      const state = document.querySelector("[data-thread-state]");
      if (!state) return;
      state.querySelector("[data-solved]")?.toggleAttribute("hidden", !data.accepted_post);
      state.querySelector("[data-locked]")?.toggleAttribute("hidden", data.state === "open");
    }

    connection.subscribe(root.dataset.stream, Number(root.dataset.lastId), (frame) => {
      const { event, data } = frame;
      if (event === "reload") {
        const notice = root.querySelector("[data-reload]");
        if (notice) notice.hidden = false;
      } else if (event === "post.created") addPost(data);
      else if (event === "post.edited") editPost(data);
      else if (event === "post.deleted") deletePost(data);
      else if (event === "post.reacted") react(data);
      else if (event === "thread.changed") threadChanged(data);
      else if (event === "post.hidden") hidePost(data);
      else if (event === "post.restored") restorePost(data);
      else if (event === "post.moved") movePost(data);
      else if (event === "thread.merged") window.location.assign(data.url);
      else if (event === "typing" && typingBox) {
        if (data.username === me) return;
        typists.set(data.username, { name: data.display_name, until: Date.now() + data.expires_in * 1000 });
        renderTyping();
        setTimeout(renderTyping, data.expires_in * 1000 + 50);
      } else if (event === "presence" && presenceBox) {
        const others = data.viewers.filter((viewer) => viewer.username !== me);
        presenceBox.textContent = others.length
          ? interpolate(presenceBox.dataset.template, {
              names: others.map((viewer) => viewer.display_name).join(", "),
            })
          : "";
      }
    });

    const textarea = root.querySelector(".reply-box textarea");
    let typedAt = 0;
    textarea?.addEventListener("input", () => {
      const now = Date.now();
      if (now - typedAt < TYPING_EVERY) return;
      typedAt = now;
      connection.send({ op: "typing", stream: root.dataset.stream });
    });
  }

  // --- Community page ----------------------------------------------------------------

  function communityPage(root, connection) {
    const notice = root.querySelector("[data-new-activity]");
    const list = root.querySelector(".thread-list");
    let changed = 0;
    connection.subscribe(root.dataset.stream, Number(root.dataset.lastId), (frame) => {
      if (frame.event === "reload") {
        if (notice) notice.hidden = false;
        return;
      }
      if (!frame.event.startsWith("thread.")) {
        // Other parts' events on the list's stream (curation's highlight.changed).
        document.dispatchEvent(new CustomEvent("community-live", { detail: frame }));
        return;
      }
      const row = document.getElementById(`thread-${frame.data.id}`);
      if (frame.event === "thread.removed") {
        row?.remove(); // hidden, merged or moved away by a moderator
        return;
      }
      if (row && list && root.dataset.sort === "latest" && !row.classList.contains("pinned")) {
        // Latest activity first: the thread moves up, under the pinned ones.
        const firstUnpinned = list.querySelector(".thread-row:not(.pinned)");
        if (firstUnpinned !== row) list.insertBefore(row, firstUnpinned);
      }
      if (frame.event === "thread.created" || !row) {
        changed += 1;
        if (notice) {
          notice.hidden = false;
          notice.querySelector("[data-count]").textContent = String(changed);
        }
        announce(interpolate(root.dataset.announceThread, { title: frame.data.title }));
      }
    });
  }

  // --- Everywhere: the unread notifications counter ----------------------------------

  function meStream(connection) {
    const counter = document.querySelector("[data-unread-notifications]");
    connection.subscribe("me", null, (frame) => {
      if (frame.event !== "notification.created" || !counter) return;
      // A replayed event blanked since (the member lost access: forums.notifications) counts for nothing.
      if (frame.data && frame.data.withdrawn) return;
      const count = Number(counter.dataset.count || 0) + 1;
      counter.dataset.count = String(count);
      counter.textContent = String(count);
      counter.hidden = false;
    });
  }

  function start() {
    if (!("WebSocket" in window)) return;
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const connection = new Connection(`${scheme}//${location.host}/ws/`);
    window.communityLive = connection; // for diagnostics and tests
    if (document.body.dataset.username) meStream(connection);
    const thread = document.querySelector("[data-live-thread]");
    if (thread) threadPage(thread, connection);
    const community = document.querySelector("[data-live-community]");
    if (community) communityPage(community, connection);
    if (connection.streams.size) connection.connect();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
