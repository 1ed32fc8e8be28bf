// Package inspect runs one text through a loaded model and returns, as plain Go values, what
// each module says at every position: the backbone's next-token logits and, for a CoLA, the
// IDM's codes, the policy's logits and the world model's logits for chosen codes. It is the one
// place where `colash logits`, the script API and tests read a model's outputs on a text.
package inspect

import (
	"fmt"

	"github.com/sugarme/gotch/ts"

	"colash/model/checkpoint"
	"colash/model/llama"
	"colash/model/tensor"
)

// Parts selects what Text computes.
type Parts uint8

const (
	Logits     Parts = 1 << iota // backbone next-token logits
	IDM                          // IDM codes (argmax) and logits
	Policy                       // policy logits
	WorldModel                   // world-model logits for Request.Codes (default: the IDM's codes)
	All        = Logits | IDM | Policy | WorldModel
)

// Outputs are per-position values for a text of T tokens; a CoLA part is nil for a plain Llama
// or when not asked for.
type Outputs struct {
	IDs          []int       `json:"ids"`                     // token ids, BOS first
	Logits       [][]float32 `json:"logits,omitempty"`        // [T][V]: the backbone's next-token logits
	IDMCodes     []int       `json:"idm_codes,omitempty"`     // [T]: argmax IDM code (codes[t] produced token t+1)
	IDMLogits    [][]float32 `json:"idm_logits,omitempty"`    // [T][C], after the shift
	PolicyLogits [][]float32 `json:"policy_logits,omitempty"` // [T][C]
	WMCodes      []int       `json:"wm_codes,omitempty"`      // [T]: the codes that drive wm_logits
	WMLogits     [][]float32 `json:"wm_logits,omitempty"`     // [T][V]: the world model's next-token logits
}

// Text runs ids (BOS included) through m once. codes, when set, drive the world model (one per
// position: the code at position t produces token t+1); by default the IDM's codes do.
func Text(m *checkpoint.Model, ids []int, codes []int, parts Parts) (*Outputs, error) {
	T := len(ids)
	if T == 0 {
		return nil, fmt.Errorf("inspect: no tokens")
	}
	if m.CoLA == nil && parts&(IDM|Policy|WorldModel) != 0 {
		if parts&Logits == 0 {
			return nil, fmt.Errorf("inspect: %s is a plain Llama: it has no IDM, policy or world model", m.Path)
		}
		parts = Logits
	}
	if codes != nil {
		if len(codes) != T {
			return nil, fmt.Errorf("inspect: %d codes for %d positions (one per token, BOS included)", len(codes), T)
		}
		if C := m.CoLA.Config.NumCode; !inRange(codes, C) {
			return nil, fmt.Errorf("inspect: codes must be in [0,%d)", C)
		}
	}
	if parts&WorldModel != 0 && codes == nil {
		parts |= IDM
	}
	x, err := m.Llama.Tokens(toInt64(ids), 1, T)
	if err != nil {
		return nil, err
	}
	defer x.MustDrop()
	out := &Outputs{IDs: ids}
	err = tensor.Guard(func() {
		s := &tensor.Scope{}
		defer s.Close()
		batch := &llama.Batch{Pad: []int{0}}
		h := s.T(must(m.Llama.Hidden(x, batch, nil))) // [1,T,d]
		if parts&Logits != 0 {
			out.Logits = rows(s.T(m.Llama.Logits(h)), T) // [T][V]
		}
		c := m.CoLA
		if parts&IDM != 0 {
			z := s.T(must(c.IDMLogits(h, batch))) // [1,T,C]
			out.IDMLogits = rows(z, T)
			out.IDMCodes = toInt(tensor.Int64s(s.T(z.MustArgmax([]int64{-1}, false, false))))
		}
		if parts&Policy != 0 {
			out.PolicyLogits = rows(s.T(must(c.PolicyLogits(h, batch, nil))), T)
		}
		if parts&WorldModel != 0 {
			out.WMCodes = codes
			if codes == nil {
				out.WMCodes = out.IDMCodes
			}
			ct := s.T(tensor.FromInt64s(toInt64(out.WMCodes), []int64{1, int64(T)}, m.Device()))
			out.WMLogits = rows(s.T(must(c.WorldModelLogits(h, ct))), T)
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// must turns a forward call's error into a panic, for inside tensor.Guard.
func must(t *ts.Tensor, err error) *ts.Tensor {
	if err != nil {
		panic(err)
	}
	return t
}

// rows copies a [1,T,N] tensor into T rows.
func rows(t *ts.Tensor, T int) [][]float32 {
	v := tensor.Float32s(t)
	N := len(v) / T
	out := make([][]float32, T)
	for i := range out {
		out[i] = v[i*N : (i+1)*N]
	}
	return out
}

func inRange(codes []int, C int) bool {
	for _, k := range codes {
		if k < 0 || k >= C {
			return false
		}
	}
	return true
}

func toInt64(v []int) []int64 {
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return out
}

func toInt(v []int64) []int {
	out := make([]int, len(v))
	for i, x := range v {
		out[i] = int(x)
	}
	return out
}
