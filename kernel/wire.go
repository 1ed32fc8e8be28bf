// Package kernel is colash's Jupyter kernel: the Jupyter messaging protocol (v5.3) over ZeroMQ
// (github.com/go-zeromq/zmq4, pure Go) on top of a colash shell session (dsl), so that a
// notebook cell runs exactly as the same lines typed in the shell.
package kernel

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/go-zeromq/zmq4"
)

// ProtocolVersion is the version of the messaging protocol the kernel speaks.
const ProtocolVersion = "5.3"

// Connection is a kernel connection file, as Jupyter writes it for the kernel it starts.
type Connection struct {
	Transport       string `json:"transport"`
	IP              string `json:"ip"`
	ShellPort       int    `json:"shell_port"`
	IOPubPort       int    `json:"iopub_port"`
	StdinPort       int    `json:"stdin_port"`
	ControlPort     int    `json:"control_port"`
	HBPort          int    `json:"hb_port"`
	SignatureScheme string `json:"signature_scheme"`
	Key             string `json:"key"`
}

// ReadConnection reads and checks a connection file.
func ReadConnection(path string) (*Connection, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var c Connection
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("connection file %s: %w", path, err)
	}
	if c.Transport == "" {
		c.Transport = "tcp"
	}
	if c.SignatureScheme != "" && c.SignatureScheme != "hmac-sha256" {
		return nil, fmt.Errorf("connection file %s: signature scheme %q (only hmac-sha256 is supported)", path, c.SignatureScheme)
	}
	if c.ShellPort == 0 || c.IOPubPort == 0 || c.ControlPort == 0 || c.HBPort == 0 || c.StdinPort == 0 {
		return nil, fmt.Errorf("connection file %s: a port is missing (shell, iopub, stdin, control, hb)", path)
	}
	return &c, nil
}

// Addr is the ZeroMQ endpoint of a port.
func (c *Connection) Addr(port int) string {
	if c.Transport == "ipc" {
		return fmt.Sprintf("ipc://%s-%d", c.IP, port)
	}
	return fmt.Sprintf("%s://%s:%d", c.Transport, c.IP, port)
}

// Header is a message header (also a reply's parent header).
type Header struct {
	MsgID    string `json:"msg_id"`
	Session  string `json:"session"`
	Username string `json:"username"`
	Date     string `json:"date"`
	MsgType  string `json:"msg_type"`
	Version  string `json:"version"`
}

// Message is one protocol message: routing identities, then the four signed JSON parts.
type Message struct {
	Identities [][]byte
	Header     Header
	Parent     json.RawMessage // the parent header, {} for none
	Metadata   json.RawMessage
	Content    json.RawMessage
	Buffers    [][]byte
}

const delimiter = "<IDS|MSG>"

// ErrSignature is returned for a message whose signature is missing or wrong.
var ErrSignature = errors.New("message refused: bad or missing HMAC-SHA256 signature")

// Signer signs and checks messages with a connection's key (no key: no signing, as the
// protocol allows).
type Signer struct{ key []byte }

// NewSigner makes a signer for key.
func NewSigner(key string) *Signer { return &Signer{key: []byte(key)} }

func (s *Signer) sign(parts ...[]byte) string {
	if len(s.key) == 0 {
		return ""
	}
	m := hmac.New(sha256.New, s.key)
	for _, p := range parts {
		m.Write(p)
	}
	return hex.EncodeToString(m.Sum(nil))
}

// Decode parses the frames of a received message and checks its signature.
func (s *Signer) Decode(frames [][]byte) (*Message, error) {
	i := 0
	for i < len(frames) && string(frames[i]) != delimiter {
		i++
	}
	if len(frames) < i+6 {
		return nil, fmt.Errorf("malformed message: %d frames, delimiter at %d", len(frames), i)
	}
	sig, parts := frames[i+1], frames[i+2:i+6]
	if len(s.key) > 0 {
		want := s.sign(parts...)
		if !hmac.Equal(sig, []byte(want)) {
			return nil, ErrSignature
		}
	}
	m := &Message{Identities: frames[:i], Parent: parts[1], Metadata: parts[2], Content: parts[3], Buffers: frames[i+6:]}
	if err := json.Unmarshal(parts[0], &m.Header); err != nil {
		return nil, fmt.Errorf("malformed header: %w", err)
	}
	return m, nil
}

// Encode serialises and signs m for sending.
func (s *Signer) Encode(m *Message) (zmq4.Msg, error) {
	h, err := json.Marshal(m.Header)
	if err != nil {
		return zmq4.Msg{}, err
	}
	parts := [][]byte{h, orEmpty(m.Parent), orEmpty(m.Metadata), orEmpty(m.Content)}
	frames := append([][]byte{}, m.Identities...)
	frames = append(frames, []byte(delimiter), []byte(s.sign(parts...)))
	frames = append(frames, parts...)
	frames = append(frames, m.Buffers...)
	return zmq4.NewMsgFrom(frames...), nil
}

func orEmpty(b []byte) []byte {
	if len(bytes.TrimSpace(b)) == 0 {
		return []byte("{}")
	}
	return b
}

// NewHeader is a fresh header of msgType in session.
func NewHeader(msgType, session string) Header {
	return Header{MsgID: newID(), Session: session, Username: "colash", Date: time.Now().UTC().Format(time.RFC3339Nano),
		MsgType: msgType, Version: ProtocolVersion}
}

// Reply is a message of msgType answering parent, with content (marshalled to JSON).
func Reply(parent *Message, msgType string, content any) (*Message, error) {
	c, err := json.Marshal(content)
	if err != nil {
		return nil, err
	}
	ph, _ := json.Marshal(parent.Header)
	return &Message{Identities: parent.Identities, Header: NewHeader(msgType, parent.Header.Session),
		Parent: ph, Metadata: []byte("{}"), Content: c}, nil
}

func newID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}
