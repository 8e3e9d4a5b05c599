module github.com/wsplug/wsplug/broadcast/redisbroker

go 1.26.0

require (
	github.com/redis/go-redis/v9 v9.23.0
	github.com/wsplug/wsplug v0.0.0
	go.uber.org/goleak v1.3.0
)

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/gorilla/websocket v1.5.3 // indirect
	github.com/klauspost/compress v1.20.3 // indirect
	go.uber.org/atomic v1.12.0 // indirect
	golang.org/x/net v0.62.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
)

replace github.com/wsplug/wsplug => ../..
