// Package train trains CoLA (Jia et al., ICML 2025) on top of a frozen Llama backbone, as the
// paper's section 2 describes:
//
//   - Stage 1a (StageIDM): IDM + codebook + world-model merge MLPs ("action" weights), backbone
//     frozen, h detached; Gumbel-softmax (τ = 2) straight-through codes; loss = next-token CE of
//     the world model + 0.001 · mean negative entropy of the soft code probabilities.
//   - Stage 1b (StageBC): the policy ("policy" weights) cloned onto the IDM's argmax codes.
//   - FTA-I (StageFTAI): the backbone trained on response tokens, codes read by the frozen IDM
//     from the ground-truth text; re-clone the policy afterwards with StageBC on the same data.
//   - FTA-P (StageFTAP): the backbone trained with codes from the frozen policy (argmax), the
//     gradient reaching it only through the -h path: norm(s).detach() - h.
//
// Before any of them, a Llama can be pretrained from scratch (StageLM, lm.go): every weight of
// the backbone on next-token cross-entropy, the backbone CoLA is later built on.
//
// A Trainer is one stage's loop: AdamW (engine/train/optim), warmup + cosine schedule, gradient
// clipping and accumulation, a seeded data stream with a cursor, a Go PCG stream for the Gumbel
// noise, and checkpoints from which a run resumes exactly.
package train

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/sugarme/gotch/ts"

	"colash/engine/dist"
	"colash/engine/train/optim"
	"colash/model/cola"
	"colash/model/llama"
	"colash/model/tensor"
	"colash/model/weights"
)

// Stage names a training stage.
type Stage string

const (
	StageIDM  Stage = "stage1" // stage 1a: IDM + world model
	StageBC   Stage = "bc"     // stage 1b: policy behaviour cloning
	StageFTAI Stage = "fta-i"  // fine-tuning under IDM action guidance
	StageFTAP Stage = "fta-p"  // fine-tuning under policy action guidance
	StageLM   Stage = "lm"     // pretraining a plain Llama from scratch (lm.go)
)

// Config is one stage's hyperparameters; Defaults gives the paper's values where they apply.
// Each help tag is the flag's usage of `colash train` (engine/job).
type Config struct {
	Stage       Stage   `toml:"stage" flag:"-"` // stage1, bc, fta-i, fta-p or lm (on the command line: colash train STAGE)
	Steps       int     `toml:"steps" help:"optimiser updates"`
	Batch       int     `toml:"batch" help:"sequences per micro-batch"`
	Accum       int     `toml:"accum" help:"micro-batches per update (gradient accumulation)"`
	LR          float64 `toml:"lr" help:"peak learning rate"`
	MinLR       float64 `toml:"min_lr" help:"learning-rate floor of the cosine decay"`
	Warmup      int     `toml:"warmup" help:"linear warmup updates"`
	WeightDecay float64 `toml:"weight_decay" help:"AdamW weight decay (the codebook and norms have none)"`
	Beta1       float64 `toml:"beta1" help:"AdamW beta1"`
	Beta2       float64 `toml:"beta2" help:"AdamW beta2"`
	Clip        float64 `toml:"clip" help:"gradient-norm clip (0: none)"`
	Seed        uint64  `toml:"seed" help:"seed of the data order and Gumbel noise"`
	Tau         float64 `toml:"tau" help:"Gumbel-softmax temperature (stage1)"`
	EntropyCoef float64 `toml:"entropy" help:"weight of the negative-entropy term (stage1)"`
	UsageCoef   float64 `toml:"usage" help:"weight of KL(batch code usage || uniform) (stage1; 0: off, as in the paper)"`
	BCLoss      BCLoss  `toml:"bc_loss" help:"bc: fit the IDM's argmax codes (codes, the paper's) or the data's tokens through the world model (marginal)"`
}

// BCLoss is what stage 1b fits the policy to.
type BCLoss string

