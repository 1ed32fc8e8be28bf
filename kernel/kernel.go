package kernel

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"sync"

	"github.com/charmbracelet/lipgloss"
	"github.com/go-zeromq/zmq4"
	"github.com/muesli/termenv"

	"colash/dsl"
)

// Kernel is a running colash kernel: the five sockets of a connection and one shell session.
// Shell requests are served one at a time; control requests (interrupt, shutdown) and the
// heartbeat have their own goroutines, so they are answered while a cell runs.
type Kernel struct {
	conn   *Connection
	signer *Signer
	logw   io.Writer // the kernel's own diagnostics (stderr), never a cell's output

	shell, control, stdin, iopub, hb zmq4.Socket
	iopubMu                          sync.Mutex

	sh      *dsl.Shell
	out     *cellWriter  // where the session's stdout and stderr go: the running cell's streams
	in      *stdinReader // what cells read: lines asked of the frontend
	count   int          // execution count
	session string

	runMu  sync.Mutex
	cancel context.CancelFunc // of the running cell (nil: idle)

	ctx  context.Context
	stop context.CancelFunc
}

// Start binds the connection's sockets and starts the session. No model is loaded until a cell
// asks for one.
func Start(ctx context.Context, c *Connection, logw io.Writer) (*Kernel, error) {
	lipgloss.SetColorProfile(termenv.Ascii) // cells' text goes to browsers, not terminals
	log.SetOutput(io.Discard)               // yaegi's internal failures are explained by the shell
	// os.Stdout and os.Stderr in cells are the cell's streams, though they are not files
	os.Setenv("YAEGI_SPECIAL_STDIO", "1")
	ctx, stop := context.WithCancel(ctx)
	k := &Kernel{conn: c, signer: NewSigner(c.Key), logw: logw, session: newID(), ctx: ctx, stop: stop}
	k.shell = zmq4.NewRouter(ctx, zmq4.WithID(zmq4.SocketIdentity("colash-shell")))
	k.control = zmq4.NewRouter(ctx, zmq4.WithID(zmq4.SocketIdentity("colash-control")))
	k.stdin = zmq4.NewRouter(ctx, zmq4.WithID(zmq4.SocketIdentity("colash-stdin")))
	k.iopub = zmq4.NewPub(ctx)
	k.hb = zmq4.NewRep(ctx)
	for _, b := range []struct {
		s    zmq4.Socket
		port int
		name string
	}{{k.shell, c.ShellPort, "shell"}, {k.control, c.ControlPort, "control"}, {k.stdin, c.StdinPort, "stdin"},
		{k.iopub, c.IOPubPort, "iopub"}, {k.hb, c.HBPort, "heartbeat"}} {
		if err := b.s.Listen(c.Addr(b.port)); err != nil {
			k.Close()
			return nil, fmt.Errorf("kernel: %s socket on %s: %w", b.name, c.Addr(b.port), err)
		}
	}
	k.out, k.in = &cellWriter{k: k}, newStdinReader(k)
	sh, err := dsl.NewShell(dsl.Config{Stdin: k.in, Stdout: k.out.stream("stdout"), Stderr: k.out.stream("stderr"), Args: []string{"colash"}})
	if err != nil {
		k.Close()
		return nil, err
	}
	k.sh = sh
	return k, nil
}

// Close closes the sockets.
func (k *Kernel) Close() {
	k.stop()
	for _, s := range []zmq4.Socket{k.shell, k.control, k.stdin, k.iopub, k.hb} {
		if s != nil {
			s.Close()
		}
	}
}

// Serve answers requests until a shutdown request or ctx ends. SIGINT interrupts the running
// cell, as Jupyter's signal interrupt mode expects.
func (k *Kernel) Serve() error {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	defer signal.Stop(sig)
	go func() {
		for {
			select {
			case <-sig:
				k.interrupt()
			case <-k.ctx.Done():
				return
			}
		}
	}()
	go k.heartbeat()
	go k.loop(k.control, true)
	go k.loop(k.stdin, false) // input_reply: the lines cells asked for
	go k.loop(k.shell, false)
	<-k.ctx.Done()
	k.Close()
	return nil
}

func (k *Kernel) heartbeat() {
	for {
		m, err := k.hb.Recv()
		if err != nil {
			return
		}
		if err := k.hb.Send(m); err != nil {
			return
		}
	}
}

