package wsgin_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gorilla/websocket"

	wsgin "github.com/wsplug/wsplug/middleware/gin"
	"github.com/wsplug/wsplug/wscore"
)

// userRecorder reports the "user" value OnConnect was given.
type userRecorder struct {
	wscore.BaseServerProtocol
	seen chan any
}

func (p *userRecorder) OnConnect(r *wscore.ConnectionRequest) (wscore.Accept, error) {
	p.seen <- r.Values["user"]
	return wscore.Accept{}, nil
}

// c.Keys is guarded by gin's mutex: an app goroutine may c.Set while the
// route copies the keys. Under -race this fails if the copy reads the map
// without the lock.
func TestKeysCopiedUnderGinLock(t *testing.T) {
	t.Parallel()
	seen := make(chan any, 16)
	rt, err := wsgin.NewRoute(wsgin.Config{Factory: func() wscore.ServerProtocol { return &userRecorder{seen: seen} }})
	if err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	r.GET("/ws", func(c *gin.Context) {
		c.Set("user", "alice")
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { // the app's own goroutine, setting keys meanwhile
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				c.Set(fmt.Sprintf("k%d", i%8), i)
				time.Sleep(10 * time.Microsecond)
			}
		}()
		time.Sleep(time.Millisecond) // let it start
		c.Next()
		close(stop)
		wg.Wait()
	}, rt.Handler())
	base := serve(t, r)
	t.Cleanup(func() { rt.Server().Shutdown(t.Context()) })

	for i := 0; i < 5; i++ {
		c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+"/ws", http.Header{})
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
		select {
		case v := <-seen:
			if v != "alice" {
				t.Errorf("Values[user] = %v, want alice", v)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no OnConnect")
		}
	}
}
