package natsbroker_test

import (
	"fmt"
	"log"

	"github.com/wsplug/wsplug/broadcast"
	"github.com/wsplug/wsplug/broadcast/natsbroker"
	"github.com/wsplug/wsplug/wscore"
)

// Several wsplug nodes connected to one NATS server: a message published on
// any node reaches the topic's members on every node.
func ExampleDial() {
	b, err := natsbroker.Dial("nats://127.0.0.1:4222", natsbroker.Options{})
	if err != nil {
		log.Fatal(err)
	}
	hub, err := broadcast.NewHub(broadcast.HubOptions{Broker: b}) // the hub closes the broker
	if err != nil {
		log.Fatal(err)
	}
	defer hub.Close()
	srv := wscore.MustNewServer(hub.Protocol(func() wscore.ServerProtocol { return &wscore.BaseServerProtocol{} }), wscore.Options{})
	_ = srv // mount it with an adapter; Join connections to topics in OnOpen
}

// A topic is one subject token, whatever it contains: dots, wildcards and
// spaces never make a hierarchy or a wildcard.
func ExampleSubject() {
	fmt.Println(natsbroker.Subject("wsplug", "room-42"))
	fmt.Println(natsbroker.Subject("wsplug", "a.b"))
	fmt.Println(natsbroker.Subject("chat.prod", "*"))
	// Output:
	// wsplug.room-42
	// wsplug.a%2Eb
	// chat.prod.%2A
}
