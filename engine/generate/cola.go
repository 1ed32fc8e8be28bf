package generate

import (
	"fmt"
	"math"
	"math/rand/v2"

	"colash/model/cola"
)

// NoCode marks "no code forced" in Steering.Next and Steering.Fixed.
const NoCode = -1

// PaperLatent is the latent-action sampling of the paper's rollouts: top-k 40, temperature 1,
// top-p 1 (no truncation). Temperature 0 chooses codes greedily.
var PaperLatent = Sampling{Temperature: 1, TopK: 40, TopP: 1}

// Step is what a replacement policy sees when the code of one sequence is chosen.
type Step struct {
	Seq          int       // sequence in the batch
	Index        int       // generation step: 0 chooses the code of the first new token
	Pos          int       // position of Prev (BOS is 0): the chosen code produces token Pos+1
	Prev         int       // the last token fed
	PolicyLogits []float32 // the policy network's logits over the codes, [C]
}

// CodeEvent is what a per-token hook sees: the step, the code about to be used and the policy's
// distribution over codes, softmax(logits / tau), from the replacement policy if one is set.
type CodeEvent struct {
	Step
	Code  int
	Probs []float64
}

// Steering changes how codes are chosen. The zero value leaves the policy alone. For each
// sequence and step: the policy's logits (or Policy's) give the distribution; a forced code
// (Next, else Fixed) is taken as is; otherwise Bias is added, Mask removes codes and the latent
// sampler picks one; Hook, last, may replace the code.
type Steering struct {
	// Next forces codes at the next step only (then it is cleared): one entry for every sequence,
	// or one per sequence; NoCode leaves a sequence to its policy.
	Next []int
	// Fixed forces codes at every step, laid out as Next.
	Fixed []int
	// Bias is added to the policy logits before sampling, [C].
	Bias []float32
	// Mask lists the codes sampling may not choose, [C] (true: banned).
	Mask []bool
	// Policy, when set, replaces the policy network: it returns logits over the codes.
	Policy func(Step) []float32
	// Hook sees every chosen code and returns the code to use.
	Hook func(CodeEvent) int
}

// CoLASession decodes with a CoLA model: per token, the decoder's step (backbone with cache
// "main", policy with cache "policy", a latent code chosen by the session, the world model's
// next-token logits for that code), from which Generate picks the token. Every step's code and
// its policy log-prob are recorded.
type CoLASession struct {
	M      *cola.Model
	Latent Sampling // how codes are sampled (PaperLatent; Temperature 0: greedy)
	Count  *Forward // positions computed, as search counts them (nil: not counted)

	steer    Steering
	dec      *decoder // nil before Prefill and after Close
	seqs     []int    // the sequence in each row of dec's batch (Keep drops rows)
	cap      int
	samplers []*Sampler
	prev     []int
	step     int
	codes    [][]int
	logProbs [][]float64 // under the policy
	drawn    [][]float64 // under the distribution the code was drawn from (see DrawnLogProbs)
}

// NewCoLASession prepares a session; capacity is the expected total length (caches grow if needed).
func NewCoLASession(m *cola.Model, capacity int, latent Sampling) *CoLASession {
	return &CoLASession{M: m, Latent: latent, cap: capacity}
}

// Prefill runs the prompts through backbone and policy and returns the world model's logits
// for the code chosen at each prompt's last position.
func (s *CoLASession) Prefill(tokens []int64, B, L int, pad []int) ([][]float32, error) {
	s.Close()
	s.dec = newDecoder(s.M, nil, pad, max(s.cap, L+1), s.Count)
	s.samplers = make([]*Sampler, B)
	for b := range s.samplers {
		// A stream of its own, apart from the token sampler's for the same seed and sequence.
		s.samplers[b] = &Sampler{Sampling: s.Latent, rng: rand.New(rand.NewPCG(s.Latent.Seed^0xC01A, uint64(s.Latent.First+b)))}
	}
	s.prev, s.seqs = make([]int, B), make([]int, B)
	for b := range s.prev {
		s.prev[b], s.seqs[b] = int(tokens[b*L+L-1]), b
	}
	s.step = 0
	s.codes, s.logProbs, s.drawn = make([][]int, B), make([][]float64, B), make([][]float64, B)
	return s.run(tokens, B, L)
}