const (
	// BCCodes is the paper's behaviour cloning: CE onto the IDM's argmax codes.
	BCCodes BCLoss = "codes"
	// BCMarginal maximises the likelihood of the data's next token under the policy's mixture
	// over codes of the frozen world model (the latent-action model's own likelihood).
	BCMarginal BCLoss = "marginal"
)

// Defaults is the paper's stage-1 recipe (lr 1e-4 → 1e-5 cosine, warmup 100, AdamW wd 0.01,
// clip 1.0, τ 2, entropy 0.001) with a small batch.
func Defaults(stage Stage) Config {
	c := Config{Stage: stage, Steps: 1000, Batch: 8, Accum: 1, LR: 1e-4, MinLR: 1e-5, Warmup: 100,
		WeightDecay: 0.01, Beta1: 0.9, Beta2: 0.999, Clip: 1, Tau: 2, EntropyCoef: 0.001}
	switch stage {
	case StageFTAI, StageFTAP:
		c.LR, c.MinLR, c.WeightDecay, c.Beta2 = 5e-6, 5e-7, 0, 0.95
	case StageLM:
		c = lmDefaults()
	}
	return c
}

// Validate checks the configuration.
func (c Config) Validate() error {
	switch c.Stage {
	case StageIDM, StageBC, StageFTAI, StageFTAP, StageLM:
	default:
		return fmt.Errorf("train: unknown stage %q (want stage1, bc, fta-i, fta-p or lm)", c.Stage)
	}
	if c.Steps <= 0 || c.Batch <= 0 || c.Accum <= 0 {
		return fmt.Errorf("train: steps, batch and accum must be positive")
	}
	if c.BCLoss != "" && c.BCLoss != BCCodes && c.BCLoss != BCMarginal {
		return fmt.Errorf("train: bc_loss %q: want codes or marginal", c.BCLoss)
	}
	if c.Stage == StageIDM && c.Tau <= 0 {
		return fmt.Errorf("train: tau must be positive")
	}
	return c.Schedule().Validate()
}

// Schedule is the learning-rate schedule of the run.
func (c Config) Schedule() optim.Schedule {
	return optim.Schedule{LR: c.LR, Min: c.MinLR, Warmup: c.Warmup, Total: c.Steps}
}

// Trainable lists the weights a stage trains, by the released checkpoint's names: "action" for
// stage 1a (IDM, codebook, merge), "policy" for BC, the backbone for FTA. A tied weight appears
// once. The codebook is in the "nodecay" group.
func Trainable(m *cola.Model, stage Stage) []optim.Param {
	take := func(name string) bool {
		switch stage {
		case StageIDM:
			return strings.Contains(name, "action")
		case StageBC:
			return strings.Contains(name, "policy")
		}
		return !cola.IsModuleTensor(name)
	}
	return selectParams(m.Params(), take, func(name string) bool { return strings.Contains(name, "code_book") })
}

// selectParams lists the weights of params that take accepts, each tensor once (a tied weight
// is its source's), those that nodecay names in the "nodecay" group.
func selectParams(params []weights.Param, take, nodecay func(name string) bool) []optim.Param {
	var out []optim.Param
	seen := map[*ts.Tensor]bool{}
	for _, p := range params {
		if !take(p.Name) || *p.Ptr == nil || seen[*p.Ptr] || weights.IsTied(params, p) {
			continue
		}
		seen[*p.Ptr] = true
		q := optim.Param{Name: p.Name, W: *p.Ptr}
		if nodecay(p.Name) {
			q.Group = "nodecay"
		}
		out = append(out, q)
	}
	return out
}

// SetRequiresGrad switches requires_grad on or off for params, in place.
func SetRequiresGrad(params []optim.Param, on bool) error {
	return tensor.Guard(func() {
		for _, p := range params {
			p.W.MustSetRequiresGrad(on, false).MustDrop()
		}
	})
}

