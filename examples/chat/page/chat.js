(function () {
  "use strict";
  // Messages travel as JSON text {"id", "name", "text"}; any other text a
  // client sends (from the status page's console, say) is shown as is.
  var $ = function (id) { return document.getElementById(id); };
  var log = $("log"), empty = $("empty"), form = $("form"), text = $("text"), name = $("name");
  var state = $("state"), send = $("send");
  var me = Math.random().toString(36).slice(2, 10);
  var ws = null, retry = 500, maxLines = 500;

  name.value = localStorage.getItem("chat-name") || "guest-" + me.slice(0, 4);
  name.addEventListener("change", function () { localStorage.setItem("chat-name", name.value.trim()); });

  function setState(s, label) { state.setAttribute("data-state", s); state.textContent = label; send.disabled = s !== "open"; }
  function time() { var d = new Date(); return (d.getHours() < 10 ? "0" : "") + d.getHours() + ":" + (d.getMinutes() < 10 ? "0" : "") + d.getMinutes(); }
  function add(el) {
    if (empty.parentNode) empty.parentNode.removeChild(empty);
    var stick = log.scrollTop + log.clientHeight >= log.scrollHeight - 40;
    log.appendChild(el);
    while (log.children.length > maxLines) log.removeChild(log.firstChild);
    if (stick) log.scrollTop = log.scrollHeight;
  }
  function notice(s) { var p = document.createElement("p"); p.className = "notice"; p.textContent = s; add(p); }
  function message(m) {
    var div = document.createElement("div"), meta = document.createElement("span"), bubble = document.createElement("span");
    div.className = "msg" + (m.id === me ? " mine" : "");
    meta.className = "meta"; bubble.className = "bubble";
    meta.textContent = (m.name || "anonymous") + " · " + time();
    bubble.textContent = m.text;
    div.appendChild(meta); div.appendChild(bubble);
    add(div);
  }

  function connect() {
    setState("connecting", "Connecting…");
    ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws");
    ws.onopen = function () { retry = 500; setState("open", "Connected"); notice("You joined the chat."); };
    ws.onmessage = function (ev) {
      var m = null;
      try { m = JSON.parse(ev.data); } catch (e) { /* plain text */ }
      if (m && typeof m === "object" && typeof m.text === "string") message(m);
      else message({ name: "(plain text)", text: String(ev.data) });
    };
    ws.onclose = function (ev) {
      ws = null;
      setState("closed", "Reconnecting…");
      notice("Disconnected (" + ev.code + (ev.reason ? ": " + ev.reason : "") + "). Reconnecting…");
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 8000);
    };
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var t = text.value.trim();
    if (!t || !ws || ws.readyState !== WebSocket.OPEN) return;
    ws.send(JSON.stringify({ id: me, name: name.value.trim() || "anonymous", text: t }));
    text.value = "";
    text.focus();
  });
  connect();
})();
