package generate

import (
	"colash/model/llama"
	"colash/model/tensor"
)

// LlamaSession decodes with a Llama, with a KV cache or (for comparison) recomputing the whole
// sequence at every step.
type LlamaSession struct {
	M       *llama.Model
	NoCache bool

	batch *llama.Batch
	cache *llama.KVCache
	seq   [][]int64 // all tokens so far, per sequence (only without a cache)
	cap   int
}

// NewLlamaSession prepares a session; capacity is the expected total length (it grows if needed).
func NewLlamaSession(m *llama.Model, capacity int, noCache bool) *LlamaSession {
	return &LlamaSession{M: m, NoCache: noCache, cap: capacity}
}

func (s *LlamaSession) Prefill(tokens []int64, B, L int, pad []int) ([][]float32, error) {
	s.Close()
	s.batch = &llama.Batch{Pad: pad}
	if s.NoCache {
		s.seq = make([][]int64, B)
		for b := range s.seq {
			s.seq[b] = append([]int64(nil), tokens[b*L:(b+1)*L]...)
		}
	} else {
		s.cache = s.M.NewCache(B, max(s.cap, L+1))
	}
	return s.run(tokens, B, L)
}

func (s *LlamaSession) Step(tokens []int64) ([][]float32, error) {
	B := len(tokens)
	if s.NoCache {
		for b := range s.seq {
			s.seq[b] = append(s.seq[b], tokens[b])
		}
		L := len(s.seq[0])
		flat := make([]int64, 0, B*L)
		for _, q := range s.seq {
			flat = append(flat, q...)
		}
		s.batch.Len = 0
		return s.run(flat, B, L)
	}
	return s.run(tokens, B, 1)
}

func (s *LlamaSession) run(tokens []int64, B, T int) ([][]float32, error) {
	x, err := s.M.Tokens(tokens, B, T)
	if err != nil {
		return nil, err
	}
	defer x.MustDrop()
	lg, err := s.M.LastLogits(x, s.batch, s.cache)
	if err != nil {
		return nil, err
	}
	defer lg.MustDrop()
	s.batch.Advance(T)
	return Rows(tensor.Float32s(lg), B), nil
}

func (s *LlamaSession) Close() {
	if s.cache != nil {
		s.cache.Free()
		s.cache = nil
	}
}
