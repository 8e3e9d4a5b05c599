'use strict';
// Client on Node's `ws` package, used by wsplug's interop tests (wscore's
// TestInteropNodeWSClient). Started by the tests, never by hand.
//
// Usage: node ws_client.js ws://127.0.0.1:PORT/ PLAN_JSON
//
// PLAN_JSON: {"messages": [{"size": 1024, "binary": false}, ...],
//             "deflate": false | true | {ws perMessageDeflate options},
//             "timeout": seconds}
//
// Sends the messages one at a time (text is valid UTF-8 with multi-byte
// characters, binary is pseudo-random), checks that each echo comes back with
// the same type and the same bytes, then closes with 1000. Prints one JSON
// line: {"echoed", "errors", "clean", "code", "reason", "extensions"} and
// exits 0 only if every echo matched and the close was clean (the server's
// close frame carried 1000 and no error happened).

const { isUtf8 } = require('buffer');
const WebSocket = require('ws');

const [url, planJSON] = process.argv.slice(2);
if (!url || !planJSON) {
  console.error('usage: node ws_client.js URL PLAN_JSON');
  process.exit(2);
}
const plan = JSON.parse(planJSON);
const messages = plan.messages || [];

// payload makes message i: n bytes of valid UTF-8 text, or pseudo-random bytes.
function payload(n, binary, i) {
  const b = Buffer.alloc(n);
  if (binary) {
    let x = (0x9e3779b9 ^ (i + 1)) >>> 0 || 1; // xorshift32
    for (let j = 0; j < n; j++) {
      x ^= x << 13; x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5; x >>>= 0;
      b[j] = x & 0xff;
    }
    return b;
  }
  if (n === 0) return b;
  b.fill(Buffer.from(`wsplug κόσμε 🌍 node ws ${i} `, 'utf8'));
  // Cut at a character boundary: replace an incomplete last character by 'x'.
  let k = n - 1;
  while (k > 0 && k > n - 4 && (b[k] & 0xc0) === 0x80) k--;
  const lead = b[k];
  const len = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
  if (k + len > n) b.fill('x', k);
  if (!isUtf8(b)) throw new Error(`payload ${i}: not UTF-8`);
  return b;
}

let deflate = plan.deflate || false;
if (deflate === true) deflate = {};
if (deflate) deflate = { threshold: 0, ...deflate };

const result = { echoed: 0, errors: [], clean: false, code: null, reason: '', extensions: '' };
let finished = false;
function finish() {
  if (finished) return;
  finished = true;
  const ok = result.echoed === messages.length && result.errors.length === 0 && result.clean;
  process.stdout.write(JSON.stringify(result) + '\n', () => process.exit(ok ? 0 : 1));
}

const timer = setTimeout(() => {
  result.errors.push(`timeout after ${plan.timeout || 60}s (${result.echoed} of ${messages.length} echoed)`);
  ws.terminate();
  finish();
}, (plan.timeout || 60) * 1000);

const ws = new WebSocket(url, { perMessageDeflate: deflate, maxPayload: 64 << 20, handshakeTimeout: 10000 });
let index = 0;
let expected = null;
let errored = false;

function sendNext() {
  if (index === messages.length) {
    ws.close(1000, 'done');
    return;
  }
  const m = messages[index];
  expected = { data: payload(m.size, !!m.binary, index), binary: !!m.binary };
  ws.send(expected.data, { binary: expected.binary });
}

ws.on('upgrade', (res) => {
  result.extensions = res.headers['sec-websocket-extensions'] || '';
});

ws.on('open', () => {
  sendNext();
});

ws.on('message', (data, isBinary) => {
  const m = messages[index];
  if (!expected) {
    result.errors.push(`unexpected message (${data.length} bytes) after the last echo`);
    return;
  }
  if (isBinary !== expected.binary) {
    result.errors.push(`message ${index} (${m.size} bytes): echo binary=${isBinary}, sent binary=${expected.binary}`);
  } else if (!expected.data.equals(data)) {
    result.errors.push(`message ${index} (${m.size} bytes): echo differs (${data.length} bytes back)`);
  } else {
    result.echoed++;
  }
  expected = null;
  index++;
  sendNext();
});

ws.on('error', (err) => {
  errored = true;
  result.errors.push(`error: ${err.message}`);
});

ws.on('close', (code, reason) => {
  clearTimeout(timer);
  result.code = code;
  result.reason = reason.toString();
  result.clean = !errored && code === 1000 && index === messages.length;
  finish();
});