// Trainer runs one stage.
type Trainer struct {
	M      *cola.Model  // the CoLA whose modules train (nil when pretraining a plain Llama)
	Net    *llama.Model // the backbone: M's, or the Llama that StageLM pretrains
	Cfg    Config
	Params []optim.Param
	Opt    *optim.AdamW
	Data   *Loader
	Step   int         // updates done
	Group  *dist.Group // data-parallel ranks (SetGroup; nil: one process)

	noise  *rand.PCG // Gumbel noise stream (stage 1a)
	rng    *rand.Rand
	synced bool // rank 0's state has reached every rank (parallel.go)
}

// NewTrainer prepares a stage on m: the stage's weights start requiring grad, everything else
// stays frozen. Free undoes that and releases the optimiser.
func NewTrainer(m *cola.Model, data *Loader, cfg Config) (*Trainer, error) {
	if cfg.Stage == StageLM {
		return nil, fmt.Errorf("train: stage lm pretrains a plain Llama (NewLMTrainer)")
	}
	if cfg.Stage == StageFTAP && !m.Config.MinusH() {
		return nil, fmt.Errorf("train: fta-p trains the backbone only through the world model's -h, and this CoLA's world model has none (wm_minus_h = false)")
	}
	return newTrainer(m, m.Model, data, cfg)
}

// newTrainer prepares the stage on net, the backbone (m's, or nil m when pretraining).
func newTrainer(m *cola.Model, net *llama.Model, data *Loader, cfg Config) (*Trainer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	// Every step frees and makes again the same large activations: keep their pages (a third of
	// a pretraining step went to faulting them in afresh).
	tensor.KeepFreedMemory()
	if cfg.Stage == StageFTAI || cfg.Stage == StageFTAP || cfg.Stage == StageLM {
		// The backbone trains: its blocks need separate leaf weights, not views of fused ones.
		if err := tensor.Guard(func() {
			for _, b := range net.Layers {
				b.Unfuse()
			}
		}); err != nil {
			return nil, err
		}
	}
	var params []optim.Param // listed after unfusing: the leaf weights that train
	if cfg.Stage == StageLM {
		params = lmTrainable(net)
	} else {
		params = Trainable(m, cfg.Stage)
	}
	if len(params) == 0 {
		return nil, fmt.Errorf("train: stage %s: no weights to train", cfg.Stage)
	}
	if err := SetRequiresGrad(params, true); err != nil {
		return nil, err
	}
	opt, err := optim.NewAdamW(params, optim.Config{Beta1: cfg.Beta1, Beta2: cfg.Beta2, Eps: 1e-8,
		WeightDecay: cfg.WeightDecay, Groups: map[string]optim.Group{"nodecay": {WeightDecay: 0}}})
	if err != nil {
		SetRequiresGrad(params, false)
		return nil, err
	}
	t := &Trainer{M: m, Net: net, Cfg: cfg, Params: params, Opt: opt, Data: data}
	t.noise = rand.NewPCG(cfg.Seed, 0x6a09e667f3bcc908)
	t.rng = rand.New(t.noise)
	return t, nil
}

// Free releases the optimiser state and freezes the trained weights again.
func (t *Trainer) Free() {
	t.Opt.Free()
	SetRequiresGrad(t.Params, false)
}

// Metrics are one update's measurements.
type Metrics struct {
	Step     int       `json:"step"` // updates done, this one included
	LR       float64   `json:"lr"`
	Loss     float64   `json:"loss"`
	CE       float64   `json:"ce,omitempty"`       // world-model / token CE (stage 1a, FTA)
	NegEnt   float64   `json:"neg_ent,omitempty"`  // mean Σ p log p (stage 1a)
	Acc      float64   `json:"acc,omitempty"`      // policy argmax = IDM code (BC)
	GradNorm float64   `json:"grad_norm"`          // before clipping
	Tokens   int       `json:"tokens"`             // target tokens in the update
	UsageKL  float64   `json:"usage_kl,omitempty"` // KL(batch code usage || uniform) (stage 1a, with UsageCoef)
	Alive    int       `json:"alive,omitempty"`    // codes used at >= 0.5% of positions (stage 1a)
	MaxFrac  float64   `json:"max_frac,omitempty"` // largest code fraction (stage 1a)
	Usage    []float64 `json:"usage,omitempty"`    // fraction of positions per code (stage 1a)
}

