// Command nethttp-app is an existing net/http application (a ServeMux) that
// gains WebSocket routes the way net/http users add anything: handlers, and
// middleware wrapping a group of routes, each route with its own options.
//
//	GET /               the app's home page
//	GET /api/hello      an existing JSON endpoint, untouched
//	/live/              a group of routes (a ServeMux of its own) behind the
//	                    app's middleware (identify: ?user=NAME goes into the
//	                    request's context; "mallory" is refused)
//	  /live/echo        WebSocket echo (handler form); same-origin only,
//	                    permessage-deflate on; a plain GET gets its status page
//	  /live/feed        the WebSocket route as middleware in front of the
//	                    existing JSON feed handler (middleware form): the feed
//	                    for plain GETs, a WebSocket for upgrades; also allowed
//	                    from https://*.example.com, no compression, at most
//	                    1000 connections
//	  /live/feed/status the feed route's status page, mounted explicitly
//
// The feed's *wscore.Server is built first and handed to the route's
// middleware (wshttp.New(server).Middleware(handler)), so the app keeps it to
// shut its connections down.
//
// net/http has no request-scoped values an adapter could copy, so the feed's
// OnConnect reads the user from the query (ConnectionRequest.Query); ServeMux
// wildcards would reach it as ConnectionRequest.Params.
//
//	go run ./examples/nethttp-app        # http://127.0.0.1:9000/
package main
