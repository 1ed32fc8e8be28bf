package generate

import "fmt"

// The steering API of a CoLA session: scoped changes to how its codes are chosen (see Steering).

// Steering returns the current steering.
func (s *CoLASession) Steering() Steering { return s.steer }

// Steer replaces the steering and returns a function that restores the previous one.
func (s *CoLASession) Steer(st Steering) (undo func()) {
	prev := s.steer
	s.steer = st
	return func() { s.steer = prev }
}

// With edits a copy of the current steering, runs fn under it, and restores the previous
// steering when fn returns, fails or panics.
func (s *CoLASession) With(edit func(*Steering), fn func() error) error {
	st := s.steer
	edit(&st)
	defer s.Steer(st)()
	return fn()
}

// ForceNext forces code at the next step of every sequence (unscoped; it clears itself).
func (s *CoLASession) ForceNext(code int) { s.steer.Next = []int{code} }

// WithNextCode runs fn with code forced at the next step of every sequence.
func (s *CoLASession) WithNextCode(code int, fn func() error) error {
	return s.With(func(st *Steering) { st.Next = []int{code} }, fn)
}

// WithCode runs fn with one code forced at every step of every sequence.
func (s *CoLASession) WithCode(code int, fn func() error) error {
	return s.With(func(st *Steering) { st.Fixed = []int{code} }, fn)
}

// WithBias runs fn with bias [C] added to the policy logits before sampling.
func (s *CoLASession) WithBias(bias []float32, fn func() error) error {
	return s.With(func(st *Steering) { st.Bias = bias }, fn)
}

// WithMask runs fn with the given codes banned from sampling (added to any mask in force).
func (s *CoLASession) WithMask(codes []int, fn func() error) error {
	C := s.M.Config.NumCode
	for _, c := range codes {
		if c < 0 || c >= C {
			return fmt.Errorf("cola session: mask code %d out of range [0,%d)", c, C)
		}
	}
	return s.With(func(st *Steering) {
		mask := make([]bool, C)
		copy(mask, st.Mask)
		for _, c := range codes {
			mask[c] = true
		}
		st.Mask = mask
	}, fn)
}

// WithPolicy runs fn with the policy network replaced by p.
func (s *CoLASession) WithPolicy(p func(Step) []float32, fn func() error) error {
	return s.With(func(st *Steering) { st.Policy = p }, fn)
}

// WithHook runs fn with a per-token hook that sees each chosen code and may change it.
func (s *CoLASession) WithHook(h func(CodeEvent) int, fn func() error) error {
	return s.With(func(st *Steering) { st.Hook = h }, fn)
}
