// Package redisbroker is a broadcast.Broker on Redis pub/sub
// (github.com/redis/go-redis/v9), so the Hubs of several wsplug nodes that
// share one Redis deliver every message to every node.
//
// Each topic is the Redis channel Prefix+topic (default "wsplug:"), published
// with PUBLISH and received on one subscriber connection per node, subscribed
// to the topics that node has members for. With Options.Sharded the broker
// uses Redis 7's sharded pub/sub (SPUBLISH, SSUBSCRIBE) instead, whose traffic
// stays on the shard that owns the channel.
//
// Redis pub/sub is at-most-once: a message published while a node's
// subscriber connection is down is lost for that node. The broker reconnects
// by itself (go-redis resubscribes every channel on its new connection) and
// then calls the Hub's resync notice, so the application can send its clients
// a fresh state. Messages from one publisher on one channel arrive in order.
//
//	b, err := redisbroker.Dial("redis://127.0.0.1:6379", redisbroker.Options{})
//	hub, err := broadcast.NewHub(broadcast.HubOptions{Broker: b})
//
// This package is a Go module of its own, so that wsplug's main module does
// not depend on go-redis.
package redisbroker
