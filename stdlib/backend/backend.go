// Package backend is the seam between the script API (colash/stdlib) and the tensor engine.
//
// The script API holds only plain Go values, so that `yaegi extract` can read it without
// type-checking gotch; the engine side (colash/stdlib/torch) registers a Runtime here from its
// init function. The shell also sets the context of the running evaluation here, so that
// Ctrl-C reaches a generation in progress.
package backend

import (
	"colash/engine/env"
	"context"
	"errors"
	"io"
	"os"
	"sync"
)

// Runtime loads models and reports on the tensor library.
type Runtime interface {
	Load(path string, opt LoadOptions) (Model, error)
	// SetDefaults sets the device and dtype that Load uses when its options leave them empty
	// ("auto" picks CUDA when there is a GPU); it checks them now.
	SetDefaults(device, dtype string) error
	// Defaults are the device ("cpu" or "cuda:N") and dtype ("f32", "f16", "bf16") new models
	// get, resolved.
	Defaults() (device, dtype string)
	SetThreads(n int)
	Threads() int
}

// LoadOptions choose how a model is loaded ("" and 0 fields take the runtime's defaults).
type LoadOptions struct {
	Device, DType, Tokenizer string
	Threads                  int  // CPU threads for tensor work (0: leave as is)
	NoMmap                   bool // copy the weights instead of mapping the file (checkpoint.Options.NoMmap)
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

// CoLA is implemented by models with a latent-action head (model/cola): an inverse dynamics
// model that reads codes from text, and a policy whose codes can be forced.
type CoLA interface {
	Model
	// Codes reads with the IDM the code of each step of ids: codes[t] produced ids[t+1]; the
	// last entry is the IDM's guess from the text alone.
	Codes(ctx context.Context, ids []int) ([]int, error)
	// NumCodes is the size of the action codebook.
	NumCodes() int
	// GenerateSteered generates under st and returns the tokens and the code used at each step.
	GenerateSteered(ctx context.Context, prompt []int, s Sampling, st Steering, onText func(string)) (tokens, codes []int, err error)
	// CodeTable says what each code means on continuations of prompts (nil: the default ones).
	CodeTable(ctx context.Context, prompts []string) ([]CodeStat, error)
}

// CodeStat is what one latent code means: how often the policy picks it, the tokens the world
// model makes under it (with the share of contexts), and a continuation with it forced.
type CodeStat struct {
	Code    int
	Policy  float64
	Tokens  []string
	Shares  []float64
	Example string
}

// Steering forces codes in a CoLA generation.
type Steering struct {
	PerStep []int     // PerStep[i] is forced at step i; -1 (or past the end) leaves it to the policy
	Every   int       // forced at every step not set by PerStep; -1: none
	Bias    []float32 // added to the policy logits, [C] (nil: none)
	// Hook, when set, sees each step's chosen code and the policy's probabilities over the
	// codes, and returns the code to use.
	Hook func(step, code int, probs []float64) int
}

// Runtime extensions a runtime may implement.
type CoLARuntime interface {
	// WrapCoLA loads a Llama and wraps it in fresh CoLA modules with codes codes, initialised
	// from seed (untrained: for trying the mechanics).
	WrapCoLA(path string, codes int, seed uint64) (CoLA, error)
}

// EnvRuntime builds text environments of the built-in tasks.
type EnvRuntime interface {
	NewEnv(task string, turns int) (env.Env, error)
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

// RLOptions configure a reinforcement-learning run started from a script.
type RLOptions struct {
	Task      string                                  // a built-in task (engine/rl TaskNames); "" with Reward
	Prompts   []string                                // prompts of a custom task (with Reward)
	Reward    func(prompt, completion string) float64 // a custom reward, called on one goroutine
	Algo      string                                  // grpo (default), remax, rloo, ppo
	Steps     int
	Batch     int // prompts per step
	Group     int // samples per prompt
	MaxTokens int
	LR, KL    float64
	Layers    int // token level (a plain Llama): the last Layers blocks train, with the head
	Seed      uint64
}

// RLStep is one step's measurements.
type RLStep struct {
	Step                 int
	Reward, KL, Entropy  float64
	MeanLength, ClipFrac float64
}

// RLModel is implemented by models that can be trained with RL: a CoLA over its latent codes
// (only the policy changes), a plain Llama over tokens (the baseline).
type RLModel interface {
	TrainRL(ctx context.Context, o RLOptions, onStep func(RLStep)) error
}
