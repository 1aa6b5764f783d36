// Loaded between the geo bundle and the basic one on a page that needs both (the overview:
// bar charts and a map): keeps the geo bundle's Plotly, which charts.js uses for maps.
window.PlotlyGeo = window.Plotly;