// TrainStep runs one update (Accum micro-batches, clip, AdamW step) and returns its metrics.
func (t *Trainer) TrainStep() (Metrics, error) {
	if t.size() > 1 && !t.synced {
		if err := t.syncFromRank0(); err != nil {
			return Metrics{Step: t.Step}, err
		}
		t.synced = true
	}
	mt := Metrics{Step: t.Step, LR: t.Cfg.Schedule().At(t.Step)}
	if err := t.Opt.ZeroGrad(); err != nil {
		return mt, err
	}
	var counts []float64 // code counts (stage 1a)
	if t.M != nil {
		counts = make([]float64, t.M.Config.NumCode)
	}
	var nPos float64
	for k := 0; k < t.Cfg.Accum; k++ {
		p := t.split(t.Data.Next(t.Cfg.Batch))
		// The gradient is averaged over ranks: scaled by the rank's token share times their number.
		r, err := t.microStep(p, p.weight*float64(t.size())/float64(t.Cfg.Accum))
		if err != nil {
			return mt, fmt.Errorf("train step %d: %w", t.Step, err)
		}
		a := float64(t.Cfg.Accum) / p.weight
		mt.Loss += r.loss / a
		mt.CE += r.ce / a
		mt.NegEnt += r.negEnt / a
		mt.Acc += r.acc / a
		mt.UsageKL += r.usageKL / a
		mt.Tokens += r.n
		for i, c := range r.codes {
			if r.valid[i] {
				counts[c]++
				nPos++
			}
		}
	}
	if err := t.reduce(&mt, counts, &nPos); err != nil {
		return mt, fmt.Errorf("train step %d: %w", t.Step, err)
	}
	norm, err := optim.ClipGradNorm(t.Params, t.Cfg.Clip)
	if err != nil {
		return mt, err
	}
	mt.GradNorm = norm
	if err := t.Opt.Step(mt.LR); err != nil {
		return mt, err
	}
	if t.Cfg.Stage == StageIDM && nPos > 0 {
		mt.Usage, mt.Alive, mt.MaxFrac = codeUsage(counts, nPos)
	}
	t.Step++
	mt.Step = t.Step
	return mt, nil
}

// microResult is one micro-batch's numbers.
type microResult struct {
	loss, ce, negEnt, acc, usageKL float64
	n                              int
	codes                          []int64 // codes chosen at positions [B*(T-1)] (stage 1a)
	valid                          []bool  // which of them are target positions
}

// microStep runs forward and backward of this rank's rows of a micro-batch with the loss scaled
// by scale.
func (t *Trainer) microStep(p part, scale float64) (r microResult, err error) {
	err = tensor.Guard(func() {
		s := &tensor.Scope{}
		defer s.Close()
		loss := t.loss(p, &r, s)
		scaled := s.T(loss.MustMulScalar(tensor.Scalar(scale), false))
		if err := scaled.Backward(); err != nil {
			panic(err)
		}
	})
	return r, err
}

// codeUsage turns per-code counts over n positions into fractions, the number of codes alive
// (used at >= 0.5% of positions, the paper's measure against collapse) and the largest fraction.
func codeUsage(counts []float64, n float64) (usage []float64, alive int, maxFrac float64) {
	usage = make([]float64, len(counts))
	for i, c := range counts {
		usage[i] = c / n
		if usage[i] >= 0.005 {
			alive++
		}
		maxFrac = max(maxFrac, usage[i])
	}
	return usage, alive, maxFrac
}
