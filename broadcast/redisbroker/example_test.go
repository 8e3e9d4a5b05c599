package redisbroker_test

import (
	"log"

	"github.com/redis/go-redis/v9"

	"github.com/wsplug/wsplug/broadcast"
	"github.com/wsplug/wsplug/broadcast/redisbroker"
	"github.com/wsplug/wsplug/wscore"
)

// Several wsplug nodes sharing one Redis: a message published on any node
// reaches the topic's members on every node.
func ExampleDial() {
	b, err := redisbroker.Dial("redis://127.0.0.1:6379", redisbroker.Options{})
	if err != nil {
		log.Fatal(err)
	}
	hub, err := broadcast.NewHub(broadcast.HubOptions{
		Broker: b, // the hub closes the broker
		OnResync: func(topics []string) {
			// Reconnected: messages published meanwhile were lost; send the
			// members of these topics a fresh state.
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer hub.Close()
	srv := wscore.MustNewServer(hub.Protocol(func() wscore.ServerProtocol { return &wscore.BaseServerProtocol{} }), wscore.Options{})
	_ = srv // mount it with an adapter; Join connections to topics in OnOpen
}

// Redis 7's sharded pub/sub on a client the application already has (which
// it keeps owning: the broker does not close it).
func ExampleNew() {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer client.Close()
	b, err := redisbroker.New(client, redisbroker.Options{Sharded: true, Prefix: "chat:"})
	if err != nil {
		log.Fatal(err)
	}
	hub := broadcast.MustNewHub(broadcast.HubOptions{Broker: b})
	defer hub.Close()
}
