// Command echo-app is an existing echo application that gains WebSocket
// routes the way echo users add anything: handlers and middleware on a route
// group, each route with its own options.
//
//	GET /               the app's home page
//	GET /api/hello      an existing JSON endpoint, untouched
//	/live               a route group with the app's own middleware (identify:
//	                    ?user=NAME goes into c.Set("user"); "mallory" is refused)
//	  /live/echo        WebSocket echo (handler form); same-origin only,
//	                    permessage-deflate on; a plain GET gets its status page
//	  /live/feed        a group of its own whose middleware is the WebSocket
//	                    route (middleware form): the existing JSON feed for
//	                    plain GETs, a WebSocket for upgrades; also allowed from
//	                    https://*.example.com, no compression, at most 1000
//	                    connections
//	  /live/feed/status the feed route's status page, mounted explicitly
//
// The feed's *wscore.Server is built first and handed to the group's
// middleware (feedGroup.Use(wsecho.MiddlewareWithConfig(...))), so the app keeps it to shut its connections down.
//
// echo's context values named in Config.ContextKeys reach OnConnect: the feed
// greets the user that identify set (ConnectionRequest.Values["user"]).
//
//	go run ./examples/echo-app        # http://127.0.0.1:9000/
package main
