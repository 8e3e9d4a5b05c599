package natsbroker

import (
	"time"

	"testing"

	"go.uber.org/goleak"

	"github.com/wsplug/wsplug/broadcast"
	"github.com/wsplug/wsplug/broadcast/brokertest"
	"github.com/wsplug/wsplug/broadcast/natsbroker/natstest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func harness(s *natstest.Server) brokertest.Harness {
	url := s.URL()
	return brokertest.Harness{
		NewBroker: func(t testing.TB) broadcast.Broker {
			b, err := Dial(url, Options{ReconnectWait: 50 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			return b
		},
		Fault: func(testing.TB) { s.Restart() },
	}
}

func TestConformance(t *testing.T) {
	brokertest.Run(t, harness(natstest.Start(t)))
}

func TestNodes(t *testing.T) {
	brokertest.RunNodes(t, harness(natstest.Start(t)).NewBroker, brokertest.PublisherOrder)
}

// A real fault under two Hubs: the server shuts down and restarts on its port.
func TestHubRecovery(t *testing.T) {
	brokertest.RunHubRecovery(t, harness(natstest.Start(t)))
}
