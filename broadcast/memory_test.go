package broadcast_test

import (
	"testing"

	"github.com/wsplug/wsplug/broadcast"
	"github.com/wsplug/wsplug/broadcast/brokertest"
)

func TestMemoryBrokerConformance(t *testing.T) {
	bus := broadcast.NewMemoryBus()
	brokertest.Run(t, brokertest.Harness{
		NewBroker: func(testing.TB) broadcast.Broker { return bus.NewBroker() },
	})
}

// Three wsplug servers in one process, each with its own listener, on one
// memory bus: the Redis and NATS modules run the same test on their backplane.
func TestMemoryBrokerNodes(t *testing.T) {
	bus := broadcast.NewMemoryBus()
	brokertest.RunNodes(t, func(testing.TB) broadcast.Broker { return bus.NewBroker() }, brokertest.TotalOrder)
}
