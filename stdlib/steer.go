package colash

import (
	"fmt"
	"math"
)

// Steering by activations: a Vector added at one hook point during generation (Opts.Steer), as
// repeng and steering-vectors do, and its counterpart in code space on a CoLA, a bias added to
// the policy's logits over the codes. Patch measures what one hook point carries.

// Vector is a direction added at a hook point: scale*V at every position (Opts{Steer, Scale}).
type Vector struct {
	Hook string
	V    []float32
}

func (v *Vector) String() string {
	n := 0.0
	for _, x := range v.V {
		n += float64(x) * float64(x)
	}
	return fmt.Sprintf("steering vector at %s (%d values, norm %.3g)", v.Hook, len(v.V), math.Sqrt(n))
}

// SteeringVector is the mean difference of blocks.{layer}.hook_resid_post between the positive
// and the negative texts: each text's mean over its tokens (BOS left out), averaged over texts.
func SteeringVector(m *Model, positive, negative []string, layer int) *Vector {
	if layer < 0 || layer >= m.Info().Layers {
		fail("steering vector", fmt.Errorf("layer %d of a %d-layer model", layer, m.Info().Layers))
	}
	name := fmt.Sprintf("blocks.%d.hook_resid_post", layer)
	mean := func(texts []string) []float64 {
		if len(texts) == 0 {
			fail("steering vector", fmt.Errorf("no texts on one side"))
		}
		var sum []float64
		for _, t := range texts {
			rows := m.RunWithCache(t, name).Get(name)
			if len(rows) < 2 {
				fail("steering vector", fmt.Errorf("text %q has no tokens", t))
			}
			addMean(&sum, rows[1:], 1/float64(len(texts)))
		}
		return sum
	}
	return &Vector{Hook: name, V: diff(mean(positive), mean(negative))}
}

// addMean adds w times the mean of rows to *sum.
func addMean(sum *[]float64, rows [][]float32, w float64) {
	if *sum == nil {
		*sum = make([]float64, len(rows[0]))
	}
	for _, r := range rows {
		for i, x := range r {
			(*sum)[i] += w * float64(x) / float64(len(rows))
		}
	}
}

func diff(a, b []float64) []float32 {
	out := make([]float32, len(a))
	for i := range a {
		out[i] = float32(a[i] - b[i])
	}
	return out
}

// CodeDirection is steering in code space on a CoLA: a bias over the codes, added at
// policy.hook_logits, equal to log(p+(k) + eps) - log(p-(k) + eps), where p± is the IDM's mean
// distribution over codes on the positive and negative texts (each text's tokens averaged,
// then the texts) and eps = 0.01 keeps codes neither side uses from dominating.
func CodeDirection(m *Model, positive, negative []string) *Vector {
	mean := func(texts []string) []float64 {
		var sum []float64
		for _, t := range texts {
			rows := m.IDMLogits(t)
			if len(rows) < 2 {
				fail("code direction", fmt.Errorf("text %q has no tokens", t))
			}
			probs := make([][]float32, len(rows)-1) // the last row has no next token
			for i, r := range rows[:len(rows)-1] {
				probs[i] = toFloat32(Softmax(r))
			}
			addMean(&sum, probs, 1/float64(len(texts)))
		}
		if sum == nil {
			fail("code direction", fmt.Errorf("no texts on one side"))
		}
		for i := range sum {
			sum[i] = math.Log(sum[i] + 0.01)
		}
		return sum
	}
	return &Vector{Hook: "policy.hook_logits", V: diff(mean(positive), mean(negative))}
}

func toFloat32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// Patch is activation patching at one hook point: for each position p of BOS+corrupt, corrupt
// is run with the activation at name at p replaced by clean's, and effect[p] is metric of the
// patched logits minus metric of corrupt's own. The two texts must have as many tokens; metric
// sees logits as Logits returns them.
func Patch(m *Model, clean, corrupt, name string, metric func(logits [][]float32) float64) []float64 {
	if a, b := len(m.Tokenize(clean)), len(m.Tokenize(corrupt)); a != b {
		fail("patch", fmt.Errorf("clean has %d tokens and corrupt %d: patching needs the same positions", a, b))
	}
	src := m.RunWithCache(clean, name).Get(name)
	base := metric(m.Logits(corrupt))
	out := make([]float64, len(src))
	for p := range src {
		logits := m.RunWithHooks(corrupt, map[string]HookFn{name: func(pos int, x []float32) []float32 {
			if pos == p {
				return src[p]
			}
			return nil
		}})
		out[p] = metric(logits) - base
	}
	return out
}

// steering sets o.Steer for the duration of one generation and returns its undo (a no-op
// without one).
func (m *Model) steering(op string, o Opts) (undo func()) {
	if o.Steer == nil {
		return func() {}
	}
	scale := o.Scale
	if scale == 0 {
		scale = 1
	}
	u, err := m.hooked(op).AddVector(o.Steer.Hook, o.Steer.V, scale)
	fail(op, err)
	return u
}

// continuation is the text of the new tokens toks as it reads after the prompt ids: decoded
// with the prompt, then the prompt's text cut off, so that a leading space is kept (a
// tokenizer drops it when a text starts with it).
func (m *Model) continuation(prompt, toks []int) string {
	head := m.m.Decode(prompt)
	all := m.m.Decode(append(append([]int(nil), prompt...), toks...))
	if len(all) >= len(head) && all[:len(head)] == head {
		return all[len(head):]
	}
	return m.m.Decode(toks)
}
