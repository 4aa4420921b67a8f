// The KPI dashboard: draws each chart (vendored Chart.js) from the specification the page
// carries in <script type="application/json" id="kpi-data">; every figure is also in the
// chart's data table, so the page reads fine without this script. On an export's page,
// follows the background task's progress until its download link is ready.
(() => {
  const COLOURS = ["#1f4fd1", "#b42318", "#1a7f37", "#8a5a00", "#6f42c1", "#0f766e"];

  function dataset(spec, values, index) {
    const colour = COLOURS[index % COLOURS.length];
    return {
      label: values.label,
      data: values.values,
      borderColor: colour,
      backgroundColor: spec.kind === "bar" ? colour : `${colour}33`,
      borderWidth: 2,
      pointRadius: values.values.length > 40 ? 0 : 3,
      spanGaps: true,
      tension: 0.2,
    };
  }

  function drawCharts() {
    const source = document.getElementById("kpi-data");
    if (!source || typeof window.Chart !== "function") return;
    const still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    for (const spec of JSON.parse(source.textContent)) {
      const canvas = document.getElementById(spec.id);
      if (!canvas) continue;
      const chart = new window.Chart(canvas, {
        type: spec.kind,
        data: {
          labels: spec.labels,
          datasets: spec.datasets.map((values, index) => dataset(spec, values, index)),
        },
        options: {
          responsive: true,
          maintainAspectRatio: false,
          animation: still ? false : { duration: 300 },
          interaction: { mode: "index", intersect: false },
          scales: { y: { beginAtZero: true } },
          plugins: { legend: { position: "bottom" } },
        },
      });
      canvas.dataset.drawn = "1";
      canvas.chart = chart;
    }
  }

  function followExport(box) {
    const bar = box.querySelector("[data-progress]");
    const state = box.querySelector("[data-state]");
    const error = box.querySelector("[data-error]");
    const download = box.querySelector("[data-download]");
    const link = box.querySelector("[data-download-link]");
    let delay = 500;

    async function check() {
      let status = null;
      try {
        const response = await fetch(box.dataset.statusUrl, {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        });
        if (response.ok) status = await response.json();
      } catch {
        status = null; // the network came back empty: ask again a little later
      }
      if (status) {
        bar.value = status.progress;
        bar.textContent = `${status.progress} %`;
        state.textContent = status.status_text;
        if (status.state === "done" && status.download_url) {
          link.href = status.download_url;
          box.querySelector("[data-manifest-link]").href = status.download_url + "?part=manifest";
          download.hidden = false;
          return;
        }
        if (status.state === "failed") {
          error.textContent = status.error || box.dataset.failedText;
          error.hidden = false;
          return;
        }
      }
      delay = Math.min(delay * 1.5, 5000);
      window.setTimeout(check, delay);
    }

    if (download.hidden) check();
  }

  drawCharts();
  document.querySelectorAll("[data-export-job]").forEach(followExport);
})();
