package backend

import "context"

// Activation is one hook point's value on a text, row-major, batch axis first (size 1).
type Activation struct {
	Shape   []int
	Data    []float32
	PosAxis int // the axis that runs over positions (1, or 2 for attention scores and patterns)
}

// HookFn sees the activation at one position of a sequence (features flattened row-major; for
// attention scores and patterns, [nH][S]) and returns a replacement of the same length, or nil
// to keep it.
type HookFn func(pos int, x []float32) []float32

// Hooked is implemented by models with hook points (model/hooks).
type Hooked interface {
	// HookNames lists the hook points in forward order.
	HookNames() []string
	// RunWithCache runs ids (BOS included) once and returns the activations at names (nil: all).
	RunWithCache(ctx context.Context, ids []int, names []string) (map[string]Activation, error)
	// RunWithHooks runs ids once with fns set and returns the next-token logits [T][V].
	RunWithHooks(ctx context.Context, ids []int, fns map[string]HookFn) ([][]float32, error)
	// AddHook sets fn at name for every forward pass (generation too) until undo is called.
	AddHook(name string, fn HookFn) (undo func(), err error)
	// AddVector adds scale*v to the activation at name, at every position, until undo.
	AddVector(name string, v []float32, scale float64) (undo func(), err error)
}

// Modules is implemented by CoLA models: the outputs of each module on a text.
type Modules interface {
	// ModuleLogits runs ids (BOS included) and returns, per position, the IDM's logits (after
	// the shift), the policy's and the world model's for codes (one per position; nil: the
	// IDM's codes).
	ModuleLogits(ctx context.Context, ids []int, codes []int) (idm, policy, wm [][]float32, err error)
}

// Features gives the flat indexes into a.Data of the features of sequence b at slot t, in
// row-major order of the remaining axes.
func (a Activation) Features(b, t int) []int {
	strides := make([]int, len(a.Shape))
	n := 1
	for i := len(a.Shape) - 1; i >= 0; i-- {
		strides[i] = n
		n *= a.Shape[i]
	}
	var rest []int // the axes other than batch and position
	for i := 1; i < len(a.Shape); i++ {
		if i != a.PosAxis {
			rest = append(rest, i)
		}
	}
	base := b*strides[0] + t*strides[a.PosAxis]
	out := []int{base}
	for _, ax := range rest {
		next := make([]int, 0, len(out)*a.Shape[ax])
		for _, o := range out {
			for k := 0; k < a.Shape[ax]; k++ {
				next = append(next, o+k*strides[ax])
			}
		}
		out = next
	}
	return out
}

// Rows gives the features of sequence b at every position, [T][F].
func (a Activation) Rows(b int) [][]float32 {
	out := make([][]float32, a.Shape[a.PosAxis])
	for t := range out {
		idx := a.Features(b, t)
		out[t] = make([]float32, len(idx))
		for i, j := range idx {
			out[t][i] = a.Data[j]
		}
	}
	return out
}
