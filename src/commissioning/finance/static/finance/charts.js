// Draw each chart from the figure JSON written beside it (see commissioning/finance/charts.py).
// Loaded with "defer" after plotly.min.js, so Plotly is defined and the page is parsed.
document.querySelectorAll("[data-chart]").forEach(function (element) {
  var source = document.getElementById(element.dataset.chart);
  if (!source || !window.Plotly) return;
  var figure = JSON.parse(source.textContent);
  window.Plotly.newPlot(element, figure.data, figure.layout, figure.config);
});
