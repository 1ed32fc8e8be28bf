// Package backend is the seam between the script API (colash/stdlib) and the tensor engine.
//
// The script API holds only plain Go values, so that `yaegi extract` can read it without
// type-checking gotch; the engine side (colash/stdlib/torch) registers a Runtime here from its
// init function. The shell also sets the context of the running evaluation here, so that
// Ctrl-C reaches a generation in progress.
package backend

import (
	"context"
	"errors"
	"io"
	"os"
	"sync"
)

// Runtime loads models and reports on the tensor library.
type Runtime interface {
	Load(path string, opt LoadOptions) (Model, error)
	Device() string // "cpu" or "cuda:N": where new models go by default
	SetThreads(n int)
	Threads() int
}

// LoadOptions choose how a model is loaded ("" fields take the runtime's defaults).
type LoadOptions struct {
	Device, DType, Tokenizer string
}

// Sampling is one generation's decoding settings.
type Sampling struct {
	N           int
	Temperature float64
	TopK        int
	TopP        float64
	Seed        uint64
}

// Info describes a loaded model.
type Info struct {
	Path, Kind, Device, DType               string
	Dim, Layers, Heads, KVHeads, FFN, Vocab int
	Params                                  int64
}

// Model is a loaded language model.
type Model interface {
	Info() Info
	Encode(text string, bos bool) []int
	Decode(ids []int) string
	// Piece is the text of one token on its own.
	Piece(id int) string
	// Generate continues prompt (token ids, BOS included) with up to s.N tokens; onText sees
	// the decoded text as it is produced. Cancelling ctx stops it between steps and returns the
	// tokens so far with ctx's error.
	Generate(ctx context.Context, prompt []int, s Sampling, onText func(string)) ([]int, error)
	// Logits returns the next-token logits after each position of ids, [T][V].
	Logits(ctx context.Context, ids []int) ([][]float32, error)
	// Free releases the model's memory; the model is unusable afterwards.
	Free()
}

// CoLA is implemented by models with a latent-action head (model/cola). Extension point: the
// CoLA model package registers a Runtime whose models also implement this interface, and the
// script API's CoLA methods (Codes, Steer, ...) start working.
type CoLA interface {
	Model
	// Codes reads the latent action code of each step of text with the inverse dynamics model.
	Codes(ctx context.Context, ids []int) ([]int, error)
	// NumCodes is the size of the action codebook.
	NumCodes() int
	// GenerateWithCodes generates with the policy's codes replaced by forced (one per step;
	// -1 leaves a step to the policy) and returns the tokens and the codes used.
	GenerateWithCodes(ctx context.Context, prompt []int, s Sampling, forced []int, onText func(string)) (tokens, codes []int, err error)
}

var (
	mu      sync.Mutex
	runtime Runtime
	ctx               = context.Background()
	out     io.Writer = os.Stdout
)

// ErrNoRuntime is returned when no tensor engine is linked into the program.
var ErrNoRuntime = errors.New("no tensor engine is linked in (import _ \"colash/stdlib/torch\")")

// Register installs the runtime (the last registration wins).
func Register(r Runtime) {
	mu.Lock()
	runtime = r
	mu.Unlock()
}

// Current returns the registered runtime.
func Current() (Runtime, error) {
	mu.Lock()
	defer mu.Unlock()
	if runtime == nil {
		return nil, ErrNoRuntime
	}
	return runtime, nil
}

// SetContext sets the context of the evaluation now running (nil: background).
func SetContext(c context.Context) {
	if c == nil {
		c = context.Background()
	}
	mu.Lock()
	ctx = c
	mu.Unlock()
}

// Context is the context of the evaluation now running.
func Context() context.Context {
	mu.Lock()
	defer mu.Unlock()
	return ctx
}

// SetOutput sets where streamed output (generation with Stream) goes.
func SetOutput(w io.Writer) {
	mu.Lock()
	out = w
	mu.Unlock()
}

// Output is where streamed output goes.
func Output() io.Writer {
	mu.Lock()
	defer mu.Unlock()
	return out
}
