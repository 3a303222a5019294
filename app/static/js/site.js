// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // Move keyboard focus to the first field with an error after a failed submit.
  document.addEventListener("DOMContentLoaded", function () {
    var invalid = document.querySelector('[aria-invalid="true"]');
    if (invalid) { invalid.focus(); }
  });
})();

// Budget ballots: show the running total of the picked projects against the budget.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var meter = document.querySelector(".budget-meter");
    if (!meter) { return; }
    var budget = parseInt(meter.getAttribute("data-budget"), 10) || 0;
    var boxes = document.querySelectorAll('input[name="pick"][data-cost]');
    var out = meter.querySelector(".budget-sum");
    function update() {
      var sum = 0;
      boxes.forEach(function (b) { if (b.checked) { sum += parseInt(b.getAttribute("data-cost"), 10) || 0; } });
      out.textContent = sum.toLocaleString("ko-KR");
      meter.classList.toggle("over", sum > budget);
    }
    boxes.forEach(function (b) { b.addEventListener("change", update); });
    meter.hidden = false;
    update();
  });
})();
