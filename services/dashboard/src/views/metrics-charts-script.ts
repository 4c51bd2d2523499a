// The dashboard's charts, served at /assets/metrics-charts.js: reads the JSON the page
// embeds and draws each chart with uPlot (loaded before it from /assets/vendor). The Metrics
// page's charts are named here (CHARTS); a page may instead name a chart's series in its
// data (`series`: key, label, color, `dash`, or `points` for markers whose legend shows
// `notes`), as the Autoscaling page does for its metric, thresholds and scale events. When
// the charts are drawn, the tables fold away (they stay one click away, and are what a
// screen reader and a browser without JavaScript get).
export const METRICS_CHARTS_JS = `(function () {
  'use strict';
  var el = document.getElementById('metrics-data');
  if (!el || !window.uPlot) return;
  var data = JSON.parse(el.textContent);
  var COLORS = { perMinute: '#3b1f8f', s2xx: '#17633a', s3xx: '#2a3fa8', s4xx: '#7a4a00', s5xx: '#a1162b', p50: '#2a3fa8', p95: '#a1162b' };
  var CHARTS = {
    requests: [['perMinute', 'Requests/min']],
    status: [['s2xx', '2xx'], ['s3xx', '3xx'], ['s4xx', '4xx'], ['s5xx', '5xx']],
    service: [['p50', 'p50 ms'], ['p95', 'p95 ms']]
  };
  var charts = [];

  function width (node) { return Math.max(260, Math.min(node.parentNode.clientWidth || 600, 900)); }

  document.querySelectorAll('.chart').forEach(function (node) {
    var d = Object.prototype.hasOwnProperty.call(data, node.getAttribute('data-window')) ? data[node.getAttribute('data-window')] : null;
    if (!d) return;
    var spec = d.series || (CHARTS[node.getAttribute('data-chart')] || []).map(function (s) { return { key: s[0], label: s[1], color: COLORS[s[0]] }; });
    if (!spec.length) return;
    var series = [{}].concat(spec.map(function (s) {
      var o = { label: s.label, stroke: s.color, width: 2, spanGaps: false };
      if (s.dash) o.dash = s.dash;
      if (s.points) {
        o.paths = function () { return null; };
        o.points = { show: true, size: 11, width: 2, stroke: s.color, fill: '#ffffff' };
        o.value = function (u, v, si, i) { return v == null ? '–' : ((d.notes && d.notes[i]) || 'yes'); };
      }
      return o;
    }));
    var values = [d.t].concat(spec.map(function (s) { return d[s.key]; }));
    // The page and its tables speak UTC, so the axes do too (uPlot's default is local time).
    var opts = { width: width(node), height: 220, series: series, scales: { x: { time: true } }, axes: [{}, { size: 50 }], legend: { show: true },
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'); } };
    charts.push({ node: node, plot: new uPlot(opts, values, node) });
    node.setAttribute('data-chart-state', 'drawn');
  });
  document.querySelectorAll('details[data-table-of]').forEach(function (d) { d.open = false; });
  var pending = 0;
  window.addEventListener('resize', function () {
    clearTimeout(pending);
    pending = setTimeout(function () { charts.forEach(function (c) { c.plot.setSize({ width: width(c.node), height: 220 }); }); }, 150);
  });
})();
`
