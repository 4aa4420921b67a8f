// Thread page: reactions toggled without a reload. The reaction buttons are a
// plain form (forums/_posts.html) that works with no script; this sends the
// same form with fetch and updates the counts and the pressed state in place.
(() => {
  // A post's reaction counts: on the buttons of those who may react, and on the
  // read-only list of the others, where a kind shows only while it has a count.
  function setCounts(article, counts) {
    for (const button of article.querySelectorAll(".reaction-form button[name=kind]")) {
      const pill = button.querySelector(".count-pill");
      const count = counts[button.value] || 0;
      if (pill) pill.textContent = count ? String(count) : "";
    }
    for (const item of article.querySelectorAll(".reaction-list [data-kind]")) {
      const count = counts[item.dataset.kind] || 0;
      item.querySelector(".count-pill").textContent = count ? String(count) : "";
      item.hidden = count === 0;
    }
  }

  // For realtime.js: the counts of a post reacted to by anyone, live.
  window.threadReactions = { setCounts };

  async function toggle(form, button) {
    const body = new FormData(form);
    body.append(button.name, button.value);
    button.setAttribute("aria-busy", "true");
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body,
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (!response.ok) throw new Error(String(response.status));
      const data = await response.json();
      button.setAttribute("aria-pressed", data.reacted ? "true" : "false");
      setCounts(form.closest("article") || form, data.reactions);
    } catch {
      // Say it the way the page says everything else: the form's own submission.
      const field = document.createElement("input");
      field.type = "hidden";
      field.name = button.name;
      field.value = button.value;
      form.append(field);
      form.submit();
    } finally {
      button.removeAttribute("aria-busy");
    }
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    const button = event.submitter;
    if (!form.matches(".reaction-form") || !button || button.name !== "kind") return;
    event.preventDefault();
    if (button.getAttribute("aria-busy") === "true") return; // a double click: one toggle
    toggle(form, button);
  });
})();
