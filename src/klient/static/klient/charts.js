// Report charts: every <canvas data-chart="ID"> is drawn with Chart.js from the JSON that the page put in
// the element ID (Django's json_script): {"type", "labels", "datasets": [{"label", "data"}], "stacked"}.
// No inline scripts: the content security policy forbids them.
(function () {
  "use strict";

  function draw() {
    if (typeof window.Chart === "undefined") return;
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      const source = document.getElementById(canvas.dataset.chart);
      if (!source || canvas.dataset.drawn) return;
      const spec = JSON.parse(source.textContent);
      canvas.dataset.drawn = "1";
      const stacked = Boolean(spec.stacked);
      new window.Chart(canvas, {
        type: spec.type,
        data: { labels: spec.labels, datasets: spec.datasets },
        options: {
          responsive: true,
          aspectRatio: 3,
          animation: false,
          spanGaps: true,
          scales: { x: { stacked: stacked }, y: { stacked: stacked, beginAtZero: true } },
        },
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
  document.addEventListener("htmx:afterSettle", draw);
})();
