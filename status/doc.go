// Package status renders the status page of a WebSocket route: what a browser
// sees when it visits the route with a plain GET (Autobahn's webStatus, made
// useful), and its JSON variant for monitors.
//
// The page shows the server's name and version, the route, the options a
// client meets (versions, subprotocols, compression, limits, allowed origins),
// live counters (open, accepted, refused by reason, messages and bytes in and
// out, compression ratio, uptime) that refresh without reloading, and a small
// console that opens a WebSocket to the route from the browser. It is one
// self-contained HTML document (style and script inlined, allowed by hash in
// its Content-Security-Policy, no external assets) and reveals no peer
// addresses or headers.
//
// A request whose Accept header prefers application/json gets a Snapshot as
// JSON; its field names are stable:
//
//	server, version, route, open, accepted, refused (reason -> count),
//	messages_in, messages_out, bytes_in, bytes_out, compression_ratio,
//	uptime_seconds, options
//
// compression_ratio is application bytes per wire byte, and null until the
// engine reports compression and wire bytes.
//
// The framework adapters call Respond for plain requests on a WebSocket route;
// Handler mounts the page on a URL of its own for a route in middleware form.
package status
