// Package colash is the API that colash scripts and the shell see (scripts import "colash").
//
// It is made for exploring a model, not for mirroring the tensor library: values that cross
// into scripts are plain Go values (strings, []int, [][]float32) or small structs whose String
// methods print well. Failures panic with an *Error, which the shell turns into a message; the
// Try* variants return errors instead.
//
//	m := colash.Load("")                        // the shipped default model
//	r := m.Generate("Once upon a time", colash.Opts{N: 32})
//	fmt.Println(r.Text)
//	colash.Histogram(m.Pieces("the cat saw the dog and the bird"))
package colash

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"colash/models"
	"colash/stdlib/backend"
)

// Error is what colash functions panic with; the shell prints it as a message, not a stack.
type Error struct {
	Op  string // what was being done, e.g. "load /path"
	Err error
}

func (e *Error) Error() string { return e.Op + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

func fail(op string, err error) {
	if err != nil {
		panic(&Error{Op: op, Err: err})
	}
}

// DefaultModel is the name of the model that Load("") loads.
const DefaultModel = models.DefaultName

// Model is a loaded language model. Its methods panic with an *Error on failure.
type Model struct {
	m    backend.Model
	key  string
	name string
}

// Name is the name the model was loaded under (its path, or the shipped model's name).
func (m *Model) Name() string { return m.name }

func (m *Model) String() string {
	i := m.Info()
	return fmt.Sprintf("%s model %s (d=%d, %d layers, vocab %d, %s params, %s)", i.Kind, m.name, i.Dim, i.Layers, i.Vocab, humanCount(i.Params), i.Device)
}

// Opts are a generation's settings; the zero value is 64 greedy tokens.
type Opts struct {
	N      int     // new tokens (0: 64)
	Temp   float64 // temperature; 0 is greedy
	TopK   int     // sample from the k most likely tokens (0: all)
	TopP   float64 // nucleus sampling (0: off)
	Seed   int     // sampling seed
	Stream bool    // print the text as it is generated
	Steer  *Vector // added at its hook point during the generation (SteeringVector, CodeDirection)
	Scale  float64 // multiplies Steer (0: 1)
}

// Result is a generation: the prompt, the new text and its tokens.
type Result struct {
	Prompt  string
	Text    string // the new text only
	Tokens  []int  // the new tokens
	Elapsed time.Duration
}

// String shows the prompt followed by the generated text.
func (r *Result) String() string {
	return styles.faint.Render(r.Prompt) + r.Text
}

// TokensPerSecond is the generation speed.
func (r *Result) TokensPerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(len(r.Tokens)) / r.Elapsed.Seconds()
}

// lastOpts is the last of the optional Opts a call was given, with defaults filled in.
func lastOpts(opts []Opts) Opts {
	o := Opts{}
	if len(opts) > 0 {
		o = opts[len(opts)-1]
	}
	if o.N <= 0 {
		o.N = 64
	}
	return o
}

// Generate continues prompt (a BOS token is put before it). opts is optional: Opts{} by default.
// Ctrl-C in the shell stops it between tokens.
func (m *Model) Generate(prompt string, opts ...Opts) *Result {
	o := lastOpts(opts)
	ctx := backend.Context()
	var onText func(string)
	if o.Stream {
		w := backend.Output()
		onText = func(s string) { fmt.Fprint(w, s) }
		fmt.Fprint(w, styles.faint.Render(prompt))
	}
	defer m.steering("generate", o)()
	start := time.Now()
	ids := m.m.Encode(prompt, true)
	toks, err := m.m.Generate(ctx, ids, o.sampling(), onText)
	if o.Stream {
		fmt.Fprintln(backend.Output())
	}
	fail("generate", err)
	return &Result{Prompt: prompt, Text: m.continuation(ids, toks), Tokens: toks, Elapsed: time.Since(start)}
}

// sampling is o as the backend takes it.
func (o Opts) sampling() backend.Sampling {
	return backend.Sampling{N: o.N, Temperature: o.Temp, TopK: o.TopK, TopP: o.TopP, Seed: uint64(o.Seed)}
}

// Tokenize splits text into token ids (no BOS).
func (m *Model) Tokenize(text string) []int { return m.m.Encode(text, false) }

// Decode turns token ids into text.
func (m *Model) Decode(ids []int) string { return m.m.Decode(ids) }

