package kernel

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/go-zeromq/zmq4"

	"colash/dsl"
)

// cellWriter routes the session's output to the running cell: each write becomes a stream
// message on iopub under the cell's request (writes between cells are dropped).
type cellWriter struct {
	k      *Kernel
	mu     sync.Mutex
	parent *Message
}

func (w *cellWriter) set(parent *Message) {
	w.mu.Lock()
	w.parent = parent
	w.mu.Unlock()
}

type streamWriter struct {
	w    *cellWriter
	name string
}

func (w *cellWriter) stream(name string) *streamWriter { return &streamWriter{w, name} }

func (s *streamWriter) Write(b []byte) (int, error) {
	s.w.mu.Lock()
	parent := s.w.parent
	s.w.mu.Unlock()
	if parent != nil && len(b) > 0 {
		s.w.k.publish(parent, "stream", map[string]string{"name": s.name, "text": string(b)})
	}
	return len(b), nil
}

type executeRequest struct {
	Code         string `json:"code"`
	Silent       bool   `json:"silent"`
	StoreHistory *bool  `json:"store_history"`
	AllowStdin   bool   `json:"allow_stdin"`
}

// execute runs a cell: its output streams while it runs, then the value (execute_result) or
// the error (error, with a traceback), then the reply. The session survives errors and panics.
func (k *Kernel) execute(s zmq4.Socket, m *Message) {
	var req executeRequest
	if err := json.Unmarshal(m.Content, &req); err != nil {
		k.reply(s, m, "execute_reply", errorContent(k.count, "BadRequest", err.Error(), nil))
		return
	}
	if !req.Silent && (req.StoreHistory == nil || *req.StoreHistory) {
		k.count++
	}
	n := k.count
	if !req.Silent {
		k.publish(m, "execute_input", map[string]any{"code": req.Code, "execution_count": n})
	}
	ctx, cancel := context.WithCancel(k.ctx)
	k.runMu.Lock()
	k.cancel = cancel
	k.runMu.Unlock()
	k.out.set(m)
	k.in.begin(ctx, m, req.AllowStdin)
	v, shown, err := k.sh.Cell(ctx, fmt.Sprintf("In [%d]", n), req.Code)
	k.in.end()
	k.out.set(nil)
	k.runMu.Lock()
	k.cancel = nil
	k.runMu.Unlock()
	cancel()
	if err != nil {
		ename, evalue, tb := describe(err)
		k.publish(m, "error", map[string]any{"ename": ename, "evalue": evalue, "traceback": tb})
		k.reply(s, m, "execute_reply", errorContent(n, ename, evalue, tb))
		return
	}
	if shown && !req.Silent {
		k.publish(m, "execute_result", map[string]any{"execution_count": n, "data": bundle(dsl.MIME(v)), "metadata": map[string]any{}})
	}
	k.reply(s, m, "execute_reply", map[string]any{"status": "ok", "execution_count": n, "payload": []any{}, "user_expressions": map[string]any{}})
}

func errorContent(n int, ename, evalue string, tb []string) map[string]any {
	if tb == nil {
		tb = []string{ename + ": " + evalue}
	}
	return map[string]any{"status": "error", "execution_count": n, "ename": ename, "evalue": evalue, "traceback": tb}
}

// describe names an error for Jupyter: a panic, an interrupt or a compile error, with the
// message (and hint) as the traceback's lines.
func describe(err error) (ename, evalue string, traceback []string) {
	var p *dsl.Panic
	switch {
	case errors.Is(err, dsl.ErrInterrupted):
		ename = "Interrupted"
	case errors.As(err, &p):
		ename = "Panic"
	default:
		ename = "Error"
	}
	evalue = err.Error()
	traceback = append([]string{ename + ": " + strings.SplitN(evalue, "\n", 2)[0]}, strings.Split(evalue, "\n")[1:]...)
	return ename, evalue, traceback
}

// bundle is a MIME bundle as JSON wants it: text as strings, images base64-encoded.
func bundle(mime map[string][]byte) map[string]string {
	out := map[string]string{}
	for k, b := range mime {
		if strings.HasPrefix(k, "image/") && k != "image/svg+xml" {
			out[k] = base64.StdEncoding.EncodeToString(b)
		} else {
			out[k] = string(b)
		}
	}
	return out
}

type cursorRequest struct {
	Code      string `json:"code"`
	CursorPos int    `json:"cursor_pos"` // in Unicode code points
}

// byteOffset converts a code-point offset into a byte offset of s.
func byteOffset(s string, runes int) int {
	i := 0
	for n := 0; n < runes && i < len(s); n++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return i
}

// complete answers with the shell's completer on the line the cursor is in.
func (k *Kernel) complete(s zmq4.Socket, m *Message) {
	var req cursorRequest
	json.Unmarshal(m.Content, &req)
	pos := byteOffset(req.Code, req.CursorPos)
	lineStart := strings.LastIndexByte(req.Code[:pos], '\n') + 1
	cands, wordLen := k.sh.Complete(req.Code[lineStart:], pos-lineStart)
	start := req.CursorPos - utf8.RuneCountInString(req.Code[pos-wordLen:pos])
	if cands == nil {
		cands = []string{}
	}
	k.reply(s, m, "complete_reply", map[string]any{"status": "ok", "matches": cands,
		"cursor_start": start, "cursor_end": req.CursorPos, "metadata": map[string]any{}})
}

// inspect answers with :doc of the name at the cursor.
func (k *Kernel) inspect(s zmq4.Socket, m *Message) {
	var req cursorRequest
	json.Unmarshal(m.Content, &req)
	name := wordAt(req.Code, byteOffset(req.Code, req.CursorPos))
	doc, err := "", error(nil)
	if name != "" {
		doc, err = k.sh.Doc(k.ctx, name)
	}
	found := name != "" && err == nil && doc != ""
	data := map[string]string{}
	if found {
		data["text/plain"] = doc
	}
	k.reply(s, m, "inspect_reply", map[string]any{"status": "ok", "found": found, "data": data, "metadata": map[string]any{}})
}

// wordAt is the identifier chain (m.Generate, strings.Fields) around byte offset pos.
func wordAt(code string, pos int) string {
	isWord := func(c byte) bool {
		return c == '_' || c == '.' || c >= 0x80 || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
	}
	a, b := pos, pos
	for a > 0 && isWord(code[a-1]) {
		a--
	}
	for b < len(code) && isWord(code[b]) && code[b] != '.' {
		b++
	}
	return strings.Trim(code[a:b], ".")
}

// isComplete says whether the code is a whole input (the shell's multi-line rule).
func (k *Kernel) isComplete(s zmq4.Socket, m *Message) {
	var req struct {
		Code string `json:"code"`
	}
	json.Unmarshal(m.Content, &req)
	status, indent := "complete", ""
	if !dsl.IsComplete(req.Code) {
		status, indent = "incomplete", "\t"
	}
	k.reply(s, m, "is_complete_reply", map[string]any{"status": status, "indent": indent})
}
