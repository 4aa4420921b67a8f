// Small progressive enhancements; every page works without JavaScript.

// The header menu is a <details> that site.css keeps open on wide screens through
// ::details-content; a browser without that selector gets it opened here instead.
(() => {
  const menu = document.querySelector("[data-site-menu]");
  if (!menu || CSS.supports("selector(::details-content)")) return;
  const wide = window.matchMedia("(min-width: 600px)");
  const follow = () => { menu.open = wide.matches; };
  wide.addEventListener("change", follow);
  follow();
})();

document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-autosubmit]");
  if (select && select.form) select.form.submit();
});

// @mention suggestions in a post's textarea (data-mentions="<members API URL>").
// Without JavaScript, typing @username works the same; this only saves typing.
(() => {
  const MENTION = /(^|[^\w@])@([\w.-]{1,30})$/u;

  function setup(textarea) {
    const list = document.createElement("ul");
    list.className = "mention-list";
    list.id = `${textarea.id}-mentions`;
    list.setAttribute("role", "listbox");
    list.hidden = true;
    textarea.after(list);
    textarea.setAttribute("aria-controls", list.id);
    textarea.setAttribute("aria-autocomplete", "list");
    let timer = null;
    let active = -1;

    function close() {
      list.hidden = true;
      list.replaceChildren();
      active = -1;
    }

    function choose(username) {
      const caret = textarea.selectionStart;
      const before = textarea.value.slice(0, caret).replace(MENTION, `$1@${username} `);
      textarea.value = before + textarea.value.slice(caret);
      textarea.setSelectionRange(before.length, before.length);
      close();
      textarea.focus();
    }

    function highlight(index) {
      const items = [...list.children];
      items.forEach((item, i) => item.setAttribute("aria-selected", String(i === index)));
      active = index;
    }

    async function suggest() {
      const match = textarea.value.slice(0, textarea.selectionStart).match(MENTION);
      if (!match) return close();
      const url = `${textarea.dataset.mentions}?limit=5&q=${encodeURIComponent(match[2])}`;
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok) return close();
      const { items } = await response.json();
      list.replaceChildren(
        ...items.map((member) => {
          const item = document.createElement("li");
          item.setAttribute("role", "option");
          item.textContent = `${member.display_name} (@${member.username})`;
          item.addEventListener("mousedown", (event) => {
            event.preventDefault();
            choose(member.username);
          });
          item.dataset.username = member.username;
          return item;
        }),
      );
      list.hidden = items.length === 0;
      highlight(items.length ? 0 : -1);
    }

    textarea.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(suggest, 150);
    });
    textarea.addEventListener("keydown", (event) => {
      if (list.hidden) return;
      const count = list.children.length;
      if (event.key === "ArrowDown") highlight((active + 1) % count);
      else if (event.key === "ArrowUp") highlight((active - 1 + count) % count);
      else if (event.key === "Enter" || event.key === "Tab") choose(list.children[active].dataset.username);
      else if (event.key === "Escape") close();
      else return;
      event.preventDefault();
    });
    textarea.addEventListener("blur", () => setTimeout(close, 100));
  }

  document.querySelectorAll("textarea[data-mentions]").forEach(setup);
})();
