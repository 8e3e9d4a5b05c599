package wscore

import (
	"bufio"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"testing"
	"time"
)

// RFC 6265 section 5.4: a request carries one Cookie header. Cookie values
// in ClientOptions.Header and the jar's cookies are merged into it.
func TestClientCookieHeaderMerged(t *testing.T) {
	got := make(chan []string, 4)
	rs := startRawServer(t, func(conn net.Conn, br *bufio.Reader, req *http.Request) {
		got <- req.Header.Values("Cookie")
		conn.Write([]byte(response101(req)))
		frameConn(conn, br).WaitClosed(5 * time.Second)
	})
	u, _ := url.Parse("http://" + rs.Addr + "/")
	jar, _ := cookiejar.New(nil)
	jar.SetCookies(u, []*http.Cookie{{Name: "session", Value: "abc"}, {Name: "pref", Value: "dark"}})

	cases := []struct {
		name   string
		header http.Header
		jar    http.CookieJar
		want   []string
	}{
		{"header and jar", http.Header{"Cookie": {"token=xyz"}}, jar, []string{"token=xyz; session=abc; pref=dark"}},
		{"two header values and jar", http.Header{"Cookie": {"a=1", "b=2"}}, jar, []string{"a=1; b=2; session=abc; pref=dark"}},
		{"header only", http.Header{"cookie": {"a=1", "b=2"}}, nil, []string{"a=1; b=2"}},
		{"jar only", nil, jar, []string{"session=abc; pref=dark"}},
		{"none", nil, nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newRecClient()
			conn := dialT(t, rs.URL, p, &ClientOptions{Header: c.header, Jar: c.jar})
			var lines []string
			select {
			case lines = <-got:
			case <-time.After(5 * time.Second):
				t.Fatal("no request")
			}
			if len(lines) != len(c.want) || (len(lines) == 1 && lines[0] != c.want[0]) {
				t.Fatalf("Cookie lines %q, want %q", lines, c.want)
			}
			conn.Close()
		})
	}
}
