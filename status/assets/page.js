(function () {
  "use strict";
  var root = document.getElementById("status");
  var $ = function (id) { return document.getElementById(id); };

  // Formatting: the same rules as the server-side template.
  function count(n) { return Number(n).toLocaleString("en-US"); }
  function bytes(n) {
    var units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"], i = 0;
    n = Number(n);
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return i === 0 ? n + " B" : n.toFixed(n < 10 ? 2 : 1) + " " + units[i];
  }
  function uptime(s) {
    s = Math.floor(Number(s));
    var d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60), r = s % 60;
    if (d > 0) return d + "d " + h + "h";
    if (h > 0) return h + "h " + m + "m";
    if (m > 0) return m + "m " + r + "s";
    return r + "s";
  }
  function ratio(r) { return r === null || r === undefined ? "\u2014" : Number(r).toFixed(2) + "\u00d7"; }
  var reasons = {
    bad_request: "Malformed handshake",
    unsupported_version: "Unsupported version",
    forbidden_origin: "Origin not allowed",
    too_many_connections: "Connection limit reached",
    shutting_down: "Server shutting down",
    refused_by_protocol: "Refused by the application",
    internal_error: "Internal error"
  };

  function set(key, text, title) {
    var els = root.querySelectorAll('[data-k="' + key + '"]');
    for (var i = 0; i < els.length; i++) {
      els[i].textContent = text;
      if (title !== undefined) els[i].title = title;
    }
  }

  function render(s) {
    set("open", count(s.open));
    set("accepted", count(s.accepted));
    var keys = Object.keys(s.refused || {}).sort(), total = 0;
    var list = $("refused");
    list.textContent = "";
    keys.forEach(function (k) {
      total += s.refused[k];
      var li = document.createElement("li"), label = document.createElement("span"), n = document.createElement("b");
      label.textContent = reasons[k] || k;
      n.textContent = count(s.refused[k]);
      li.appendChild(label);
      li.appendChild(n);
      list.appendChild(li);
    });
    if (keys.length === 0) {
      var none = document.createElement("li");
      none.className = "muted none";
      none.textContent = "Nothing refused so far.";
      list.appendChild(none);
    }
    set("refused_total", count(total));
    set("messages_in", count(s.messages_in));
    set("messages_out", count(s.messages_out));
    set("bytes_in", bytes(s.bytes_in), s.bytes_in + " bytes");
    set("bytes_out", bytes(s.bytes_out), s.bytes_out + " bytes");
    set("compression_ratio", ratio(s.compression_ratio));
    set("uptime_seconds", uptime(s.uptime_seconds), s.uptime_seconds + " s");
  }

  // Live counters: poll the JSON variant of this very URL.
  var live = $("live"), liveText = $("live-text");
  function refresh() {
    if (document.hidden) return;
    fetch(location.href, { headers: { Accept: "application/json" }, cache: "no-store", credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (s) { render(s); live.className = "live"; liveText.textContent = "Live"; })
      .catch(function () { live.className = "live stale"; liveText.textContent = "Offline"; });
  }
  setInterval(refresh, 2000);
  document.addEventListener("visibilitychange", refresh);

  $("self-url").textContent = location.href;

  // Console: a WebSocket to the route, from this browser.
  var log = $("console-log"), empty = $("console-empty"), input = $("console-input");
  var sendBtn = $("console-send"), connectBtn = $("console-connect"), state = $("ws-state");
  var path = root.getAttribute("data-console-path") || (location.pathname + location.search);
  var protocols = (root.getAttribute("data-subprotocols") || "").split(" ").filter(Boolean);
  var wsURL = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + path;
  var ws = null, queued = [];
  var maxLines = 500;

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function line(kind, glyph, text) {
    if (empty && empty.parentNode) empty.parentNode.removeChild(empty);
    var now = new Date(), p = document.createElement("p");
    p.className = kind;
    var t = document.createElement("span"), d = document.createElement("span"), m = document.createElement("span");
    t.className = "t"; d.className = "d"; m.className = "m";
    t.textContent = pad(now.getHours()) + ":" + pad(now.getMinutes()) + ":" + pad(now.getSeconds());
    d.textContent = glyph;
    m.textContent = text;
    p.appendChild(t); p.appendChild(d); p.appendChild(m);
    log.appendChild(p);
    while (log.childNodes.length > maxLines) log.removeChild(log.firstChild);
    log.scrollTop = log.scrollHeight;
  }
  function setState(s, text) {
    state.setAttribute("data-state", s);
    state.textContent = text;
    var open = s === "open";
    connectBtn.textContent = open || s === "connecting" ? "Disconnect" : "Connect";
    sendBtn.disabled = s === "connecting";
  }
  function describeBinary(buf) {
    var b = new Uint8Array(buf), hex = [];
    for (var i = 0; i < Math.min(b.length, 32); i++) hex.push((b[i] < 16 ? "0" : "") + b[i].toString(16));
    return "[binary, " + b.length + " bytes] " + hex.join(" ") + (b.length > 32 ? " \u2026" : "");
  }

  function connect() {
    if (ws) return;
    setState("connecting", "Connecting\u2026");
    line("ev", "\u2022", "connecting to " + wsURL);
    try {
      ws = protocols.length ? new WebSocket(wsURL, protocols) : new WebSocket(wsURL);
    } catch (e) {
      ws = null;
      setState("error", "Error");
      line("err", "!", String(e && e.message || e));
      return;
    }
    ws.binaryType = "arraybuffer";
    ws.onopen = function () {
      setState("open", "Connected");
      line("ev", "\u2022", "connected" + (ws.protocol ? " (subprotocol " + ws.protocol + ")" : "") + (ws.extensions ? " with " + ws.extensions : ""));
      while (queued.length) sendNow(queued.shift());
    };
    ws.onmessage = function (ev) {
      line("in", "\u2190", typeof ev.data === "string" ? ev.data : describeBinary(ev.data));
    };
    ws.onerror = function () { line("err", "!", "connection error"); };
    ws.onclose = function (ev) {
      ws = null;
      queued = [];
      setState(ev.code === 1000 || ev.code === 1005 ? "closed" : "error", "Closed " + ev.code);
      line("ev", "\u2022", "closed: code " + ev.code + (ev.reason ? ", " + ev.reason : "") + (ev.wasClean ? "" : " (not clean)"));
    };
  }
  function sendNow(text) {
    ws.send(text);
    line("out", "\u2192", text);
  }

  $("console-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = input.value;
    if (text === "") return;
    input.value = "";
    if (ws && ws.readyState === WebSocket.OPEN) sendNow(text);
    else { queued.push(text); connect(); }
    input.focus();
  });
  connectBtn.addEventListener("click", function () {
    if (ws) ws.close(1000, "closed from the status page");
    else connect();
  });
  $("console-clear").addEventListener("click", function () {
    log.textContent = "";
  });
  input.disabled = false;
  sendBtn.disabled = false;
})();
