package kernel

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"
)

// TestMain lets the test binary serve as the kernel Jupyter starts (jupyter_test.go installs a
// kernelspec that runs it with "kernel -f FILE"), so no colash binary needs building.
func TestMain(m *testing.M) {
	if len(os.Args) == 4 && os.Args[1] == "kernel" && os.Args[2] == "-f" {
		c, err := ReadConnection(os.Args[3])
		if err == nil {
			var k *Kernel
			if k, err = Start(context.Background(), c, os.Stderr); err == nil {
				err = k.Serve()
			}
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// client wraps Client for tests: failures end the test.
type client struct {
	*Client
	t                         testing.TB
	shell, control, iopub, hb zmq4.Socket
}

func startKernel(t testing.TB, key string) (*Connection, *Kernel) {
	c, err := LocalConnection(key)
	if err != nil {
		t.Fatal(err)
	}
	k, err := Start(context.Background(), c, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	go k.Serve()
	t.Cleanup(k.Close)
	return c, k
}

func dial(t testing.TB, c *Connection, key string) *client {
	cl, err := Dial(c, key)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return &client{Client: cl, t: t, shell: cl.Shell, control: cl.Control, iopub: cl.IOPub, hb: cl.Heartbeat}
}

func (c *client) send(s zmq4.Socket, msgType string, content any) string {
	id, err := c.Send(s, msgType, content)
	if err != nil {
		c.t.Fatal(err)
	}
	return id
}

// recv waits up to d for a message on s; nil when none came.
func (c *client) recv(s zmq4.Socket, d time.Duration) *Message {
	m, err := c.Recv(s, d)
	if err == ErrTimeout {
		return nil
	}
	if err != nil {
		c.t.Errorf("receive: %v", err)
	}
	return m
}

func content(t testing.TB, m *Message) map[string]any {
	var c map[string]any
	if err := json.Unmarshal(m.Content, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// subscribed sends kernel_info requests until one's status reaches iopub: a subscriber connects
// asynchronously, and what the kernel publishes before it has joined is lost (as Jupyter clients
// do, waiting for iopub before the first cell). It returns the first reply.
func (c *client) subscribed() *Message {
	c.t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
		c.send(c.shell, "kernel_info_request", map[string]any{})
		r := c.recv(c.shell, 10*time.Second)
		if c.recv(c.iopub, 500*time.Millisecond) != nil {
			for c.recv(c.iopub, 200*time.Millisecond) != nil { // the rest of that request's status
			}
			return r
		}
	}
	c.t.Fatal("iopub: no status from the kernel in 20 s")
	return nil
}

func TestKernelInfoExecuteAndHeartbeat(t *testing.T) {
	c, _ := startKernel(t, "secret")
	cl := dial(t, c, "secret")
	r := cl.subscribed()
	if r == nil || r.Header.MsgType != "kernel_info_reply" || content(t, r)["protocol_version"] != "5.3" {
		t.Fatalf("kernel_info: %+v", r)
	}
	id := cl.send(cl.shell, "execute_request", map[string]any{"code": "fmt.Println(\"out\")\n6 * 7", "silent": false})
	if r := cl.recv(cl.shell, 30*time.Second); r == nil || content(t, r)["status"] != "ok" {
		t.Fatalf("execute_reply: %+v", r)
	}
	var stream, result string
	for stream == "" || result == "" {
		m := cl.recv(cl.iopub, 10*time.Second)
		if m == nil {
			t.Fatalf("iopub: stream %q, result %q", stream, result)
		}
		var ph Header
		json.Unmarshal(m.Parent, &ph)
		if ph.MsgID != id {
			continue
		}
		switch m.Header.MsgType {
		case "stream":
			stream += content(t, m)["text"].(string)
		case "execute_result":
			result = content(t, m)["data"].(map[string]any)["text/plain"].(string)
		}
	}
	if stream != "out\n" || result != "42" {
		t.Fatalf("stream %q, result %q", stream, result)
	}
	if err := cl.hb.Send(zmq4.NewMsgString("ping")); err != nil {
		t.Fatal(err)
	}
	if m, err := cl.hb.Recv(); err != nil || string(m.Bytes()) != "ping" {
		t.Fatalf("heartbeat: %q %v", m.Bytes(), err)
	}
}

// Messages signed with another key, or not signed, get no answer; signed ones still do.
func TestBadSignatureRefused(t *testing.T) {
	c, _ := startKernel(t, "secret")
	for _, key := range []string{"wrong", ""} {
		bad := dial(t, c, key)
		bad.send(bad.shell, "kernel_info_request", map[string]any{})
		if r := bad.recv(bad.shell, time.Second); r != nil {
			t.Fatalf("key %q: the kernel answered %s", key, r.Header.MsgType)
		}
	}
	good := dial(t, c, "secret")
	good.send(good.shell, "kernel_info_request", map[string]any{})
	if r := good.recv(good.shell, 10*time.Second); r == nil {
		t.Fatal("no reply to a signed request after refused ones")
	}
}

func TestSignerRoundTrip(t *testing.T) {
	s := NewSigner("k")
	m := &Message{Identities: [][]byte{[]byte("id")}, Header: NewHeader("x", "s"), Content: []byte(`{"a":1}`)}
	z, _ := s.Encode(m)
	got, err := s.Decode(z.Frames)
	if err != nil || string(got.Identities[0]) != "id" || string(got.Content) != `{"a":1}` {
		t.Fatalf("%+v %v", got, err)
	}
	z.Frames[len(z.Frames)-1] = []byte(`{"a":2}`) // tampered content
	if _, err := s.Decode(z.Frames); err != ErrSignature {
		t.Fatalf("tampered message: %v", err)
	}
}

func TestCompleteAndIsComplete(t *testing.T) {
	c, _ := startKernel(t, "k")
	cl := dial(t, c, "k")
	cl.send(cl.shell, "execute_request", map[string]any{"code": "s := strings.NewReplacer(\"a\", \"b\")"})
	cl.recv(cl.shell, 30*time.Second)
	cl.send(cl.shell, "complete_request", map[string]any{"code": "x := 1\ns.Rep", "cursor_pos": 12})
	r := content(t, cl.recv(cl.shell, 10*time.Second))
	if fmt.Sprint(r["matches"]) != "[s.Replace]" || r["cursor_start"] != 7.0 || r["cursor_end"] != 12.0 {
		t.Fatalf("complete: %v", r)
	}
	for code, want := range map[string]string{"f(1,\n": "incomplete", "f(1)": "complete"} {
		cl.send(cl.shell, "is_complete_request", map[string]any{"code": code})
		if r := content(t, cl.recv(cl.shell, 10*time.Second)); r["status"] != want {
			t.Fatalf("is_complete %q: %v", code, r)
		}
	}
}

// An interrupt on the control channel stops a running cell; a panic is an error reply; the
// session answers the next cell.
func TestInterruptAndPanic(t *testing.T) {
	c, _ := startKernel(t, "k")
	cl := dial(t, c, "k")
	cl.send(cl.shell, "execute_request", map[string]any{"code": "n := 0\nfor {\n\tn++\n}"})
	time.Sleep(500 * time.Millisecond)
	cl.send(cl.control, "interrupt_request", map[string]any{})
	if r := cl.recv(cl.control, 10*time.Second); r == nil || r.Header.MsgType != "interrupt_reply" {
		t.Fatalf("interrupt_reply: %+v", r)
	}
	r := cl.recv(cl.shell, 10*time.Second)
	if r == nil || content(t, r)["ename"] != "Interrupted" {
		t.Fatalf("interrupted cell: %+v", r)
	}
	cl.send(cl.shell, "execute_request", map[string]any{"code": "panic(\"boom\")"})
	if r := content(t, cl.recv(cl.shell, 10*time.Second)); r["status"] != "error" || r["ename"] != "Panic" || !strings.Contains(r["evalue"].(string), "boom") {
		t.Fatalf("panic reply: %v", r)
	}
	cl.send(cl.shell, "execute_request", map[string]any{"code": "n > 0"})
	if r := content(t, cl.recv(cl.shell, 10*time.Second)); r["status"] != "ok" {
		t.Fatalf("after the panic: %v", r)
	}
}
