// Argus: progressive enhancement only; every page works without this script.
"use strict";

// Live scan progress on the scans page: poll the status API and update the boxes in place.
(function () {
  const section = document.getElementById("running");
  if (!section) return;
  const url = section.dataset.statusUrl;
  let wasScanning = !section.hidden;
  async function poll() {
    try {
      const response = await fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } });
      if (!response.ok) return;
      const status = await response.json();
      const scans = status.scans || [];
      if (scans.length === 0) {
        if (wasScanning) { window.location.reload(); }
        return;
      }
      wasScanning = true;
      section.hidden = false;
      for (const scan of scans) {
        const box = section.querySelector('[data-scan="' + String(scan.scan_id) + '"]');
        if (!box) { window.location.reload(); return; }
        const progress = scan.progress || {};
        box.querySelector(".phase").textContent = progress.phase || "";
        box.querySelector(".hosts").textContent = String(progress.hosts_found || 0);
        box.querySelector(".eta").textContent = progress.remaining_seconds != null ? ", about " + progress.remaining_seconds + " s left" : "";
        const bar = box.querySelector("progress");
        bar.value = Math.round(progress.percent || 0);
        bar.textContent = bar.value + "%";
      }
    } catch (error) {
      // The next poll tries again.
    }
  }
  setInterval(poll, 1500);
  poll();
})();

// The "Add a sink" form: show only the chosen type's settings.
(function () {
  const select = document.querySelector("select[data-sink-type]");
  if (!select) return;
  function show() {
    for (const label of select.form.querySelectorAll("[data-sink-types]")) {
      const shown = label.dataset.sinkTypes.split(" ").includes(select.value);
      label.hidden = !shown;
      label.querySelector("input").disabled = !shown;
    }
  }
  select.addEventListener("change", show);
  show();
})();
