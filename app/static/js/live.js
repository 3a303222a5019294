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

    function turnoutNode(vote) {
      if (projector) { return el("vote-turnout"); }
      return root.querySelector('[data-vote-id="' + vote.id + '"] [data-live="vote-turnout"]');
    }

    function pollTurnout(votes) {
      if (turnoutTimer) { clearInterval(turnoutTimer); turnoutTimer = null; }
      var open = (votes || []).filter(function (v) { return v && v.open && v.turnout_url; });
      if (!open.length) { return; }
      turnoutTimer = setInterval(function () {
        open.forEach(function (vote) {
          if (!vote.open) { return; }
          fetch(vote.turnout_url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (t) {
            if (projector && root.getAttribute("data-live-results") === "true" && t.cast !== vote.cast) {
              window.location.reload();  // live results: the server redraws the chart and table
              return;
            }
            text(turnoutNode(vote), votedText.replace("{n}", t.cast));
            if (t.status !== "open") { vote.open = false; }
          }).catch(function () { /* the next push or poll catches up */ });
        });
      }, 5000);
    }

    function link(href, className, label, title) {
      var a = document.createElement("a");
      a.href = href;
      a.className = className;
      a.textContent = label || "";
      var hint = document.createElement("span");
      hint.className = "sr-only";
      hint.textContent = " — " + title;
      a.appendChild(hint);
      return a;
    }

    function renderVotes(list) {
      var box = el("votes"), ul = el("vote-list");
      if (!box || !ul) { return; }
      ul.textContent = "";
      list.forEach(function (vote) {
        var li = document.createElement("li");
        li.className = "live-vote-item";
        li.setAttribute("data-vote-id", String(vote.id));
        var meta = document.createElement("p");
        meta.className = "card-meta";
        var badge = document.createElement("span");
        badge.className = "krds-badge bg-primary small";
        badge.textContent = vote.status_label;
        meta.appendChild(badge);
        var title = document.createElement("h3");
        title.textContent = vote.title;
        var turnout = document.createElement("p");
        turnout.setAttribute("data-live", "vote-turnout");
        turnout.setAttribute("aria-live", "polite");
        turnout.textContent = votedText.replace("{n}", vote.cast);
        var row = document.createElement("div");
        row.className = "btn-row";
        if (vote.open) { row.appendChild(link(vote.url, "krds-btn primary medium", box.getAttribute("data-text-go"), vote.title)); }
        if (vote.results) {
          row.appendChild(link(vote.results_url, "krds-btn secondary medium", box.getAttribute("data-text-results"), vote.title));
        }
        li.appendChild(meta); li.appendChild(title); li.appendChild(turnout); li.appendChild(row);
        ul.appendChild(li);
      });
      show(box, list.length > 0);
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
      if (projector) {
        if (state.vote) { text(el("vote-turnout"), votedText.replace("{n}", state.vote.cast)); }
        pollTurnout(state.vote ? [state.vote] : []);
      } else {
        renderVotes(state.votes || []);
        pollTurnout(state.votes || []);
      }
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
