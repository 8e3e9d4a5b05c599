package loadgen

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// dialer opens connections from a rotating set of source addresses.
type dialer struct {
	target  string
	path    string
	sources []net.IP // nil: let the kernel choose
	next    int
	deflate bool
	raw     bool
	timeout time.Duration
}

// sourceIPs returns 127.0.0.2 .. 127.0.0.(n+1); n <= 0 gives none.
func sourceIPs(n int) []net.IP {
	if n <= 0 {
		return nil
	}
	ips := make([]net.IP, min(n, 250))
	for i := range ips {
		ips[i] = net.IPv4(127, 0, 0, byte(2+i))
	}
	return ips
}

// source returns the next source address to dial from (nil: any). It is not
// safe for concurrent use.
func (d *dialer) source() net.Addr {
	if len(d.sources) == 0 {
		return nil
	}
	ip := d.sources[d.next%len(d.sources)]
	d.next++
	return &net.TCPAddr{IP: ip}
}

// dial connects from local (nil: any) and runs the opening handshake, or none
// for a raw TCP echo. Safe for concurrent use.
func (d *dialer) dial(ctx context.Context, local net.Addr, bufSize int) (*conn, error) {
	nd := net.Dialer{Timeout: d.timeout, LocalAddr: local}
	nc, err := nd.DialContext(ctx, "tcp", d.target)
	if err != nil {
		return nil, err
	}
	c := newConn(nc, bufSize)
	if d.raw {
		// A raw TCP echo: no handshake; our own frames come back. With
		// compression both directions are our deflater's stream.
		c.raw = true
		if d.deflate {
			// Our own messages come back, each compressed on its own.
			c.defl = newDeflateState(&deflateParams{clientWindowBits: 15, serverNoTakeover: true})
			c.extensions = "permessage-deflate (raw echo of the client's frames)"
		}
		return c, nil
	}
	if err := c.handshake(d.target, d.path, d.deflate, d.timeout); err != nil {
		nc.Close()
		return nil, err
	}
	return c, nil
}

// handshake sends the upgrade request and checks the 101 response; bytes that
// follow the response head stay in the read buffer.
func (c *conn) handshake(host, path string, deflate bool, timeout time.Duration) error {
	var keyBytes [16]byte
	rand.Read(keyBytes[:])
	key := base64.StdEncoding.EncodeToString(keyBytes[:])
	req := make([]byte, 0, 256)
	req = append(req, "GET "...)
	req = append(req, path...)
	req = append(req, " HTTP/1.1\r\nHost: "...)
	req = append(req, host...)
	req = append(req, "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "...)
	req = append(req, key...)
	req = append(req, "\r\nSec-WebSocket-Version: 13\r\n"...)
	if deflate {
		req = append(req, "Sec-WebSocket-Extensions: "+deflateOffer+"\r\n"...)
	}
	req = append(req, "\r\n"...)
	if timeout > 0 {
		c.nc.SetDeadline(time.Now().Add(timeout))
		defer c.nc.SetDeadline(time.Time{})
	}
	if _, err := c.nc.Write(req); err != nil {
		return fmt.Errorf("handshake: %w", err)
	}
	end := -1
	for {
		if end = bytes.Index(c.rbuf[:c.rend], []byte("\r\n\r\n")); end >= 0 {
			break
		}
		if c.rend == len(c.rbuf) {
			return errors.New("handshake: response head too large")
		}
		n, err := c.nc.Read(c.rbuf[c.rend:])
		c.rend += n
		if err != nil && n == 0 {
			return fmt.Errorf("handshake: reading the response: %w", err)
		}
	}
	head := string(c.rbuf[:end])
	c.rpos = end + 4
	lines := strings.Split(head, "\r\n")
	if f := strings.Fields(lines[0]); len(f) < 2 || f[1] != "101" {
		return fmt.Errorf("handshake: server answered %q", lines[0])
	}
	var accept, ext, upgrade string
	for _, l := range lines[1:] {
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		value = strings.TrimSpace(value)
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "sec-websocket-accept":
			accept = value
		case "sec-websocket-extensions":
			if ext != "" {
				ext += ", "
			}
			ext += value
		case "upgrade":
			upgrade = value
		}
	}
	if !strings.EqualFold(upgrade, "websocket") {
		return fmt.Errorf("handshake: Upgrade header is %q", upgrade)
	}
	sum := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	if accept != base64.StdEncoding.EncodeToString(sum[:]) {
		return fmt.Errorf("handshake: wrong Sec-WebSocket-Accept %q", accept)
	}
	if ext != "" && !deflate {
		return fmt.Errorf("handshake: extension %q not offered", ext)
	}
	p, err := parseDeflateResponse(ext)
	if err != nil {
		return fmt.Errorf("handshake: %w", err)
	}
	c.extensions = ext
	if p != nil {
		c.defl = newDeflateState(p)
	}
	return nil
}
