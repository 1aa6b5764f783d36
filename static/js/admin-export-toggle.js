// The admin's export page: "Select all" toggles every field (django-import-export's own
// handler, attached here because the Content-Security-Policy refuses inline handlers).
document.addEventListener("change", (event) => {
  if (event.target.matches("input.select-toggle") && window.onSelectToggleChange) {
    window.onSelectToggleChange(event);
  }
});