// Step feeds one token per sequence (per row kept, after Keep).
func (s *CoLASession) Step(tokens []int64) ([][]float32, error) {
	if s.dec == nil {
		return nil, fmt.Errorf("cola session: Step before Prefill or after Close")
	}
	if len(tokens) != len(s.seqs) {
		return nil, fmt.Errorf("cola session: %d tokens for %d sequences", len(tokens), len(s.seqs))
	}
	for r, t := range tokens {
		s.prev[s.seqs[r]] = int(t)
	}
	return s.run(tokens, len(tokens), 1)
}

// Keep keeps the batch's rows rows, in that order, and drops the others: their sequences take no
// more steps (Codes and LogProbs keep what they chose so far). Steering still names sequences by
// their place in the prompts.
func (s *CoLASession) Keep(rows []int) error {
	if s.dec == nil {
		return fmt.Errorf("cola session: Keep before Prefill or after Close")
	}
	for _, r := range rows {
		if r < 0 || r >= len(s.seqs) {
			return fmt.Errorf("cola session: keep row %d of %d", r, len(s.seqs))
		}
	}
	s.dec.keep(rows)
	s.seqs = pick(s.seqs, rows)
	return nil
}

func (s *CoLASession) run(tokens []int64, B, T int) ([][]float32, error) {
	_, logits, err := s.dec.step(tokens, B, T, s.chooseAll)
	return logits, err
}

// chooseAll picks and records the code of every sequence at this step, policy [B][C].
func (s *CoLASession) chooseAll(policy [][]float32) ([]int64, error) {
	codes := make([]int64, len(policy))
	batch := s.dec.batch
	for r := range codes {
		b := s.seqs[r]
		st := Step{Seq: b, Index: s.step, Pos: batch.Len - batch.Pad[r] - 1, Prev: s.prev[b], PolicyLogits: policy[r]}
		code, lp, drawn, err := s.choose(st)
		if err != nil {
			return nil, err
		}
		codes[r] = int64(code)
		s.codes[b] = append(s.codes[b], code)
		s.logProbs[b] = append(s.logProbs[b], lp)
		s.drawn[b] = append(s.drawn[b], drawn)
	}
	s.steer.Next = nil
	s.step++
	return codes, nil
}

// choose picks the code of one sequence at one step. It returns the code's log-prob under the
// policy (the network, or the replacement policy) and under the distribution it was drawn from:
// the same when nothing steers, log_softmax((logits + bias) / tau) over the allowed codes with a
// bias or mask, 0 for a forced or greedy code (drawn with certainty), NaN when a hook changed it.
func (s *CoLASession) choose(st Step) (code int, logp, drawn float64, err error) {
	C := s.M.Config.NumCode
	logits := st.PolicyLogits
	if s.steer.Policy != nil {
		logits = s.steer.Policy(st)
		if len(logits) != C {
			return 0, 0, 0, fmt.Errorf("cola session: replacement policy returned %d logits, want %d", len(logits), C)
		}
	}
	policy := logSoftmax(logits, s.Latent.Tau())
	from := policy // the distribution the code is drawn from; nil when forced
	code = forced(s.steer.Next, st.Seq)
	if code == NoCode {
		code = forced(s.steer.Fixed, st.Seq)
	}
	if code != NoCode {
		from = nil
	} else {
		eff, err := s.steered(logits)
		if err != nil {
			return 0, 0, 0, err
		}
		if eff != nil {
			from = logSoftmax(eff, s.Latent.Tau())
		} else {
			eff = logits
		}
		code = s.samplers[st.Seq].Sample(eff)
		if s.Latent.Temperature <= 0 {
			from = nil // greedy: drawn with certainty
		}
	}
	if s.steer.Hook != nil {
		probs := make([]float64, C)
		for i, l := range policy {
			probs[i] = math.Exp(l)
		}
		if c := s.steer.Hook(CodeEvent{Step: st, Code: code, Probs: probs}); c != code {
			code, from = c, []float64(nil)
			drawn = math.NaN()
		}
	}
	if code < 0 || code >= C {
		return 0, 0, 0, fmt.Errorf("cola session: code %d out of range [0,%d)", code, C)
	}
	if from != nil {
		drawn = from[code]
	}
	return code, policy[code], drawn, nil
}

