// Images in posts: an "Add an image" button next to a post's textarea; a pasted or dropped
// image works too. The textarea carries data-image-upload="<upload API URL>" and the labels
// (forums.images.upload_attributes). The image is uploaded to the API, and the Markdown
// that shows it is inserted at the cursor. Without JavaScript, the upload page
// (/c/<slug>/images/new/) gives the same Markdown to copy.
(() => {
  function csrfToken(textarea) {
    const field = textarea.form && textarea.form.querySelector("input[name=csrfmiddlewaretoken]");
    if (field) return field.value;
    const cookie = document.cookie.split("; ").find((part) => part.startsWith("csrftoken="));
    return cookie ? decodeURIComponent(cookie.slice("csrftoken=".length)) : "";
  }

  function insertAtCursor(textarea, text) {
    const start = textarea.selectionStart;
    const end = textarea.selectionEnd;
    const before = textarea.value.slice(0, start);
    const after = textarea.value.slice(end);
    // An image on a line of its own reads best in the source and renders the same.
    const prefix = before && !before.endsWith("\n") ? "\n" : "";
    const suffix = after.startsWith("\n") ? "" : "\n";
    textarea.setRangeText(prefix + text + suffix, start, end, "end");
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
    textarea.focus();
  }

  function setup(textarea) {
    const labels = textarea.dataset;
    const controls = document.createElement("div");
    controls.className = "image-upload";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button button-small";
    button.textContent = labels.imageUploadLabel || "Add an image";
    const input = document.createElement("input");
    input.type = "file";
    input.accept = labels.imageUploadAccept || "image/jpeg,image/png,image/gif,image/webp";
    input.multiple = true;
    input.hidden = true;
    const status = document.createElement("span");
    status.className = "hint";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    controls.append(button, input, status);
    textarea.after(controls);

    let pending = 0;

    async function upload(file) {
      pending += 1;
      button.disabled = true;
      status.textContent = labels.imageUploadBusy || "Uploading the image…";
      const body = new FormData();
      body.append("file", file, file.name || "image");
      let message = "";
      try {
        const response = await fetch(labels.imageUpload, {
          method: "POST",
          body,
          credentials: "same-origin",
          headers: { "X-CSRFToken": csrfToken(textarea), Accept: "application/json" },
        });
        const data = await response.json().catch(() => ({}));
        if (response.ok && data.markdown) insertAtCursor(textarea, data.markdown);
        else message = data.detail || labels.imageUploadFailed || "The image could not be uploaded.";
      } catch {
        message = labels.imageUploadFailed || "The image could not be uploaded.";
      }
      pending -= 1;
      button.disabled = pending > 0;
      // A failure stays shown until the next upload; success needs no words.
      if (message || pending === 0) status.textContent = message;
    }

    async function uploadAll(files) {
      const images = [...files].filter((file) => file.type.startsWith("image/"));
      for (const file of images) await upload(file);
      return images.length > 0;
    }

    button.addEventListener("click", () => input.click());
    input.addEventListener("change", async () => {
      await uploadAll(input.files);
      input.value = "";
    });
    textarea.addEventListener("paste", (event) => {
      const files = event.clipboardData ? event.clipboardData.files : [];
      if ([...files].some((file) => file.type.startsWith("image/"))) {
        event.preventDefault();
        uploadAll(files);
      }
    });
    textarea.addEventListener("dragover", (event) => {
      if (event.dataTransfer && [...event.dataTransfer.types].includes("Files")) {
        event.preventDefault();
      }
    });
    textarea.addEventListener("drop", (event) => {
      const files = event.dataTransfer ? event.dataTransfer.files : [];
      if ([...files].some((file) => file.type.startsWith("image/"))) {
        event.preventDefault();
        uploadAll(files);
      }
    });
  }

  function setupAll(root = document) {
    root.querySelectorAll("textarea[data-image-upload]").forEach((textarea) => {
      if (textarea.dataset.imageUploadReady) return;
      textarea.dataset.imageUploadReady = "1";
      setup(textarea);
    });
  }

  // Exposed for forms added to the page later (an edit form opened in place).
  window.setupImageUploads = setupAll;
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => setupAll());
  else setupAll();
})();
