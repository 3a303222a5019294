// Live page and projector of an online event: follow the /live Socket.IO room and keep the page current.
// The server renders the whole state on load; this only keeps it fresh. Every (re)connect joins the
// room again and receives the full state, so nothing is lost while offline.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var root = document.querySelector("[data-live-event]");
    if (!root || typeof io === "undefined") { return; }
    var eventId = parseInt(root.getAttribute("data-live-event"), 10);
    var seq = parseInt(root.getAttribute("data-live-seq"), 10) || 0;
    var projector = root.getAttribute("data-projector") === "true";
    var votedText = root.getAttribute("data-text-voted") || "{n}";
    var turnoutTimer = null;

    function el(name) { return root.querySelector('[data-live="' + name + '"]'); }
    function show(node, visible) { if (node) { node.hidden = !visible; } }
    function text(node, value) { if (node) { node.textContent = value || ""; } }

    function setConnection(ok) {
      var node = el("connection");
      if (!node) { return; }
      node.hidden = false;
      node.classList.toggle("connected", ok);
      node.textContent = root.getAttribute(ok ? "data-text-connected" : "data-text-offline") || "";
    }

    function voteKey(vote) { return vote ? vote.id + ":" + vote.status + ":" + (vote.results ? "True" : "False") : ""; }

    function pollTurnout(vote) {
      if (turnoutTimer) { clearInterval(turnoutTimer); turnoutTimer = null; }
      if (!vote || !vote.open || !vote.turnout_url) { return; }
      turnoutTimer = setInterval(function () {
        fetch(vote.turnout_url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (t) {
          if (projector && root.getAttribute("data-live-results") === "true" && t.cast !== vote.cast) {
            window.location.reload();  // live results: the server redraws the chart and table
            return;
          }
          text(el("vote-turnout"), votedText.replace("{n}", t.cast));
          if (t.status !== "open") { clearInterval(turnoutTimer); turnoutTimer = null; }
        }).catch(function () { /* the next push or poll catches up */ });
      }, 5000);
    }

    function renderAnnouncements(list) {
      var ul = el("announcements");
      if (ul) {
        ul.textContent = "";
        list.forEach(function (a) {
          var li = document.createElement("li");
          var time = document.createElement("time");
          time.textContent = a.at;
          var span = document.createElement("span");
          span.className = "announcement-text";
          span.textContent = a.text;
          li.appendChild(time); li.appendChild(span); ul.appendChild(li);
        });
        show(el("announcements-empty"), list.length === 0);
      }
      var latest = el("latest-announcement");
      if (latest) {
        show(latest, list.length > 0);
        text(el("latest-at"), list.length ? list[0].at : "");
        text(el("latest-text"), list.length ? list[0].text : "");
      }
    }

    function apply(state) {
      if (!state || state.seq < seq) { return; }  // an older snapshot that arrived late
      seq = state.seq;
      root.setAttribute("data-live-seq", String(seq));
      if (projector && voteKey(state.vote) !== (root.getAttribute("data-vote-key") || "")) {
        window.location.reload();  // results are drawn by the server (chart and table)
        return;
      }
      var seg = state.segment || {};
      show(el("segment"), !!seg.title);
      show(el("segment-empty"), !seg.title);
      text(el("segment-title"), seg.title);
      text(el("segment-text"), seg.text);
      text(el("segment-since"), seg.since ? "· " + seg.since : "");
      renderAnnouncements(state.announcements || []);
      var vote = state.vote;
      show(el("vote"), !!vote);
      if (vote) {
        text(el("vote-title"), vote.title);
        text(el("vote-status"), vote.status_label);
        text(el("vote-turnout"), votedText.replace("{n}", vote.cast));
        var go = el("vote-link"), res = el("vote-results");
        if (go) { go.href = vote.url; show(go, vote.open); }
        if (res) { res.href = vote.results_url; show(res, vote.results); }
      }
      pollTurnout(vote);
      root.setAttribute("data-qa-open", state.qa_open ? "true" : "false");
      // The forums' Q&A widget (if on the page) opens and closes with the console's switch.
      var qaState = document.querySelector(".forum-qa .qa-state");
      if (qaState) { qaState.textContent = qaState.getAttribute(state.qa_open ? "data-open" : "data-closed") || ""; }
      var qaForm = document.querySelector(".forum-qa .qa-form");
      if (qaForm) { qaForm.hidden = !state.qa_open; }
      // Other widgets on the page (the forums' live Q&A) can follow the same state.
      document.dispatchEvent(new CustomEvent("live:state", { detail: state }));
    }

    var socket = io("/live");
    socket.on("connect", function () {
      setConnection(true);
      socket.emit("join", { event_id: eventId }, function (reply) {
        if (reply && reply.ok) { apply(reply.state); }
      });
    });
    socket.on("disconnect", function () { setConnection(false); });
    socket.on("state", apply);
    // The server's periodic re-check withdrew this room (the event became members-only, say): the page
    // itself says what the visitor may see now.
    socket.on("removed", function () { window.location.reload(); });
  });
})();
