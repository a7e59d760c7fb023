// Bulk upload with progress: the file is sent with XHR (upload progress), and while the server works
// through it, its progress is polled. Without this script the form posts as usual.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("upload-form");
  if (!form || !window.XMLHttpRequest || !window.crypto) return;
  const box = form.querySelector(".upload-progress");
  const bar = box.querySelector("progress");
  const text = box.querySelector("p");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const id = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
    form.querySelector("input[name=progress_id]").value = id;
    box.hidden = false;
    text.textContent = text.dataset.uploading;
    const pollUrl = form.dataset.progressUrl.replace("__ID__", id);
    let timer = null;
    const poll = () => {
      fetch(pollUrl, { credentials: "same-origin" }).then((r) => r.json()).then((p) => {
        if (p.total) {
          bar.value = Math.round((100 * p.done) / p.total);
          text.textContent = text.dataset.working.replace("{done}", p.done).replace("{total}", p.total);
        }
      }).catch(() => {});
    };
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action || window.location.href);
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) bar.value = Math.round((50 * e.loaded) / e.total);
    });
    xhr.upload.addEventListener("load", () => { timer = window.setInterval(poll, 500); });
    xhr.addEventListener("load", () => {
      if (timer) window.clearInterval(timer);
      document.open();
      document.write(xhr.responseText);
      document.close();
      window.history.replaceState(null, "", window.location.href);
    });
    xhr.send(new FormData(form));
  });
});

// The event form shows only the fields the chosen event needs (without this script, all of them).
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form.event-form");
  if (!form) return;
  const select = form.querySelector("select[name=event]");
  const parts = form.querySelectorAll("[data-events]");
  const show = () => {
    parts.forEach((part) => {
      part.hidden = !part.dataset.events.split(" ").includes(select.value);
    });
  };
  select.addEventListener("change", show);
  show();
});
