// Progress bars for background jobs: every .job-progress[data-job-url] polls its job's JSON status
// until the job finishes or fails. Used with the progress_bar() macro.
(function () {
  "use strict";
  var english = (document.documentElement.lang || "").indexOf("en") === 0;
  var STATUS_TEXT = english ? {
    queued: "queued", started: "running", scheduled: "waiting to retry", deferred: "waiting",
    finished: "finished", failed: "failed", stopped: "stopped", canceled: "canceled"
  } : {
    queued: "排队中", started: "进行中", scheduled: "等待重试", deferred: "等待",
    finished: "已完成", failed: "失败", stopped: "已停止", canceled: "已取消"
  };
  function poll(el) {
    var url = el.getAttribute("data-job-url");
    var fill = el.querySelector(".job-progress-fill");
    var track = el.querySelector(".job-progress-track");
    var status = el.querySelector(".job-progress-status");
    var message = el.querySelector(".job-progress-message");
    var label = el.querySelector(".job-progress-name");
    var delay = 500;
    function tick() {
      fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
        .then(function (res) {
          if (!res.ok) { status.textContent = res.body.message || "?"; el.classList.add("is-failed"); return; }
          var job = res.body;
          if (label && job.description) { label.textContent = job.description; }
          fill.style.width = job.percent + "%";
          track.setAttribute("aria-valuenow", String(job.percent));
          status.textContent = (STATUS_TEXT[job.status] || job.status) + " · " + job.percent + "%";
          message.textContent = job.error || job.message || "";
          if (job.status === "finished") {
            el.classList.add("is-finished");
            el.dispatchEvent(new CustomEvent("job:finished", { bubbles: true, detail: job }));
            if (el.hasAttribute("data-reload-on-finish")) { window.location.reload(); }
            return;
          }
          if (job.status === "failed" || job.status === "stopped" || job.status === "canceled") {
            el.classList.add("is-failed");
            return;
          }
          delay = Math.min(delay * 1.3, 3000);
          window.setTimeout(tick, delay);
        })
        .catch(function () { window.setTimeout(tick, 3000); });
    }
    tick();
  }
  document.querySelectorAll(".job-progress[data-job-url]").forEach(poll);
})();