// steered returns the policy logits with the steering bias added and masked codes at -inf, or
// nil when neither is set.
func (s *CoLASession) steered(logits []float32) ([]float32, error) {
	if s.steer.Bias == nil && s.steer.Mask == nil {
		return nil, nil
	}
	C := len(logits)
	if (s.steer.Bias != nil && len(s.steer.Bias) != C) || (s.steer.Mask != nil && len(s.steer.Mask) != C) {
		return nil, fmt.Errorf("cola session: bias has %d entries and mask %d, want %d", len(s.steer.Bias), len(s.steer.Mask), C)
	}
	eff := make([]float32, C)
	allowed := 0
	for i := range eff {
		eff[i] = logits[i]
		if s.steer.Bias != nil {
			eff[i] += s.steer.Bias[i]
		}
		if s.steer.Mask != nil && s.steer.Mask[i] {
			eff[i] = float32(math.Inf(-1))
		} else {
			allowed++
		}
	}
	if allowed == 0 {
		return nil, fmt.Errorf("cola session: every code is masked")
	}
	return eff, nil
}

func forced(codes []int, seq int) int {
	switch {
	case len(codes) == 0:
		return NoCode
	case len(codes) == 1:
		return codes[0]
	case seq < len(codes):
		return codes[seq]
	}
	return NoCode
}

// logSoftmax is log_softmax(logits / tau) over all codes.
func logSoftmax(logits []float32, tau float64) []float64 {
	out := make([]float64, len(logits))
	m := math.Inf(-1)
	for i, l := range logits {
		out[i] = float64(l) / tau
		m = math.Max(m, out[i])
	}
	sum := 0.0
	for _, v := range out {
		sum += math.Exp(v - m)
	}
	lse := m + math.Log(sum)
	for i := range out {
		out[i] -= lse
	}
	return out
}

// Codes returns the code chosen at every step, per sequence: entry i produced the i-th new token.
// A sequence that stopped before the others may have extra entries past its last token.
func (s *CoLASession) Codes() [][]int {
	out := make([][]int, len(s.codes))
	for b, c := range s.codes {
		out[b] = append([]int(nil), c...)
	}
	return out
}

// LogProbs returns log_softmax(policy_logits / tau)[code] of every recorded code, over all codes
// (the top-k / top-p truncation of sampling is not reflected, as in the paper's RL), laid out as
// Codes. tau is Latent.Temperature (1 when greedy); the policy is the replacement when one is set.
// This is the log-prob RL uses: it trains the policy, and its rollouts are not steered.
func (s *CoLASession) LogProbs() [][]float64 { return copyRows(s.logProbs) }

// DrawnLogProbs returns, laid out as Codes, each code's log-prob under the distribution it was
// actually drawn from: with a steering bias or mask that is the biased, masked distribution (and
// LogProbs still gives the unbiased policy's); a forced or greedy code has 0; a code a hook
// changed, NaN.
// Importance weights between the steered and the plain policy are exp(LogProbs - DrawnLogProbs).
func (s *CoLASession) DrawnLogProbs() [][]float64 { return copyRows(s.drawn) }

func copyRows(rows [][]float64) [][]float64 {
	out := make([][]float64, len(rows))
	for b, r := range rows {
		out[b] = append([]float64(nil), r...)
	}
	return out
}

// ReadCodes reads the codes of a text with the IDM (see cola.Model.ReadCodes).
func (s *CoLASession) ReadCodes(ids []int) ([]int, error) { return s.M.ReadCodes(ids) }

// Close frees the session's caches.
func (s *CoLASession) Close() {
	s.dec.free()
	s.dec = nil
}
