// The lists' filter forms. Without JavaScript both parts below are plain HTML that works.
//
// Forms marked data-compact-get leave their empty fields out of the address they submit, so a
// permalink names only the filters in use (/sightings/?city=karachi, not ?q=&city=karachi&…).
// The "formdata" event edits what is sent, not the fields: nothing is left disabled when the
// browser's Back button brings the page back from its cache.
//
// A long checkbox list (data-checklist, entrants/widgets.py) gets a box above it that narrows
// the list as one types; ticked choices always stay in view.
(function () {
  "use strict";

  var NARROW_FROM = 8;  // choices; a shorter list shows whole

  document.querySelectorAll("form[data-compact-get]").forEach(function (form) {
    form.addEventListener("formdata", function (event) {
      var data = event.formData;
      var entries = Array.from(data.entries());
      entries.forEach(function (entry) { data.delete(entry[0]); });
      entries.forEach(function (entry) {
        if (String(entry[1]).trim() !== "") { data.append(entry[0], entry[1]); }
      });
    });
  });

  document.querySelectorAll("[data-checklist]").forEach(function (list) {
    var items = Array.from(list.querySelectorAll("li"));
    if (items.length < NARROW_FROM) { return; }
    var texts = items.map(function (item) { return item.textContent.toLowerCase(); });
    var legend = list.closest("fieldset") && list.closest("fieldset").querySelector("legend");
    var box = document.createElement("input");
    box.type = "search";  // no name: it is never submitted
    box.className = "checklist-narrow";
    box.placeholder = "Type to narrow the list";
    box.setAttribute(
      "aria-label", "Narrow the list" + (legend ? " of " + legend.textContent.trim() : "")
    );
    box.addEventListener("input", function () {
      var words = box.value.trim().toLowerCase().split(/\s+/);
      items.forEach(function (item, index) {
        var shown = item.querySelector("input").checked || words.every(function (word) {
          return texts[index].indexOf(word) !== -1;
        });
        item.hidden = !shown;
      });
    });
    // Enter in the box narrows; it does not submit the form.
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); }
    });
    list.insertBefore(box, list.firstChild);
  });
})();
