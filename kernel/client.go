package kernel

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"time"

	"github.com/go-zeromq/zmq4"
)

// Client is a minimal Jupyter client over zmq4 (for tests and benchmarks): shell and control
// dealers, an iopub subscriber and a heartbeat requester, signing with the connection's key.
type Client struct {
	Signer                           *Signer
	Shell, Control, IOPub, Heartbeat zmq4.Socket
	Session                          string
}

// Dial connects a client to the kernel of connection c, signing with key.
func Dial(c *Connection, key string) (*Client, error) {
	ctx := context.Background()
	cl := &Client{Signer: NewSigner(key), Session: newID(),
		Shell: zmq4.NewDealer(ctx), Control: zmq4.NewDealer(ctx), IOPub: zmq4.NewSub(ctx), Heartbeat: zmq4.NewReq(ctx)}
	for _, d := range []struct {
		s    zmq4.Socket
		port int
	}{{cl.Shell, c.ShellPort}, {cl.Control, c.ControlPort}, {cl.IOPub, c.IOPubPort}, {cl.Heartbeat, c.HBPort}} {
		if err := d.s.Dial(c.Addr(d.port)); err != nil {
			cl.Close()
			return nil, err
		}
	}
	return cl, cl.IOPub.SetOption(zmq4.OptionSubscribe, "")
}

// Close closes the client's sockets.
func (c *Client) Close() {
	for _, s := range []zmq4.Socket{c.Shell, c.Control, c.IOPub, c.Heartbeat} {
		s.Close()
	}
}

// Send sends a request of msgType with content on s and returns its message id.
func (c *Client) Send(s zmq4.Socket, msgType string, content any) (string, error) {
	b, err := json.Marshal(content)
	if err != nil {
		return "", err
	}
	m := &Message{Header: NewHeader(msgType, c.Session), Parent: []byte("{}"), Metadata: []byte("{}"), Content: b}
	z, err := c.Signer.Encode(m)
	if err != nil {
		return "", err
	}
	return m.Header.MsgID, s.Send(z)
}

// ErrTimeout is returned by Recv when nothing arrived in time.
var ErrTimeout = errors.New("no message in time")

// Recv waits up to d for a message on s.
func (c *Client) Recv(s zmq4.Socket, d time.Duration) (*Message, error) {
	type got struct {
		m   *Message
		err error
	}
	ch := make(chan got, 1)
	go func() {
		z, err := s.Recv()
		if err != nil {
			ch <- got{nil, err}
			return
		}
		m, err := c.Signer.Decode(z.Frames)
		ch <- got{m, err}
	}()
	select {
	case g := <-ch:
		return g.m, g.err
	case <-time.After(d):
		return nil, ErrTimeout
	}
}

// LocalConnection is a connection on free TCP ports of 127.0.0.1, signed with key: what a
// client writes for a kernel it starts itself.
func LocalConnection(key string) (*Connection, error) {
	var ports [5]int
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer l.Close()
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	return &Connection{Transport: "tcp", IP: "127.0.0.1", ShellPort: ports[0], IOPubPort: ports[1], StdinPort: ports[2],
		ControlPort: ports[3], HBPort: ports[4], SignatureScheme: "hmac-sha256", Key: key}, nil
}
