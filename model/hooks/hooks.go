// Package hooks is the registry of hook points of colash's models: named places in a forward
// pass (TransformerLens's names, see names.go) where a function may read an activation or
// replace it. A model holds a *Set; each forward call asks it for a *Run, which is nil when no
// hook is set, and a nil Run's methods return at once: a model without hooks does no more work
// than before hooks existed (no name is even formatted).
package hooks

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/sugarme/gotch/ts"

	"colash/model/tensor"
)

// Fn sees the activation x at a hook point and returns a replacement of the same shape, or nil
// to keep x. x belongs to the forward pass (do not free it); a replacement is freed by it.
type Fn func(x *ts.Tensor, at Site) *ts.Tensor

// Site says where a hook is called.
type Site struct {
	Name string
	B, T int     // sequences and new slots of this call
	Pos  []int64 // [B*T] row-major: the token position of each slot (BOS is 0)
}

type entry struct {
	id int
	fn Fn
}

// Set is a model's hooks by point name. The zero value has none; a nil *Set too.
type Set struct {
	mu   sync.Mutex
	next int
	fns  atomic.Pointer[map[string][]entry] // replaced whole on each change: forward calls read it without a lock

	last []int64 // positions of the last backbone call (see Follow)
}

// Add sets fn at the point name (after any already there) and returns the function that
// removes it again.
func (s *Set) Add(name string, fn Fn) (undo func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	id := s.next
	s.swap(func(m map[string][]entry) { m[name] = append(slices.Clone(m[name]), entry{id, fn}) })
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.swap(func(m map[string][]entry) {
			m[name] = slices.DeleteFunc(slices.Clone(m[name]), func(e entry) bool { return e.id == id })
			if len(m[name]) == 0 {
				delete(m, name)
			}
		})
	}
}

// swap replaces the map by an edited copy (s.mu held).
func (s *Set) swap(edit func(map[string][]entry)) {
	m := map[string][]entry{}
	if old := s.fns.Load(); old != nil {
		for k, v := range *old {
			m[k] = v
		}
	}
	edit(m)
	if len(m) == 0 {
		s.fns.Store(nil)
		return
	}
	s.fns.Store(&m)
}

// Len is the number of points with a hook.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	if m := s.fns.Load(); m != nil {
		return len(*m)
	}
	return 0
}

// Run starts a forward call over B sequences of T new slots at positions pos ([B*T], row-major)
// with names under prefix; nil (and pos is not called) when no hook is set.
func (s *Set) Run(prefix string, B, T int, pos func() []int64) *Run {
	if s == nil {
		return nil
	}
	m := s.fns.Load()
	if m == nil {
		return nil
	}
	return &Run{fns: *m, prefix: prefix, B: B, T: T, pos: pos()}
}

// Start is Run for a backbone call: it also records the positions for Follow.
func (s *Set) Start(B, T int, pos func() []int64) *Run {
	r := s.Run("", B, T, pos)
	if r != nil {
		s.last = r.pos
	}
	return r
}

// Follow starts a call of a module that sees the backbone's hidden state of its last call
// without a batch of its own (the world model): its T slots are all of that call's slots, or
// the last slot of each sequence when T is 1.
func (s *Set) Follow(prefix string, B, T int) *Run {
	return s.Run(prefix, B, T, func() []int64 {
		last := s.last
		switch {
		case len(last) == B*T:
			return last
		case T == 1 && B > 0 && len(last)%B == 0:
			n := len(last) / B
			out := make([]int64, B)
			for b := range out {
				out[b] = last[(b+1)*n-1]
			}
			return out
		}
		out := make([]int64, B*T)
		for i := range out {
			out[i] = int64(i % T)
		}
		return out
	})
}

// Run is the hooks of one forward call, under a name prefix. A nil *Run has no hooks.
type Run struct {
	fns    map[string][]entry
	prefix string
	B, T   int
	pos    []int64
}

// Under returns the run with names under prefix + p.
func (r *Run) Under(p string) *Run {
	if r == nil {
		return nil
	}
	c := *r
	c.prefix += p
	return &c
}

// Block returns the run under "blocks.{i}.".
func (r *Run) Block(i int) *Run { return r.Nth("blocks", i) }

// Nth returns the run under "{name}.{i}." (the name is formatted only when r is not nil).
func (r *Run) Nth(name string, i int) *Run {
	if r == nil {
		return nil
	}
	return r.Under(fmt.Sprintf("%s.%d.", name, i))
}

// Has reports whether a hook is set at name.
func (r *Run) Has(name string) bool { return r != nil && len(r.fns[r.prefix+name]) > 0 }

// At passes x through the hooks at name, in the order they were added, and returns the result:
// x itself when no hook replaces it. Replacements belong to s. A replacement of another shape
// panics (forward calls run under tensor.Guard, which makes it an error).
func (r *Run) At(name string, x *ts.Tensor, s *tensor.Scope) *ts.Tensor {
	if r == nil {
		return x
	}
	full := r.prefix + name
	for _, e := range r.fns[full] {
		y := e.fn(x, Site{Name: full, B: r.B, T: r.T, Pos: r.pos})
		if y == nil || y == x {
			continue
		}
		s.T(y)
		if want, got := x.MustSize(), y.MustSize(); !slices.Equal(want, got) {
			panic(fmt.Errorf("hook %s returned shape %v, want %v", full, got, want))
		}
		x = sameLayout(y, x, s)
	}
	return x
}

// sameLayout returns y's values laid out with x's strides (and x's dtype): some kernels take
// another path on a strided view than on a contiguous tensor, and a hook that returns the
// values it was given must leave the forward pass bit for bit as it was.
func sameLayout(y, x *ts.Tensor, s *tensor.Scope) *ts.Tensor {
	if x.MustIsContiguous() && y.MustIsContiguous() && y.DType() == x.DType() {
		return y
	}
	z := s.T(ts.MustEmptyStrided(x.MustSize(), x.MustStride(), x.DType(), x.MustDevice()))
	z.Copy_(y)
	return z
}

// Norm returns the hooks of the norm named name ("ln1", "ln_final") as the callback that
// nn.RMSNorm.ForwardAt takes; nil (no callback) when r is nil.
func (r *Run) Norm(name string, s *tensor.Scope) func(string, *ts.Tensor) *ts.Tensor {
	if r == nil {
		return nil
	}
	return func(point string, x *ts.Tensor) *ts.Tensor { return r.At(name+"."+point, x, s) }
}
