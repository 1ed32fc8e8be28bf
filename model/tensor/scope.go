// Package tensor holds the few helpers colash needs on top of gotch: a scope that frees the
// temporaries of a forward pass, device and dtype parsing, thread control and data copies.
package tensor

import "github.com/sugarme/gotch/ts"

// Scope owns the temporary tensors of one computation. gotch tensors hold C memory that Go's
// garbage collector does not see, so every intermediate is registered here and freed by Close.
// Results that must outlive the computation leave with Keep.
type Scope struct{ owned []*ts.Tensor }

// T registers t with the scope and returns it, so calls nest: s.T(x.MustMatmul(w, false)).
func (s *Scope) T(t *ts.Tensor) *ts.Tensor {
	s.owned = append(s.owned, t)
	return t
}

// Keep removes t from the scope: the caller now owns it.
func (s *Scope) Keep(t *ts.Tensor) *ts.Tensor {
	for i := len(s.owned) - 1; i >= 0; i-- {
		if s.owned[i] == t {
			s.owned = append(s.owned[:i], s.owned[i+1:]...)
			break
		}
	}
	return t
}

// Close frees every tensor still owned by the scope.
func (s *Scope) Close() {
	for _, t := range s.owned {
		t.MustDrop()
	}
	s.owned = s.owned[:0]
}

// Drop frees tensors that may be nil.
func Drop(ts ...*ts.Tensor) {
	for _, t := range ts {
		if t != nil {
			t.MustDrop()
		}
	}
}
