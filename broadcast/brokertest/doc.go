// Package brokertest checks that a broadcast.Broker keeps the Broker contract,
// against a real backplane: Run is the conformance suite every implementation
// passes (in-memory, Redis, NATS), and RunNodes starts several wsplug servers
// sharing one backplane and checks that a real WebSocket client on one node
// receives what a client on another node sent. RunHubRecovery breaks the
// backplane under two such nodes and checks the Hubs' resync notices and that
// their clients receive again.
//
// Each implementation's tests provide a Harness: how to make a broker (one per
// node) connected to the shared backplane, and how to break the backplane's
// connections so the suite can check recovery.
package brokertest
