// Plan exports: follow the progress of a file being made without reloading the page.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("export-progress");
    if (!box) { return; }
    var status = box.getAttribute("data-status");
    if (status !== "queued" && status !== "running") { return; }
    var bar = document.getElementById("progress-bar");
    var text = box.querySelector(".progress-text");
    function poll() {
      fetch(box.getAttribute("data-status-url"), {headers: {"Accept": "application/json"}, credentials: "same-origin"})
        .then(function (r) { return r.json(); })
        .then(function (data) {
          if (bar) { bar.value = data.progress; }
          if (text) { text.textContent = data.progress + "%"; }
          if (data.status === "done" || data.status === "failed") { window.location.reload(); return; }
          window.setTimeout(poll, 700);
        })
        .catch(function () { window.setTimeout(poll, 2000); });
    }
    window.setTimeout(poll, 500);
  });
})();
