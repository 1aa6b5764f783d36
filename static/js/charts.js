// Draw every Plotly figure on the page. The server builds each figure; the page carries it
// in a <script type="application/json"> (Django's json_script) named by data-figure.
(function () {
  "use strict";
  function draw(container) {
    var source = document.getElementById(container.dataset.figure);
    if (!source || typeof Plotly === "undefined") { return; }
    var figure = JSON.parse(source.textContent);
    Plotly.newPlot(container, figure.data, figure.layout || {}, {
      responsive: true,
      displaylogo: false,
      modeBarButtonsToRemove: ["select2d", "lasso2d"],
    }).then(function () {
      // The drawing is for the eye; screen readers get the same data from the table below it.
      // Only the drawing is hidden: the tool bar's buttons (zoom, download) stay reachable, and
      // a hidden element must not hold anything that takes the focus.
      container.querySelectorAll(".main-svg").forEach(function (svg) {
        svg.setAttribute("aria-hidden", "true");
      });
      container.dataset.drawn = "true";
    });
  }
  document.querySelectorAll("[data-figure]").forEach(draw);
})();