// Piece is the text of one token.
func (m *Model) Piece(id int) string { return m.m.Piece(id) }

// Pieces splits text into the text of each of its tokens.
func (m *Model) Pieces(text string) []string {
	ids := m.Tokenize(text)
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = m.Piece(id)
	}
	return out
}

// BOS is the model's beginning-of-sequence token, or -1.
func (m *Model) BOS() int {
	ids := m.m.Encode("", true)
	if len(ids) == 0 {
		return -1
	}
	return ids[0]
}

// Logits runs the model over BOS+text: row i holds the next-token logits after the i-th token
// of Tokenize(text) (for an empty text, one row: the logits after BOS).
func (m *Model) Logits(text string) [][]float32 {
	ids := m.m.Encode(text, true)
	rows, err := m.m.Logits(backend.Context(), ids)
	fail("logits", err)
	return dropBOSRow(m, text, ids, rows)
}

// Prediction is one candidate next token.
type Prediction struct {
	Token int
	Piece string
	Prob  float64
}

// Predictions are candidate next tokens, most likely first.
type Predictions []Prediction

func (p Predictions) String() string {
	rows := make([][]string, len(p))
	for i, x := range p {
		rows[i] = []string{fmt.Sprint(x.Token), fmt.Sprintf("%q", x.Piece), fmt.Sprintf("%.4f", x.Prob), bar(x.Prob, 1, 20)}
	}
	return renderTable([]string{"token", "piece", "prob", ""}, rows)
}

// Next lists the k most likely tokens to follow text, with their probabilities.
func (m *Model) Next(text string, k int) Predictions {
	rows := m.Logits(text)
	probs := Softmax(rows[len(rows)-1])
	idx := make([]int, len(probs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return probs[idx[a]] > probs[idx[b]] })
	if k <= 0 || k > len(idx) {
		k = len(idx)
	}
	out := make(Predictions, k)
	for i := range out {
		out[i] = Prediction{Token: idx[i], Piece: m.Piece(idx[i]), Prob: probs[idx[i]]}
	}
	return out
}

// Info describes a model.
type Info struct {
	Name, Path, Kind, Device, DType         string
	Dim, Layers, Heads, KVHeads, FFN, Vocab int
	Params                                  int64
}

func (i Info) String() string {
	rows := [][]string{
		{"name", i.Name}, {"kind", i.Kind}, {"path", i.Path},
		{"dim", fmt.Sprint(i.Dim)}, {"layers", fmt.Sprint(i.Layers)},
		{"heads", fmt.Sprintf("%d (kv %d)", i.Heads, i.KVHeads)}, {"ffn", fmt.Sprint(i.FFN)},
		{"vocab", fmt.Sprint(i.Vocab)}, {"params", fmt.Sprintf("%d (%s)", i.Params, humanCount(i.Params))},
		{"dtype", i.DType}, {"device", i.Device},
	}
	return renderTable(nil, rows)
}

// Info describes the model: size, dtype, device.
func (m *Model) Info() Info {
	b := m.m.Info()
	return Info{Name: m.name, Path: b.Path, Kind: b.Kind, Device: b.Device, DType: b.DType,
		Dim: b.Dim, Layers: b.Layers, Heads: b.Heads, KVHeads: b.KVHeads, FFN: b.FFN, Vocab: b.Vocab, Params: b.Params}
}

// Cancelled reports whether the running evaluation was interrupted (Ctrl-C); long loops in
// scripts may check it.
func Cancelled() bool { return backend.Context().Err() != nil }

// Context is the running evaluation's context (cancelled by Ctrl-C).
func Context() context.Context { return backend.Context() }

func humanCount(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.1fB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1fK", float64(n)/1e3)
	}
	return fmt.Sprint(n)
}

// Softmax turns logits into probabilities.
func Softmax(logits []float32) []float64 {
	out := make([]float64, len(logits))
	mx := math.Inf(-1)
	for _, v := range logits {
		mx = math.Max(mx, float64(v))
	}
	var sum float64
	for i, v := range logits {
		out[i] = math.Exp(float64(v) - mx)
		sum += out[i]
	}
	for i := range out {
		out[i] /= sum
	}
	return out
}

// ArgMax is the index of the largest value (-1 for an empty slice).
func ArgMax(xs []float32) int {
	best := -1
	for i, v := range xs {
		if best < 0 || v > xs[best] {
			best = i
		}
	}
	return best
}
