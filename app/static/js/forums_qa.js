// Live Q&A of a town hall (forums/_event_qa.html): ask, upvote, staff mark answered or hide; the list re-sorts live.
// Uses the shared /forums connection from forums.js. Works without this file (forms post and reload).
(function () {
  "use strict";
  var ORDER = { open: 0, answered: 1, hidden: 2 };

  function idUrl(pattern, id) { return pattern.replace(/\/0\//, "/" + id + "/"); }

  function initQa(section) {
    var F = window.HyeopchiForums;
    if (!F) { return; }
    var room = section.getAttribute("data-room");
    var eventId = parseInt(section.getAttribute("data-event-id"), 10);
    var canVote = section.getAttribute("data-can-vote") === "1";
    var canModerate = section.getAttribute("data-can-moderate") === "1";
    var strings = section.querySelector(".qa-strings").dataset;
    var list = section.querySelector(".qa-list");
    var template = section.querySelector(".qa-item-template");
    var form = section.querySelector("form.qa-form");
    var live = section.querySelector(".qa-live-status");
    var state = section.querySelector(".qa-state");

    function say(message) { live.textContent = ""; setTimeout(function () { live.textContent = message; }, 50); }

    function resort() {
      var items = Array.prototype.slice.call(list.children);
      var sorted = items.slice().sort(function (a, b) {
        var sa = ORDER[a.getAttribute("data-state")] || 0, sb = ORDER[b.getAttribute("data-state")] || 0;
        if (sa !== sb) { return sa - sb; }
        var va = +a.getAttribute("data-votes"), vb = +b.getAttribute("data-votes");
        if (va !== vb) { return vb - va; }
        return +a.getAttribute("data-question-id") - +b.getAttribute("data-question-id");
      });
      if (sorted.every(function (el, i) { return el === items[i]; })) { return; }
      var focused = document.activeElement;
      sorted.forEach(function (el) { list.appendChild(el); });
      if (focused && list.contains(focused)) { focused.focus(); }
    }

    function counts() {
      var visible = list.querySelectorAll(".qa-item:not(.state-hidden)").length;
      section.querySelector(".qa-count").textContent = String(visible);
      section.querySelector(".qa-empty").hidden = list.children.length > 0;
    }

    function update(el, q) {
      el.setAttribute("data-votes", q.votes);
      el.setAttribute("data-state", q.state);
      el.className = "qa-item state-" + q.state;
      el.querySelector(".qa-vote-count").textContent = String(q.votes);
      if (q.body !== undefined) { el.querySelector(".qa-body").textContent = q.body; }
      el.querySelector(".qa-answered").hidden = q.state !== "answered";
      var vote = el.querySelector(".qa-vote-form");
      if (vote) { vote.hidden = q.state !== "open"; }
    }

    function build(q) {
      var el = template.content.firstElementChild.cloneNode(true);
      el.id = "question-" + q.id;
      el.setAttribute("data-question-id", q.id);
      el.querySelector(".qa-author").textContent = q.author || strings.anonymous;
      el.querySelector(".qa-time").textContent = q.created_kst;
      var vote = el.querySelector(".qa-vote-form");
      vote.action = idUrl(section.getAttribute("data-vote-url"), q.id);
      vote.querySelector("button").disabled = !canVote;
      var mark = el.querySelector(".qa-mark-form");
      if (mark) {
        mark.action = idUrl(section.getAttribute("data-mark-url"), q.id);
        el.querySelector(".qa-reason").id = "hide-reason-" + q.id;
        el.querySelector(".qa-reason-label").setAttribute("for", "hide-reason-" + q.id);
      }
      return el;
    }

    function upsert(q, created) {
      var el = document.getElementById("question-" + q.id);
      if (q.state === "hidden" && !canModerate) {
        if (el) { el.remove(); }
        counts();
        return;
      }
      if (!el) {
        if (q.body === undefined) { return; }
        el = build(q);
        list.appendChild(el);
        if (created) { say(strings["new"]); }
      }
      update(el, q);
      resort();
      counts();
    }

    F.subscribe(room, parseInt(section.getAttribute("data-seq"), 10) || 0, {
      event: function (evt) {
        if (evt.question) { upsert(evt.question, evt.type === "question.created"); }
        if (evt.type === "qa.state" && evt.data) {
          var open = !!evt.data.open;
          state.textContent = open ? state.getAttribute("data-open") : state.getAttribute("data-closed");
          if (form) { form.hidden = !open; }
        }
      },
      reset: function () { window.location.reload(); }
    });

    if (form) {
      var error = form.querySelector(".qa-form-error");
      form.addEventListener("submit", function (e) {
        if (!F.connected()) { return; }
        e.preventDefault();
        var textarea = form.querySelector("textarea");
        var token = form.querySelector("[name$=client_token]");
        var anonymous = form.querySelector("input[type=checkbox]");
        if (!token.value) { token.value = F.newId(); }
        error.hidden = true;
        F.call("qa_ask", { event_id: eventId, body: textarea.value, anonymous: !!(anonymous && anonymous.checked),
                           client_id: token.value }, { retries: 4 }).then(function () {
          textarea.value = "";
          token.value = F.newId();
        }, function (err) { error.textContent = err.message || strings.failed; error.hidden = false; });
      });
    }

    section.addEventListener("submit", function (e) {
      var vote = e.target.closest(".qa-vote-form");
      var mark = e.target.closest(".qa-mark-form");
      if ((!vote && !mark) || !F.connected()) { return; }
      e.preventDefault();
      var item = e.target.closest(".qa-item");
      var id = parseInt(item.getAttribute("data-question-id"), 10);
      if (vote) {
        var button = vote.querySelector("button");
        F.call("qa_vote", { question_id: id }).then(function () {
          button.setAttribute("aria-pressed", button.getAttribute("aria-pressed") === "true" ? "false" : "true");
        }, function (err) { if (err.message) { say(err.message); } });
      } else {
        var submitter = e.submitter || mark.querySelector("button");
        var reason = mark.querySelector(".qa-reason");
        F.call("qa_mark", { question_id: id, action: submitter.value, reason: reason ? reason.value : "" })
          .then(function () {}, function (err) { if (err.message) { say(err.message); window.alert(err.message); } });
      }
    }, true);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".forum-qa[data-room]").forEach(initQa);
  });
})();
