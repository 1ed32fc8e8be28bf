package train

import (
	"context"
	"fmt"
	"math"

	"github.com/sugarme/gotch"

	"colash/engine/generate"
	"colash/model/cola"
	"colash/model/llama"
	"colash/model/tensor"
)

// A scheme is one way of sampling continuations: a session per prompt group, and how its tokens
// are picked (a CoLA session picks codes itself; its tokens are usually greedy).
type scheme struct {
	name    string
	session func(capacity int, seed uint64) generate.Session
	tokens  generate.Sampling
}

func backboneScheme(name string, m *llama.Model) scheme {
	return scheme{name, func(capacity int, _ uint64) generate.Session {
		return generate.NewLlamaSession(m, capacity, false)
	}, generate.Sampling{Temperature: 1}}
}

// colaScheme samples codes with latent (its seed is set per group) and takes tokens greedily;
// policy, when set, replaces the policy network.
func colaScheme(name string, m *cola.Model, latent generate.Sampling, policy func(generate.Step) []float32) scheme {
	return scheme{name, func(capacity int, seed uint64) generate.Session {
		s := generate.NewCoLASession(m, capacity, latent.Rollout(seed, false))
		if policy != nil {
			s.Steer(generate.Steering{Policy: policy})
		}
		return s
	}, generate.Sampling{}}
}

// Diversity is one sampling scheme's text, measured within each prompt's group of continuations
// and averaged over prompts. The scorer is a fixed reference backbone.
type Diversity struct {
	Name     string
	Distinct [3]float64 // distinct-1/2/3: unique n-grams / n-grams
	Cosine   float64    // mean pairwise cosine of the reference's mean-pooled final hidden states
	NLL      float64    // the reference's NLL per token of the continuations
}

// Semantic is the paper's semantic diversity: the reciprocal of the mean pairwise cosine.
func (d Diversity) Semantic() float64 { return 1 / d.Cosine }

// measure samples cont continuations of genLen tokens (ending early at a stop token) from each
// prompt with sc, and scores them with ref.
func measure(sc scheme, prompts [][]int, cont, genLen int, stop []int, ref *llama.Model, seed uint64) (Diversity, error) {
	dv := Diversity{Name: sc.name}
	var cosSum, nllSum, nllN float64
	for pi, p := range prompts {
		group := make([][]int, cont)
		for i := range group {
			group[i] = p
		}
		gseed := seed*1000 + uint64(pi)
		sess := sc.session(len(p)+genLen+1, gseed)
		smp := sc.tokens
		smp.Seed = gseed
		conts, err := generate.Generate(context.Background(), sess, group, generate.Options{MaxTokens: genLen, Stop: stop, Sampling: smp})
		sess.Close()
		if err != nil {
			return dv, err
		}
		for k := 1; k <= 3; k++ {
			dv.Distinct[k-1] += Distinct(conts, k) / float64(len(prompts))
		}
		pooled := make([][]float32, 0, len(conts))
		for _, c := range conts {
			if len(c) == 0 {
				continue
			}
			v, sum, cnt, err := backboneStats(ref, append(append([]int(nil), p...), c...), len(p))
			if err != nil {
				return dv, err
			}
			pooled = append(pooled, v)
			nllSum += sum
			nllN += cnt
		}
		cosSum += meanPairCos(pooled)
	}
	dv.Cosine = cosSum / float64(len(prompts))
	dv.NLL = nllSum / max(nllN, 1)
	return dv, nil
}

// backboneStats runs the backbone m over ids and returns the mean of its final hidden state over
// positions >= from, and the sum and count of the NLL of the tokens ids[from:].
func backboneStats(m *llama.Model, ids []int, from int) (pooled []float32, nllSum, n float64, err error) {
	flat := make([]int64, len(ids))
	for i, v := range ids {
		flat[i] = int64(v)
	}
	T := int64(len(ids))
	x, err := m.Tokens(flat, 1, len(ids))
	if err != nil {
		return nil, 0, 0, err
	}
	defer x.MustDrop()
	err = tensor.Guard(func() {
		s := &tensor.Scope{}
		defer s.Close()
		h := own(s)(m.Hidden(x, &llama.Batch{Pad: []int{0}}, nil)) // [1,T,d]
		tail := s.T(h.MustNarrow(1, int64(from), T-int64(from), false))
		pooled = tensor.Float32s(s.T(tail.MustMeanDim([]int64{1}, false, gotch.Float, false)))
		lg := s.T(m.Logits(s.T(h.MustNarrow(1, int64(from-1), T-int64(from), false)))) // predicts ids[from:]
		tg := s.T(x.MustNarrow(1, int64(from), T-int64(from), false))
		nllSum = scalar(s.T(nll(lg, tg, s).MustSum(gotch.Double, false)))
		n = float64(T) - float64(from)
	})
	return
}

// Distinct is unique n-grams / total n-grams over the sequences of one group.
func Distinct(group [][]int, n int) float64 {
	seen := map[string]bool{}
	total := 0
	for _, s := range group {
		for i := 0; i+n <= len(s); i++ {
			seen[fmt.Sprint(s[i:i+n])] = true
			total++
		}
	}
	if total == 0 {
		return 0
	}
	return float64(len(seen)) / float64(total)
}

func meanPairCos(vs [][]float32) float64 {
	var sum float64
	var k int
	for i := range vs {
		for j := i + 1; j < len(vs); j++ {
			var dot, a, b float64
			for t := range vs[i] {
				dot += float64(vs[i][t]) * float64(vs[j][t])
				a += float64(vs[i][t]) * float64(vs[i][t])
				b += float64(vs[j][t]) * float64(vs[j][t])
			}
			sum += dot / math.Sqrt(a*b+1e-30)
			k++
		}
	}
	return sum / float64(max(k, 1))
}