// loop receives messages on a router socket and handles each in order.
func (k *Kernel) loop(s zmq4.Socket, control bool) {
	for {
		raw, err := s.Recv()
		if err != nil {
			if k.ctx.Err() == nil {
				fmt.Fprintf(k.logw, "colash kernel: receive: %v\n", err)
			}
			if k.ctx.Err() != nil {
				return
			}
			continue
		}
		m, err := k.signer.Decode(raw.Frames)
		if err != nil {
			fmt.Fprintf(k.logw, "colash kernel: %v\n", err)
			continue
		}
		if m.Header.MsgType == "input_reply" {
			k.in.deliver(m) // answers a read of the running cell: no status of its own
			continue
		}
		k.handle(s, m, control)
		if k.ctx.Err() != nil {
			return
		}
	}
}

// send signs and sends m on s (iopub sends are serialised: cells stream from other goroutines).
func (k *Kernel) send(s zmq4.Socket, m *Message) {
	if m == nil {
		return
	}
	z, err := k.signer.Encode(m)
	if err == nil {
		if s == k.iopub {
			k.iopubMu.Lock()
			err = s.Send(z)
			k.iopubMu.Unlock()
		} else {
			err = s.Send(z)
		}
	}
	if err != nil && k.ctx.Err() == nil {
		fmt.Fprintf(k.logw, "colash kernel: send %s: %v\n", m.Header.MsgType, err)
	}
}

// reply answers parent on s with msgType and content.
func (k *Kernel) reply(s zmq4.Socket, parent *Message, msgType string, content any) {
	r, err := Reply(parent, msgType, content)
	if err != nil {
		fmt.Fprintf(k.logw, "colash kernel: %s: %v\n", msgType, err)
		return
	}
	k.send(s, r)
}

// publish sends msgType with content on iopub, as a child of parent.
func (k *Kernel) publish(parent *Message, msgType string, content any) {
	r, err := Reply(parent, msgType, content)
	if err != nil {
		fmt.Fprintf(k.logw, "colash kernel: %s: %v\n", msgType, err)
		return
	}
	r.Identities = [][]byte{[]byte(msgType)}
	k.send(k.iopub, r)
}

func (k *Kernel) status(parent *Message, state string) {
	k.publish(parent, "status", map[string]string{"execution_state": state})
}

func (k *Kernel) handle(s zmq4.Socket, m *Message, control bool) {
	k.status(m, "busy")
	defer k.status(m, "idle")
	t := m.Header.MsgType
	switch t {
	case "kernel_info_request":
		k.reply(s, m, "kernel_info_reply", kernelInfo())
	case "execute_request":
		k.execute(s, m)
	case "complete_request":
		k.complete(s, m)
	case "inspect_request":
		k.inspect(s, m)
	case "is_complete_request":
		k.isComplete(s, m)
	case "interrupt_request":
		k.interrupt()
		k.reply(s, m, "interrupt_reply", map[string]string{"status": "ok"})
	case "shutdown_request":
		var c struct {
			Restart bool `json:"restart"`
		}
		json.Unmarshal(m.Content, &c)
		k.interrupt()
		k.reply(s, m, "shutdown_reply", map[string]any{"status": "ok", "restart": c.Restart})
		k.stop()
	case "comm_info_request":
		k.reply(s, m, "comm_info_reply", map[string]any{"status": "ok", "comms": map[string]any{}})
	case "history_request":
		k.reply(s, m, "history_reply", map[string]any{"status": "ok", "history": []any{}})
	default:
		fmt.Fprintf(k.logw, "colash kernel: %s: not handled\n", t)
	}
}

// interrupt cancels the running cell's context: a generation or training run stops between
// steps, as Ctrl-C does in the shell.
func (k *Kernel) interrupt() {
	k.runMu.Lock()
	if k.cancel != nil {
		k.cancel()
	}
	k.runMu.Unlock()
}

func kernelInfo() map[string]any {
	return map[string]any{
		"status":                 "ok",
		"protocol_version":       ProtocolVersion,
		"implementation":         "colash",
		"implementation_version": "0.1",
		"language_info": map[string]any{
			"name": "go", "version": "1.26", "mimetype": "text/x-go", "file_extension": ".go",
			"pygments_lexer": "go", "codemirror_mode": "go",
		},
		"banner":     "colash: Go with the colash API (interpreted). :help lists the shell's commands.",
		"help_links": []any{},
	}
}
