// Realtime discussion over Socket.IO (namespace /forums): live posts, reactions, moderation and presence,
// with replay of missed events after a reconnect. Pages work without this file (forms post and reload).
//
// window.HyeopchiForums is the one connection every widget on a page shares:
//   subscribe(room, seq, {event(evt), presence(n), status(state), reset()})  -- events in seq order, no gaps
//   call(name, data, {retries}) -> Promise of the server's reply ({ok: true, ...}); rejects with Error(message)
//   connected() -> bool
(function () {
  "use strict";
  if (window.HyeopchiForums) { return; }
  var socket = null;
  var rooms = {};
  var everConnected = false;

  function each(room, name, arg) {
    (rooms[room] ? rooms[room].handlers : []).forEach(function (h) { if (h[name]) { h[name](arg); } });
  }

  function everyRoom(name, arg) { Object.keys(rooms).forEach(function (room) { each(room, name, arg); }); }

  function deliver(room, evt) {
    var r = rooms[room];
    r.seq = evt.seq;
    each(room, "event", evt);
  }

  function drain(room) {
    var r = rooms[room];
    while (r.pending[r.seq + 1]) {
      var next = r.pending[r.seq + 1];
      delete r.pending[r.seq + 1];
      deliver(room, next);
    }
    Object.keys(r.pending).forEach(function (s) { if (+s <= r.seq) { delete r.pending[s]; } });
    if (Object.keys(r.pending).length) { sync(room); }
  }

  function apply(room, reply) {
    if (reply.reset) { each(room, "reset"); return; }
    (reply.events || []).forEach(function (evt) { if (evt.seq > rooms[room].seq) { deliver(room, evt); } });
    drain(room);
  }

  function sync(room) {
    var r = rooms[room];
    if (r.syncing || !socket.connected) { return; }
    r.syncing = true;
    socket.timeout(10000).emit("sync", { room: room, last_seq: r.seq }, function (err, reply) {
      r.syncing = false;
      if (!err && reply && reply.ok) { apply(room, reply); } else { setTimeout(function () { sync(room); }, 2000); }
    });
  }

  function join(room) {
    var r = rooms[room];
    socket.timeout(10000).emit("join", { room: room, last_seq: r.seq }, function (err, reply) {
      if (err || !reply) { setTimeout(function () { if (socket.connected) { join(room); } }, 2000); return; }
      if (reply.error) { each(room, "status", "refused"); return; }
      r.me = reply.me;
      apply(room, reply);
      each(room, "presence", reply.presence);
    });
  }

  function receive(evt) {
    var r = evt && rooms[evt.room];
    if (!r || typeof evt.seq !== "number" || evt.seq <= r.seq) { return; }
    if (evt.seq === r.seq + 1 && !r.syncing) { deliver(evt.room, evt); drain(evt.room); return; }
    r.pending[evt.seq] = evt;  // a gap: we missed something; ask the database
    sync(evt.room);
  }

  function connection() {
    if (socket || typeof window.io === "undefined") { return socket; }
    socket = window.io("/forums", { reconnectionDelayMax: 5000 });
    socket.on("connect", function () {
      if (everConnected) { everyRoom("status", "reconnected"); }
      everConnected = true;
      Object.keys(rooms).forEach(join);
    });
    socket.on("disconnect", function () { everyRoom("status", "offline"); });
    socket.on("connect_error", function () { if (everConnected) { everyRoom("status", "offline"); } });
    socket.on("thread_event", receive);
    // The server's periodic re-check found this room no longer readable (membership ended, for one).
    socket.on("removed", function (p) { if (p && rooms[p.room]) { each(p.room, "status", "refused"); } });
    socket.on("presence", function (p) { if (p && rooms[p.room]) { each(p.room, "presence", p.count); } });
    setInterval(function () { if (socket.connected) { socket.emit("here", {}); } }, 30000);
    return socket;
  }

  function subscribe(room, seq, handler) {
    if (!rooms[room]) { rooms[room] = { seq: seq || 0, handlers: [], pending: {}, syncing: false }; }
    rooms[room].handlers.push(handler);
    var s = connection();
    if (s && s.connected) { join(room); }
  }

  function call(name, data, options) {
    var retries = (options && options.retries) || 0;
    return new Promise(function (resolve, reject) {
      function attempt(left) {
        if (!socket || !socket.connected) {
          if (left > 0) { setTimeout(function () { attempt(left - 1); }, 1500); return; }
          reject(new Error("")); return;
        }
        socket.timeout(5000).emit(name, data, function (err, reply) {
          if (err || !reply) {  // no answer: send the same thing again (the client id makes it idempotent)
            if (left > 0) { attempt(left - 1); } else { reject(new Error("")); }
            return;
          }
          if (reply.error) { reject(new Error(reply.error)); return; }
          resolve(reply);
        });
      }
      attempt(retries);
    });
  }

  window.HyeopchiForums = {
    subscribe: subscribe,
    call: call,
    connected: function () { return !!(socket && socket.connected); },
    socket: function () { return socket; },
    newId: function () {
      var a = new Uint8Array(16);
      window.crypto.getRandomValues(a);
      return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
    }
  };
})();

