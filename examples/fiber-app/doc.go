// Command fiber-app is an existing fiber application that gains WebSocket
// routes the way fiber users add anything: handlers and middleware on a route
// group, each route with its own options.
//
//	GET /               the app's home page
//	GET /api/hello      an existing JSON endpoint, untouched
//	/live               a route group with the app's own middleware (identify:
//	                    ?user=NAME goes into c.Locals("user"); "mallory" is refused)
//	  /live/echo        WebSocket echo (handler form); same-origin only,
//	                    permessage-deflate on; a plain GET gets its status page
//	  /live/feed        the existing JSON feed for plain GETs, and a WebSocket
//	                    for upgrades (middleware form in front of the handler);
//	                    also allowed from https://*.example.com, no compression,
//	                    at most 1000 connections
//	  /live/feed/status the feed route's status page, mounted explicitly
//
// fiber's Locals reach OnConnect, copied before fasthttp reuses the request
// context: the feed greets the user that identify set
// (ConnectionRequest.Values["user"]).
//
//	go run ./examples/fiber-app        # http://127.0.0.1:9000/
package main
