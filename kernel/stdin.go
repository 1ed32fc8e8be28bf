package kernel

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"
)

// stdinReader is what cells read as standard input (os.Stdin, fmt.Scan, bufio.Scanner). A read
// with nothing buffered asks the frontend for a line (input_request on the stdin socket) when
// the running cell's request allows stdin, and waits for its input_reply; otherwise, and
// between cells, input is empty (EOF). An interrupt ends the wait.
type stdinReader struct {
	k       *Kernel
	mu      sync.Mutex
	parent  *Message // the running execute_request when it allows stdin
	ctx     context.Context
	buf     []byte
	replies chan string
}

func newStdinReader(k *Kernel) *stdinReader {
	return &stdinReader{k: k, replies: make(chan string, 1)}
}

// begin sets the cell now running: parent may ask for input when allow is set.
func (r *stdinReader) begin(ctx context.Context, parent *Message, allow bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ctx, r.parent, r.buf = ctx, nil, nil
	if allow {
		r.parent = parent
	}
	select { // a reply that came after its cell ended answers nothing
	case <-r.replies:
	default:
	}
}

// end forgets the cell and what it left unread.
func (r *stdinReader) end() { r.begin(context.Background(), nil, false) }

func (r *stdinReader) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.buf) == 0 {
		if r.parent == nil {
			return 0, io.EOF
		}
		parent, ctx := r.parent, r.ctx
		r.mu.Unlock()
		line, err := r.ask(ctx, parent)
		r.mu.Lock()
		if err != nil {
			return 0, err
		}
		r.buf = append(r.buf, line+"\n"...)
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// ask sends an input_request under parent (to the client that sent it) and waits for the reply.
func (r *stdinReader) ask(ctx context.Context, parent *Message) (string, error) {
	req, err := Reply(parent, "input_request", map[string]any{"prompt": "", "password": false})
	if err != nil {
		return "", err
	}
	r.k.send(r.k.stdin, req)
	select {
	case v := <-r.replies:
		return v, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// deliver hands an input_reply to the waiting read (dropped when nothing waits for one).
func (r *stdinReader) deliver(m *Message) {
	var c struct {
		Value string `json:"value"`
	}
	if err := json.Unmarshal(m.Content, &c); err != nil {
		fmt.Fprintf(r.k.logw, "colash kernel: input_reply: %v\n", err)
		return
	}
	select {
	case r.replies <- c.Value:
	default:
	}
}