// The thread widget: forums/_thread.html.
(function () {
  "use strict";
  var F = window.HyeopchiForums;

  function idUrl(pattern, id) { return pattern.replace(/\/0\//, "/" + id + "/"); }

  function initThread(section) {
    var room = section.getAttribute("data-room");
    var me = section.getAttribute("data-me");
    var canReact = section.getAttribute("data-can-react") === "1";
    var canModerate = section.getAttribute("data-can-moderate") === "1";
    var strings = section.querySelector(".forum-strings").dataset;
    var list = section.querySelector(".forum-posts");
    var template = section.querySelector(".forum-post-template");
    var form = section.querySelector("form.forum-form");
    var live = section.querySelector(".forum-live-status");
    var notice = section.querySelector(".forum-connection");
    var presence = section.querySelector(".forum-presence");

    function text(el, value) { if (el) { el.textContent = value; } }
    function say(message) { text(live, ""); setTimeout(function () { text(live, message); }, 50); }

    function recount() {
      text(section.querySelector(".forum-post-count"), String(list.querySelectorAll(".forum-post.state-visible").length));
      var empty = section.querySelector(".forum-empty");
      if (empty) { empty.hidden = list.querySelector(".forum-post") !== null; }
    }

    function update(el, p, fresh) {
      var visible = p.state === "visible";
      el.className = "forum-post depth-" + p.depth + " state-" + p.state + (el.classList.contains("is-new") ? " is-new" : "");
      el.setAttribute("data-author-id", visible ? String(p.author_id) : "");
      var box = el.querySelector(":scope > .forum-post-box");
      text(box.querySelector(".forum-author"), visible ? p.author : strings.unknown);
      var time = box.querySelector("time");
      time.textContent = p.created_kst;
      time.setAttribute("datetime", p.created_at);
      box.querySelector(".forum-edited").hidden = !(visible && p.edited);
      var body = box.querySelector(".forum-post-body");
      var note = box.querySelector(".forum-post-notice");
      if (!note) { note = document.createElement("p"); note.className = "forum-post-notice"; box.insertBefore(note, box.querySelector(".forum-post-actions")); }
      if (visible) {
        if (!body) { body = document.createElement("div"); body.className = "forum-post-body"; box.insertBefore(body, note); }
        body.innerHTML = p.html;  // rendered and sanitized by the server (nh3)
        body.hidden = false;
        note.hidden = true;
      } else {
        if (body) { body.textContent = ""; body.hidden = true; }
        note.textContent = p.state === "hidden" ? strings.hidden : strings.deleted;
        note.hidden = false;
      }
      var quote = box.querySelector(".forum-quote");
      if (quote && (fresh || !visible)) {
        quote.hidden = !(visible && p.quote);
        if (visible && p.quote) {
          if (p.quote.state === "visible") {
            quote.innerHTML = "";
            var who = document.createElement("p"); who.className = "card-meta";
            var a = document.createElement("a"); a.href = "#post-" + p.quote.id; a.textContent = strings.quoteAuthor.replace("{name}", p.quote.author);
            who.appendChild(a);
            var said = document.createElement("p"); said.textContent = p.quote.excerpt;
            quote.appendChild(who); quote.appendChild(said);
          } else {
            quote.innerHTML = ""; var gone = document.createElement("p"); gone.className = "card-meta"; gone.textContent = strings.quoteGone; quote.appendChild(gone);
          }
        }
      }
      var actions = box.querySelector(".forum-post-actions");
      if (!visible) {
        Array.prototype.forEach.call(actions.children, function (c) { if (!c.classList.contains("forum-moderate")) { c.hidden = true; } });
        actions.hidden = !canModerate;
      } else if (fresh) {
        var mine = me && String(p.author_id) === me;
        var react = actions.querySelector(".forum-react-form");
        react.action = idUrl(section.getAttribute("data-react-url"), p.id);
        react.querySelectorAll("button").forEach(function (b) { b.disabled = !canReact || mine; });
        var reply = actions.querySelector(".forum-reply"), quoteLink = actions.querySelector(".forum-quote-link");
        reply.href = "?reply_to=" + p.id + "&room=" + room + "#forum-form-" + room;
        quoteLink.href = "?quote=" + p.id + "&room=" + room + "#forum-form-" + room;
        reply.hidden = quoteLink.hidden = !form;
        var edit = actions.querySelector(".forum-edit");
        if (edit) { edit.href = idUrl(section.getAttribute("data-edit-url"), p.id); edit.hidden = !(mine && Date.now() < Date.parse(p.editable_until)); }
        var del = actions.querySelector(".forum-delete-form");
        if (del) { del.action = idUrl(section.getAttribute("data-delete-url"), p.id); del.hidden = !mine; }
        var report = actions.querySelector(".forum-report");
        if (report) { report.href = idUrl(section.getAttribute("data-report-url"), p.id); report.hidden = !me || mine; }
        var mod = actions.querySelector(".forum-moderate");
        if (mod) { mod.href = idUrl(section.getAttribute("data-moderate-url"), p.id); mod.hidden = !canModerate; }
        actions.hidden = false;
      } else if (actions.hidden || actions.querySelector(".forum-react-form") === null) {
        // A hidden post shown again: its controls need a fresh page.
        actions.hidden = false;
      }
      var agree = actions.querySelector(".forum-agree .forum-count"), disagree = actions.querySelector(".forum-disagree .forum-count");
      text(agree, String(p.agree));
      text(disagree, String(p.disagree));
    }

    function build(p) {
      var el = template.content.firstElementChild.cloneNode(true);
      el.id = "post-" + p.id;
      el.setAttribute("data-post-id", p.id);
      el.setAttribute("data-parent-id", p.parent_id || "");
      el.setAttribute("data-depth", p.depth);
      el.querySelector(".forum-post-meta").id = "post-" + p.id + "-meta";
      el.querySelector(".forum-post-box").setAttribute("aria-labelledby", "post-" + p.id + "-meta");
      return el;
    }

    function upsert(p, created) {
      if (!p) { return; }
      var el = document.getElementById("post-" + p.id);
      if (el) { update(el, p, false); recount(); return; }
      if (!created && p.state !== "visible") { return; }
      el = build(p);
      update(el, p, true);
      var parent = p.parent_id ? document.getElementById("post-" + p.parent_id) : null;
      var into = parent ? parent.querySelector(":scope > .forum-replies") : list;
      into.appendChild(el);
      if (!me || String(p.author_id) !== me) {
        el.classList.add("is-new");
        say(strings.newPost.replace("{name}", p.author || strings.unknown));
      }
      recount();
    }

    function onEvent(evt) {
      if (evt.post) { upsert(evt.post, evt.type === "post.created"); }
      if (evt.type === "thread.settings" && evt.data && evt.data.locked && form) {
        form.hidden = true;
        var locked = document.createElement("p");
        locked.className = "flash flash-info";
        locked.textContent = strings.locked;
        form.parentNode.insertBefore(locked, form);
        form = null;
      }
    }

    var hideTimer = null;
    F.subscribe(room, parseInt(section.getAttribute("data-seq"), 10) || 0, {
      event: onEvent,
      presence: function (n) {
        presence.hidden = false;
        text(presence.querySelector(".forum-presence-count"), String(n));
      },
      status: function (state) {
        clearTimeout(hideTimer);
        if (state === "offline") { notice.textContent = strings.offline; notice.hidden = false; }
        if (state === "reconnected") {
          notice.textContent = strings.reconnected; notice.hidden = false;
          hideTimer = setTimeout(function () { notice.hidden = true; }, 3000);
        }
      },
      reset: function () { say(strings.reload); window.location.reload(); }
    });

    // Reply and quote without leaving the page.
    function field(name) { return form ? form.querySelector("[name=" + name + "]") : null; }
    section.addEventListener("click", function (e) {
      var link = e.target.closest(".forum-reply, .forum-quote-link, .forum-cancel-reply, .forum-cancel-quote");
      if (!link || !form) { return; }
      e.preventDefault();
      var post = link.closest(".forum-post");
      var name = post ? post.querySelector(".forum-author").textContent : "";
      if (link.classList.contains("forum-reply")) {
        field("parent_id").value = post.getAttribute("data-post-id");
        text(form.querySelector(".forum-replying-text"), strings.replyTo.replace("{name}", name));
        form.querySelector(".forum-replying").hidden = false;
      } else if (link.classList.contains("forum-quote-link")) {
        field("quote_id").value = post.getAttribute("data-post-id");
        text(form.querySelector(".forum-quoting-text"), strings.quoteOf.replace("{name}", name));
        form.querySelector(".forum-quoting").hidden = false;
      } else if (link.classList.contains("forum-cancel-reply")) {
        field("parent_id").value = "";
        form.querySelector(".forum-replying").hidden = true;
      } else {
        field("quote_id").value = "";
        form.querySelector(".forum-quoting").hidden = true;
      }
      if (!link.classList.contains("forum-cancel-reply") && !link.classList.contains("forum-cancel-quote")) {
        form.querySelector("textarea").focus();
      }
    });

    if (form) {
      var error = form.querySelector(".forum-form-error");
      form.addEventListener("submit", function (e) {
        if (!F.connected()) { return; }  // no socket: the plain form post does the job
        e.preventDefault();
        var textarea = form.querySelector("textarea");
        var button = form.querySelector("button[type=submit]");
        var token = field("client_token");
        if (!token.value) { token.value = F.newId(); }
        error.hidden = true;
        button.disabled = true;
        F.call("post", {
          room: room, body: textarea.value, client_id: token.value,
          parent_id: field("parent_id").value || null, quote_id: field("quote_id").value || null
        }, { retries: 4 }).then(function () {
          textarea.value = "";
          token.value = F.newId();
          field("parent_id").value = ""; field("quote_id").value = "";
          form.querySelector(".forum-replying").hidden = true;
          form.querySelector(".forum-quoting").hidden = true;
        }, function (err) {
          error.textContent = err.message || strings.failed;
          error.hidden = false;
        }).then(function () { button.disabled = false; });
      });
    }

    section.addEventListener("submit", function (e) {
      var react = e.target.closest(".forum-react-form");
      if (!react || !F.connected()) { return; }
      e.preventDefault();
      var button = e.submitter || react.querySelector("button[value=agree]");
      var post = react.closest(".forum-post");
      F.call("react", { post_id: parseInt(post.getAttribute("data-post-id"), 10), kind: button.value }).then(function (reply) {
        var was = button.getAttribute("aria-pressed") === "true";
        react.querySelectorAll("button").forEach(function (b) { b.setAttribute("aria-pressed", "false"); });
        button.setAttribute("aria-pressed", was ? "false" : "true");
        text(react.querySelector(".forum-agree .forum-count"), String(reply.agree));
        text(react.querySelector(".forum-disagree .forum-count"), String(reply.disagree));
      }, function (err) { if (err.message) { say(err.message); window.alert(err.message); } });
    }, true);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".forum-thread[data-room]").forEach(initThread);
  });
})();
