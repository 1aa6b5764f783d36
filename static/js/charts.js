// Draw every Plotly figure on the page. The server builds each figure; the page carries it
// in a <script type="application/json"> (Django's json_script) named by data-figure.
(function () {
  "use strict";
  // Narrower than this (a phone), a plot is drawn with its figure's "narrow" layout merged over
  // its layout (labels inside the plot, the legend under it) and without the mode bar, whose
  // buttons would cover the legend; past the width again, it is redrawn as on a wide screen.
  var NARROW_WIDTH = 600;

  function merged(layout, changes) {
    var result = Object.assign({}, layout);
    Object.keys(changes || {}).forEach(function (key) {
      var change = changes[key];
      var plain = change && typeof change === "object" && !Array.isArray(change);
      result[key] = plain && result[key] ? merged(result[key], change) : change;
    });
    return result;
  }

  // A map (data-plotly="geo") is drawn by the geo bundle: on a page that also loads the basic
  // bundle for its other charts, plotly-geo-alias.js keeps the geo one as PlotlyGeo. Its
  // outlines come from the tracker's static files (data-topojson-url), never Plotly's CDN.
  function plotlyFor(container) {
    return (container.dataset.plotly === "geo" && window.PlotlyGeo) || window.Plotly;
  }

  function draw(container, figure, narrow) {
    var layout = narrow ? merged(figure.layout, figure.narrow) : figure.layout || {};
    container.dataset.narrow = String(narrow);
    var config = {
      responsive: true,
      displaylogo: false,
      displayModeBar: narrow ? false : "hover",
      modeBarButtonsToRemove: ["select2d", "lasso2d"],
    };
    if (container.dataset.topojsonUrl) { config.topojsonURL = container.dataset.topojsonUrl; }
    return plotlyFor(container).react(container, figure.data, layout, config).then(function () {
      // The drawing is for the eye; screen readers get the same data from the table below it.
      // Only the drawing is hidden: the tool bar's buttons (zoom, download) stay reachable, and
      // a hidden element must not hold anything that takes the focus.
      container.querySelectorAll(".main-svg").forEach(function (svg) {
        svg.setAttribute("aria-hidden", "true");
      });
      container.dataset.drawn = "true";
    });
  }

  function start(container) {
    var source = document.getElementById(container.dataset.figure);
    if (!source || !plotlyFor(container)) { return; }
    var figure = JSON.parse(source.textContent);
    var isNarrow = function () { return container.clientWidth < NARROW_WIDTH; };
    draw(container, figure, isNarrow());
    window.addEventListener("resize", function () {
      if (String(isNarrow()) !== container.dataset.narrow) { draw(container, figure, isNarrow()); }
    });
  }

  // A note on a chart links to the rows it left out, in the chart's table: open the table
  // (Chromium opens it by itself on following the link; other browsers may not).
  function openRowsOf(hash) {
    var target = hash && hash.length > 1 && document.getElementById(hash.slice(1));
    var table = target && target.closest("details");
    if (table) { table.open = true; }
  }

  document.querySelectorAll("[data-figure]").forEach(start);
  document.querySelectorAll(".chart-omitted a").forEach(function (link) {
    link.addEventListener("click", function () { openRowsOf(link.hash); });
  });
  openRowsOf(window.location.hash);
})();
