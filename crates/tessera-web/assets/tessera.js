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
