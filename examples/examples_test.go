package examples

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// echoOnce sends a text message to url and expects it back.
func echoOnce(t *testing.T, url, msg string) {
	t.Helper()
	url = strings.Replace(strings.Replace(url, "http://", "ws://", 1), "https://", "wss://", 1)
	c, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if err := c.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
		t.Fatal(err)
	}
	_, got, err := c.ReadMessage()
	if err != nil || string(got) != msg {
		t.Fatalf("echo: %q %v", got, err)
	}
	c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(1000, ""))
}

func TestAutobahnExample(t *testing.T) {
	t.Parallel()
	bin := buildExample(t, "autobahn")
	url := startExample(t, bin, "-addr", "127.0.0.1:0")
	if !strings.HasPrefix(url, "ws://127.0.0.1:") || strings.HasSuffix(url, ":0/") {
		t.Fatalf("printed %q, want the actual ws:// URL", url)
	}
	echoOnce(t, url, "autobahn example")
}

// The chat with the in-memory broker: the page at /, the status page with
// the node's broadcast state at /ws, and two clients who both get what one
// of them sent. (Nodes sharing Redis or NATS are tested in the chat module.)
func TestChatExample(t *testing.T) {
	t.Parallel()
	bin := buildModuleExample(t, "chat")
	page := startExample(t, bin, "-addr", "127.0.0.1:0")
	if !strings.HasPrefix(page, "http://127.0.0.1:") || strings.Contains(page, ":0/") {
		t.Fatalf("printed %q, want the page's actual URL", page)
	}
	resp, err := http.Get(page)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "chat.js") {
		t.Fatalf("GET %s: %d %.100q", page, resp.StatusCode, body)
	}
	req, _ := http.NewRequest("GET", page+"ws", nil)
	req.Header.Set("Accept", "application/json")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Route string            `json:"route"`
		Extra map[string]string `json:"extra"`
	}
	err = json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if err != nil || st.Route != "/ws" || st.Extra["topic"] != "chat" || st.Extra["broker"] != "memory" {
		t.Fatalf("status JSON of /ws: %+v %v", st, err)
	}

	url := strings.Replace(page, "http://", "ws://", 1) + "ws"
	var clients []*websocket.Conn
	for range 2 {
		c, _, err := websocket.DefaultDialer.Dial(url, nil)
		if err != nil {
			t.Fatalf("dial %s: %v", url, err)
		}
		defer c.Close()
		clients = append(clients, c)
	}
	// Join happens in OnOpen, after the 101: wait until both are members.
	for deadline := time.Now().Add(10 * time.Second); ; {
		req, _ := http.NewRequest("GET", page+"ws", nil)
		req.Header.Set("Accept", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		json.NewDecoder(resp.Body).Decode(&st)
		resp.Body.Close()
		if st.Extra["topic_members"] == "2" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("members: %v", st.Extra)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := clients[0].WriteMessage(websocket.TextMessage, []byte("hello, chat")); err != nil {
		t.Fatal(err)
	}
	for i, c := range clients {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, msg, err := c.ReadMessage(); err != nil || string(msg) != "hello, chat" {
			t.Errorf("client %d: %q %v", i, msg, err)
		}
	}
}

// TestAutobahnExampleCompression: the example accepts permessage-deflate.
func TestAutobahnExampleCompression(t *testing.T) {
	t.Parallel()
	bin := buildExample(t, "autobahn")
	url := startExample(t, bin, "-addr", "127.0.0.1:0")
	d := websocket.Dialer{EnableCompression: true, HandshakeTimeout: 5 * time.Second}
	c, resp, err := d.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if ext := resp.Header.Get("Sec-Websocket-Extensions"); !strings.HasPrefix(ext, "permessage-deflate") {
		t.Fatalf("Sec-WebSocket-Extensions %q", ext)
	}
	msg := strings.Repeat("compressed autobahn example ", 100)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if err := c.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
		t.Fatal(err)
	}
	if _, got, err := c.ReadMessage(); err != nil || string(got) != msg {
		t.Fatalf("echo: %d bytes, %v", len(got), err)
	}
	c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(1000, ""))
}
