package colash

import (
	"colash/models"
	"fmt"
	"strings"
	"time"

	"colash/stdlib/backend"
)

// CoLA methods work on models with a latent-action head (a CoLA checkpoint from Load, or a
// Llama wrapped by InitCoLA); on a plain Llama they fail with a message saying so.

func (m *Model) cola(op string) backend.CoLA {
	c, ok := m.m.(backend.CoLA)
	if !ok {
		fail(op, fmt.Errorf("%s is a %s model, not a CoLA model (Load a CoLA checkpoint, or colash.InitCoLA)", m.name, m.m.Info().Kind))
	}
	return c
}

// InitCoLA wraps a Llama (path as for Load; "" is the shipped model) in fresh, untrained CoLA
// modules (IDM, codebook, world model, policy) with the given number of codes (0: 64), their
// weights drawn from seed. Its codes mean nothing until trained, but every CoLA method works.
func InitCoLA(path string, codes, seed int) *Model {
	rt, err := backend.Current()
	fail("init cola", err)
	cr, ok := rt.(backend.CoLARuntime)
	if !ok {
		fail("init cola", fmt.Errorf("the tensor engine cannot build CoLA models"))
	}
	name := displayPath(path)
	path, err = models.Resolve(path)
	fail("init cola", err)
	c, err := cr.WrapCoLA(path, codes, uint64(seed))
	fail("init cola "+name, err)
	m := &Model{m: c, key: fmt.Sprintf("cola:%s:%d:%d", path, codes, seed), name: fmt.Sprintf("%s+cola(seed %d)", name, seed)}
	loadedMu.Lock()
	loaded = append(loaded, m)
	loadedMu.Unlock()
	return m
}

// IsCoLA reports whether the model has a latent-action head.
func (m *Model) IsCoLA() bool {
	_, ok := m.m.(backend.CoLA)
	return ok
}

// NumCodes is the size of the model's action codebook.
func (m *Model) NumCodes() int { return m.cola("codes").NumCodes() }

// CodeTable says what each latent code means, as `colash codes` prints it: how often the policy
// picks it on continuations of the prompts (default: four story openings), the tokens the world
// model makes under it, and the first prompt continued with the code forced.
func (m *Model) CodeTable(prompts ...string) CodeTable {
	rows, err := m.cola("code table").CodeTable(backend.Context(), prompts)
	fail("code table", err)
	t := make(CodeTable, len(rows))
	for i, r := range rows {
		t[i] = CodeRow{Code: r.Code, Policy: r.Policy, Tokens: r.Tokens, Shares: r.Shares, Example: r.Example}
	}
	return t
}

// CodeRow is one code's line of a CodeTable.
type CodeRow struct {
	Code    int       `json:"code"`
	Policy  float64   `json:"policy"`  // share of the policy's choices
	Tokens  []string  `json:"tokens"`  // what the world model makes under the code, most frequent first
	Shares  []float64 `json:"shares"`  // share of contexts for each of Tokens
	Example string    `json:"example"` // the first prompt continued with the code forced
}

// CodeTable is the meaning of every code of a CoLA model.
type CodeTable []CodeRow

func (t CodeTable) String() string {
	rows := make([][]string, len(t))
	for i, r := range t {
		var toks []string
		for j, p := range r.Tokens {
			toks = append(toks, fmt.Sprintf("%q %.0f%%", p, 100*r.Shares[j]))
		}
		rows[i] = []string{fmt.Sprint(r.Code), fmt.Sprintf("%.1f%%", 100*r.Policy), strings.Join(toks, ", "), fmt.Sprintf("%q", r.Example)}
	}
	return renderTable([]string{"code", "policy", "tokens it makes", "forced"}, rows)
}

// Codes reads with the inverse dynamics model the latent code behind each token of text:
// codes[i] is the code of the step that produced Tokenize(text)[i].
func (m *Model) Codes(text string) []int {
	c := m.cola("codes")
	ids := c.Encode(text, true)
	codes, err := c.Codes(backend.Context(), ids)
	fail("codes", err)
	if n := len(ids) - 1; len(codes) > n && n >= 0 && len(ids) > len(m.Tokenize(text)) {
		codes = codes[:n] // the last entry has no next token
	}
	return codes
}

// Steered is a CoLA generation: the result and the code used at each step.
type Steered struct {
	Result
	Codes []int // Codes[i] produced Tokens[i]
}

func (s *Steered) String() string {
	return s.Result.String() + "\n" + styles.faint.Render(fmt.Sprint("codes ", s.Codes))
}

func (m *Model) steer(op, prompt string, st backend.Steering, opts []Opts) *Steered {
	c := m.cola(op)
	o := lastOpts(opts)
	defer m.steering(op, o)()
	start := time.Now()
	ids := c.Encode(prompt, true)
	toks, used, err := c.GenerateSteered(backend.Context(), ids,
		o.sampling(), st, nil)
	fail(op, err)
	return &Steered{Result: Result{Prompt: prompt, Text: m.continuation(ids, toks), Tokens: toks, Elapsed: time.Since(start)}, Codes: used}
}

// Sample generates from prompt with the policy choosing every code, and returns the codes too.
func (m *Model) Sample(prompt string, opts ...Opts) *Steered {
	return m.steer("sample", prompt, backend.Steering{Every: -1}, opts)
}

// Steer generates from prompt with codes[i] forced at step i (-1 leaves a step to the policy;
// steps past the end of codes are the policy's). Replaying Codes(text) re-enacts a text.
func (m *Model) Steer(prompt string, codes []int, opts ...Opts) *Steered {
	return m.steer("steer", prompt, backend.Steering{PerStep: codes, Every: -1}, opts)
}

// Force generates from prompt with the one code forced at every step.
func (m *Model) Force(prompt string, code int, opts ...Opts) *Steered {
	return m.steer("force", prompt, backend.Steering{Every: code}, opts)
}

// Bias generates from prompt with bias (one entry per code) added to the policy's logits.
func (m *Model) Bias(prompt string, bias []float32, opts ...Opts) *Steered {
	return m.steer("bias", prompt, backend.Steering{Bias: bias, Every: -1}, opts)
}

// Hook generates from prompt and calls hook at every step with the step index, the code about
// to be used and the policy's probabilities over the codes; the code hook returns is used.
//
//	c.Hook("Once upon a time", func(step, code int, probs []float64) int {
//		if step%2 == 0 { return 3 }
//		return code
//	})
func (m *Model) Hook(prompt string, hook func(step, code int, probs []float64) int, opts ...Opts) *Steered {
	return m.steer("hook", prompt, backend.Steering{Hook: hook, Every: -1}, opts)
}
