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
    }).then(function () { container.dataset.drawn = "true"; });
  }
  document.querySelectorAll("[data-figure]").forEach(draw);
})();
