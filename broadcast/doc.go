// Package broadcast delivers messages to groups of WebSocket connections —
// topics, or rooms — on one node or across many, through a backplane.
//
// # Overview
//
// A Hub holds the topics of one node. Connections Join and Leave topics;
// Publish sends a message to every connection in a topic, on every node, the
// publisher's own included. The backplane is a Broker: the in-memory one by
// default (a single node needs nothing), Redis (module
// github.com/wsplug/wsplug/broadcast/redisbroker) or NATS (module
// github.com/wsplug/wsplug/broadcast/natsbroker) when several nodes run
// behind a load balancer.
//
//	hub, err := broadcast.NewHub(broadcast.HubOptions{Broker: b}) // nil Broker: in memory
//	srv, err := wscore.NewServer(hub.Protocol(newChatter), wscore.Options{})
//
//	func (p *chatter) OnOpen(c *wscore.Conn) { p.hub.Join(c, "room-42") }
//	func (p *chatter) OnMessage(c *wscore.Conn, msg []byte, isBinary bool) {
//		p.hub.Publish(ctx, "room-42", msg, isBinary)
//	}
//
// # Delivery path
//
// Every Publish goes through the broker, and the publishing node receives its
// own message back like every other node, so all nodes see the order the broker
// delivers in (see Guarantees). A node subscribes a topic at the broker when
// its first local member joins and unsubscribes UnsubscribeDelay after the last
// one left, so it receives only the topics it has members for. A message that
// arrives is decoded from its Envelope and encoded once as a
// wscore.PreparedMessage (frames built once per framing configuration, shared
// by every recipient), then queued for each local member.
//
// # Slow consumers
//
// Each connection has a bounded send queue (QueueSize messages, shared
// between recipients, never copied per connection), drained by a goroutine
// that exists only while the queue is not empty: an idle connection costs no
// goroutine. Publish never waits for a connection. When a queue is full, the
// Policy applies to that connection alone: DropMessage drops the message for
// it and counts it (Stats.Dropped); ClosePolicyViolation and
// CloseTryAgainLater close it with 1008 or 1013. The engine's WriteTimeout
// bounds how long a connection that stopped reading holds its sender.
//
// # Guarantees
//
// At most once: a message is lost for a connection whose queue is full, and
// for a node whose broker connection is down when it is published (Redis and
// NATS core pub/sub keep nothing). After the broker reconnected and restored
// every subscription, HubOptions.OnResync is called with the node's topics, so
// the application can send its clients a fresh state.
//
// Ordered per topic from one publisher: messages published on a topic by one
// goroutine arrive in that order at every connection. Messages of concurrent
// publishers are interleaved in one order that every node sees with the
// in-memory and Redis brokers (Redis runs commands one at a time); NATS core
// orders per publisher only, so two nodes may interleave two publishers
// differently.
//
// # Leaving
//
// A connection leaves every topic when it ends. Served through Hub.Protocol,
// the Hub learns it from OnClose at no cost; otherwise Join starts a goroutine
// per connection that waits for its Done channel (or call LeaveAll from
// OnClose).
//
// # Envelope
//
// Messages travel through the broker in a small versioned binary Envelope:
// origin node, publish time (for the lag in Stats) and payload type. A
// message that does not parse (another version, or a foreign publisher on the
// same channel), or a text message that is not valid UTF-8, is counted in
// Stats.DecodeErrors and dropped: it reaches no client.
package broadcast
