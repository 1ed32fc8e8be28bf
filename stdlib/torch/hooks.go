package torch

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/sugarme/gotch/ts"

	"colash/engine/inspect"
	"colash/model/hooks"
	"colash/model/tensor"
	"colash/stdlib/backend"
)

// The hook points of a loaded model, from scripts: activations cross as Go values only.

func (m *Llama) HookNames() []string { return m.m.HookNames() }

// set returns the model's hook set (made on first use), after checking that name is a point.
func (m *Llama) set(name string) (*hooks.Set, error) {
	if !slices.Contains(m.HookNames(), name) {
		return nil, fmt.Errorf("no hook point %q (HookNames lists them; e.g. blocks.0.hook_resid_post)", name)
	}
	if m.m.Llama.Hooks == nil {
		m.m.Llama.Hooks = &hooks.Set{}
	}
	return m.m.Llama.Hooks, nil
}

// add sets fns under the model's lock and returns the function that removes them all.
func (m *Llama) add(fns map[string]hooks.Fn) (undo func(), err error) {
	var undos []func()
	undo = func() {
		for _, u := range undos {
			u()
		}
	}
	for _, name := range slices.Sorted(maps.Keys(fns)) {
		s, err := m.set(name)
		if err != nil {
			undo()
			return nil, err
		}
		undos = append(undos, s.Add(name, fns[name]))
	}
	return undo, nil
}

// run runs ids through every module once, with the model locked.
func (m *Llama) run(ctx context.Context, ids []int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	_, err := inspect.Text(m.m, ids, nil, inspect.All) // inspect keeps a plain Llama to its logits
	return err
}

func (m *Llama) RunWithCache(ctx context.Context, ids []int, names []string) (map[string]backend.Activation, error) {
	if len(names) == 0 {
		names = m.HookNames()
	}
	out := map[string]backend.Activation{}
	fns := map[string]hooks.Fn{}
	for _, name := range names {
		fns[name] = func(x *ts.Tensor, at hooks.Site) *ts.Tensor {
			out[name] = activation(x, name)
			return nil
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	undo, err := m.add(fns)
	if err != nil {
		return nil, err
	}
	defer undo()
	return out, m.run(ctx, ids)
}

func (m *Llama) RunWithHooks(ctx context.Context, ids []int, fns map[string]backend.HookFn) ([][]float32, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	hfns := map[string]hooks.Fn{}
	for name, fn := range fns {
		hfns[name] = scriptHook(name, fn)
	}
	undo, err := m.add(hfns)
	if err != nil {
		return nil, err
	}
	defer undo()
	return m.logits(ctx, ids)
}

func (m *Llama) AddHook(name string, fn backend.HookFn) (func(), error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.add(map[string]hooks.Fn{name: scriptHook(name, fn)})
}

func (m *Llama) AddVector(name string, v []float32, scale float64) (func(), error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	vec := tensor.FromFloat32s(v, []int64{int64(len(v))}, m.m.Device()).MustTotype(m.m.DType(), true).MustMulScalar(tensor.Scalar(scale), true)
	undo, err := m.add(map[string]hooks.Fn{name: func(x *ts.Tensor, at hooks.Site) *ts.Tensor {
		if sz := x.MustSize(); sz[len(sz)-1] != int64(len(v)) {
			panic(fmt.Errorf("steering vector of %d values at %s, whose activations have %d", len(v), name, sz[len(sz)-1]))
		}
		return x.MustAdd(vec, false) // [...,F] + [F]
	}})
	if err != nil {
		vec.MustDrop()
		return nil, err
	}
	return func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		undo()
		vec.MustDrop()
	}, nil
}

// activation copies x out, with the axis that runs over positions.
func activation(x *ts.Tensor, name string) backend.Activation {
	sz := x.MustSize()
	shape := make([]int, len(sz))
	for i, n := range sz {
		shape[i] = int(n)
	}
	return backend.Activation{Shape: shape, Data: tensor.Float32s(x), PosAxis: hooks.PosAxis(name)}
}

// scriptHook calls fn once per sequence and position with that position's features; the
// positions fn changes are written into a copy of x (nil when it changes none).
func scriptHook(name string, fn backend.HookFn) hooks.Fn {
	return func(x *ts.Tensor, at hooks.Site) *ts.Tensor {
		a := activation(x, name)
		changed := false
		for b := 0; b < at.B; b++ {
			for t := 0; t < at.T; t++ {
				idx := a.Features(b, t)
				feats := make([]float32, len(idx))
				for i, j := range idx {
					feats[i] = a.Data[j]
				}
				r := fn(int(at.Pos[b*at.T+t]), slices.Clone(feats)) // fn may edit its slice and return it
				if r == nil || slices.Equal(r, feats) {
					continue
				}
				if len(r) != len(feats) {
					panic(fmt.Errorf("hook %s returned %d values at position %d, want %d", name, len(r), at.Pos[b*at.T+t], len(feats)))
				}
				for i, j := range idx {
					a.Data[j] = r[i]
				}
				changed = true
			}
		}
		if !changed {
			return nil
		}
		return tensor.FromFloat32s(a.Data, x.MustSize(), x.MustDevice()).MustTotype(x.DType(), true)
	}
}

// ModuleLogits implements backend.Modules.
func (m *CoLA) ModuleLogits(ctx context.Context, ids []int, codes []int) (idm, policy, wm [][]float32, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, nil, nil, err
	}
	out, err := inspect.Text(m.m, ids, codes, inspect.IDM|inspect.Policy|inspect.WorldModel)
	if err != nil {
		return nil, nil, nil, err
	}
	return out.IDMLogits, out.PolicyLogits, out.WMLogits, nil
}
