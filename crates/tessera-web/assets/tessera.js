// Copy buttons for citations: shown only when a script can do the copying.
document.querySelectorAll("button[data-copy]").forEach((button) => {
  const source = document.getElementById(button.dataset.copy);
  if (!source || !navigator.clipboard) return;
  const label = button.textContent;
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(source.textContent);
      button.textContent = button.dataset.copied;
    } catch {
      // Copying can be refused (no permission); the text stays there to select by hand.
      return;
    }
    setTimeout(() => { button.textContent = label; }, 2000);
  });
});

// Upload forms: the same multipart POST, sent by script so that a progress bar can follow it.
document.querySelectorAll("form[data-progress]").forEach((form) => {
  const bar = document.getElementById(form.dataset.progress);
  if (!bar || !window.FormData) return;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.upload.addEventListener("progress", (progress) => {
      if (!progress.lengthComputable) return;
      bar.hidden = false;
      bar.value = Math.round((100 * progress.loaded) / progress.total);
    });
    request.addEventListener("load", () => {
      if (request.status < 400) {
        window.location.assign(request.responseURL);
      } else {
        // The server's error page, as the form alone would have shown it.
        document.open();
        document.write(request.responseText);
        document.close();
      }
    });
    request.addEventListener("error", () => form.submit());
    bar.hidden = false;
    request.send(new FormData(form));
  });
});
