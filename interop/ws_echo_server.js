'use strict';
// Echo server on Node's `ws` package, used by wsplug's interop tests
// (wscore's TestClientInteropNodeWS). Started by the tests, never by hand.
//
// Usage: node ws_echo_server.js [--deflate]
//
// Listens on 127.0.0.1 on a port the OS chooses and prints "LISTENING <port>"
// as its first line on stdout. Every text message is echoed as text and every
// binary message as binary, byte for byte. With --deflate, permessage-deflate
// is accepted (ws negotiates the client's offer; every message is compressed,
// however small). For each connection it prints "OPEN <extensions>" (empty
// when none was negotiated) and "CLOSE <code> <reason>" (1006 when no close
// frame came). Exits when stdin closes or on SIGTERM / SIGINT.

const { WebSocketServer } = require('ws');

const deflate = process.argv.slice(2).includes('--deflate');

const wss = new WebSocketServer({
  host: '127.0.0.1',
  port: 0,
  maxPayload: 64 << 20,
  perMessageDeflate: deflate ? { threshold: 0 } : false,
});

function out(line) {
  process.stdout.write(line + '\n');
}

wss.on('listening', () => out(`LISTENING ${wss.address().port}`));

wss.on('error', (err) => {
  console.error(`ws_echo_server: ${err.message}`);
  process.exit(1);
});

// The negotiated Sec-WebSocket-Extensions line, with its parameters.
wss.on('headers', (headers, req) => {
  const h = headers.find((l) => /^sec-websocket-extensions:/i.test(l));
  req.wsExtensions = h ? h.slice(h.indexOf(':') + 1).trim() : '';
});

wss.on('connection', (ws, req) => {
  out(`OPEN ${req.wsExtensions || ''}`);
  ws.on('message', (data, isBinary) => {
    ws.send(data, { binary: isBinary });
  });
  ws.on('error', (err) => console.error(`ws_echo_server: connection: ${err.message}`));
  ws.on('close', (code, reason) => out(`CLOSE ${code} ${reason.toString()}`));
});

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  for (const ws of wss.clients) ws.terminate();
  wss.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
}

process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.on('error', stop);
process.stdin.resume();
