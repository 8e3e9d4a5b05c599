// Package natsbroker is a broadcast.Broker on NATS core publish/subscribe
// (github.com/nats-io/nats.go), so the Hubs of several wsplug nodes connected
// to one NATS server or cluster deliver every message to every node.
//
// Each topic is the subject Prefix + "." + the topic escaped as one subject
// token (see Subject): NATS gives '.', '*', '>' and white space a meaning in
// subjects, so a topic "a.b" or "*" must not become a hierarchy or a
// wildcard. Letters, digits, '-' and '_' stay as they are; every other byte
// becomes %XX.
//
// NATS core is at-most-once: a message published while a node is
// disconnected is lost for that node. The client reconnects by itself and
// resubscribes; once the server has the subscriptions again (a flush
// round trip) the broker calls the Hub's resync notice. Messages from one
// publisher on one subject arrive in order; NATS promises no order between
// publishers, so two nodes may see two concurrent publishers interleaved
// differently.
//
//	b, err := natsbroker.Dial("nats://127.0.0.1:4222", natsbroker.Options{})
//	hub, err := broadcast.NewHub(broadcast.HubOptions{Broker: b})
//
// This package is a Go module of its own, so that wsplug's main module does
// not depend on nats.go.
package natsbroker
