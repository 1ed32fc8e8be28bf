// Package generate is colash's decoding loop: batched prompts, a KV-cached model session, and
// token sampling (greedy, temperature, top-k, top-p) with a seeded stream per sequence.
package generate

import (
	"math"
	"math/rand/v2"
	"sort"
)

// Sampling chooses tokens from logits. Temperature 0 is greedy (argmax); TopK 0 and TopP 0 or 1
// mean no truncation.
type Sampling struct {
	Temperature float64
	TopK        int
	TopP        float64
	Seed        uint64
	// First is the stream of the first sequence: sequence b draws from stream First+b, so a shard
	// of a batch (rows First.. on one process) samples what the whole batch would.
	First int
}

// Tau is the temperature log-probabilities of sampled actions use: Temperature, or 1 when
// sampling is greedy.
func (s Sampling) Tau() float64 {
	if s.Temperature <= 0 {
		return 1
	}
	return s.Temperature
}

// Rollout is s seeded with seed, or greedy (temperature 0) when greedy is set.
func (s Sampling) Rollout(seed uint64, greedy bool) Sampling {
	s.Seed = seed
	if greedy {
		s.Temperature = 0
	}
	return s
}

// Sampler draws from one sequence's logits. Each sequence has its own random stream, so a
// sequence samples the same tokens whether it is generated alone or in a batch.
type Sampler struct {
	Sampling
	rng *rand.Rand
	buf []cand
}

type cand struct {
	id int
	p  float64
}

// NewSampler seeds the stream of sequence seq.
func NewSampler(s Sampling, seq int) *Sampler {
	return &Sampler{Sampling: s, rng: rand.New(rand.NewPCG(s.Seed, uint64(s.First+seq)))}
}

// Sample picks a token id from logits.
func (s *Sampler) Sample(logits []float32) int {
	if s.Temperature <= 0 {
		return Argmax(logits)
	}
	c := s.buf[:0]
	for i, l := range logits {
		c = append(c, cand{i, float64(l) / s.Temperature})
	}
	s.buf = c
	if (s.TopK > 0 && s.TopK < len(c)) || (s.TopP > 0 && s.TopP < 1) {
		sort.Slice(c, func(i, j int) bool { return c[i].p > c[j].p || (c[i].p == c[j].p && c[i].id < c[j].id) })
		if s.TopK > 0 && s.TopK < len(c) {
			c = c[:s.TopK]
		}
	}
	softmaxInPlace(c)
	if s.TopP > 0 && s.TopP < 1 {
		cum := 0.0
		for i := range c {
			cum += c[i].p
			if cum >= s.TopP {
				c = c[:i+1]
				break
			}
		}
		total := 0.0
		for _, x := range c {
			total += x.p
		}
		for i := range c {
			c[i].p /= total
		}
	}
	r := s.rng.Float64()
	for _, x := range c {
		if r < x.p {
			return x.id
		}
		r -= x.p
	}
	return c[len(c)-1].id
}

func softmaxInPlace(c []cand) {
	m := math.Inf(-1)
	for _, x := range c {
		m = math.Max(m, x.p)
	}
	total := 0.0
	for i := range c {
		c[i].p = math.Exp(c[i].p - m)
		total += c[i].p
	}
	for i := range c {
		c[i].p /= total
	}
}

// Argmax returns the index of the largest value (the first, on ties).
func Argmax[F ~float32 | ~float64](v []F) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}
