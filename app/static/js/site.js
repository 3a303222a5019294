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

// Proposing: show up to five similar items while the title and problem are typed.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("agenda-form");
    if (!form) { return; }
    var box = document.getElementById("similar-box");
    var list = document.getElementById("similar-list");
    var url = form.getAttribute("data-similar-url");
    var exclude = form.getAttribute("data-exclude");
    var title = form.querySelector("#title");
    var problem = form.querySelector("#problem");
    var timer = null;
    function refresh() {
      var q = (title.value + " " + (problem ? problem.value : "")).trim();
      if (q.length < 2) { box.hidden = true; return; }
      var query = url + "?q=" + encodeURIComponent(q) + (exclude ? "&exclude=" + exclude : "");
      fetch(query, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
        list.textContent = "";
        data.items.forEach(function (item) {
          var li = document.createElement("li");
          var a = document.createElement("a");
          a.href = item.url; a.textContent = item.title;
          var badge = document.createElement("span");
          badge.className = "krds-badge bg-light-gray small"; badge.textContent = item.stage;
          li.appendChild(a); li.appendChild(document.createTextNode(" ")); li.appendChild(badge);
          list.appendChild(li);
        });
        box.hidden = data.items.length === 0;
      }).catch(function () { /* suggestions are a help, never a blocker */ });
    }
    function schedule() { clearTimeout(timer); timer = setTimeout(refresh, 300); }
    title.addEventListener("input", schedule);
    if (problem) { problem.addEventListener("input", schedule); }
  });
})();

// Ballots: send the form in the background and show the receipt in place. Without script the form
// posts as usual and the receipt is a page of its own. A second click while sending sends nothing.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form.ballot-form[data-receipt]");
    var template = form && document.getElementById(form.getAttribute("data-receipt"));
    var alertBox = document.getElementById("ballot-error");
    if (!form || !template || !alertBox || !window.fetch || !window.FormData) { return; }
    var button = form.querySelector("button[type=submit]");
    var label = button.textContent;

    function fail(message) {
      alertBox.textContent = message;
      alertBox.hidden = false;
      alertBox.focus();
      button.disabled = false;
      button.textContent = label;
    }

    function showReceipt(data) {
      var receipt = template.content.cloneNode(true);
      receipt.querySelector("#receipt-code").textContent = data.receipt;
      var list = receipt.querySelector("ul");
      data.ballot.forEach(function (line) {
        var item = document.createElement("li");
        item.textContent = line;
        list.appendChild(item);
      });
      var article = form.closest("article");
      var section = receipt.querySelector("section");
      article.replaceWith(receipt);
      var heading = section.querySelector("h1");
      heading.setAttribute("tabindex", "-1");
      heading.focus();
      window.scrollTo(0, 0);
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (button.disabled) { return; }
      button.disabled = true;
      button.textContent = form.getAttribute("data-sending");
      alertBox.hidden = true;
      fetch(form.action, {
        method: "POST", body: new FormData(form), credentials: "same-origin",
        headers: { "Accept": "application/json" }
      }).then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      }).then(function (reply) {
        if (reply.ok && reply.data.receipt) { showReceipt(reply.data); } else { fail(reply.data.error || form.getAttribute("data-offline")); }
      }).catch(function () {
        fail(form.getAttribute("data-offline"));
      });
    });
  });
})();
