package rm

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/engine/dist"
	"colash/engine/train/optim"
	"colash/model/tensor"
	"colash/model/weights"
)

// Config is a reward model's training. The paper's DSP reward models: lr 9e-6, batch 256, one
// epoch, max_len 512 (docs/paper.md, "DSP: preference RL"); the rest follows OpenRLHF's train_rm defaults.
type Config struct {
	LR          float64 `toml:"lr" help:"peak learning rate (cosine to min_lr after warmup)"`
	MinLR       float64 `toml:"min_lr" help:"final learning rate of the cosine schedule"`
	Warmup      int     `toml:"warmup" help:"linear warmup updates"`
	WeightDecay float64 `toml:"weight_decay" help:"AdamW weight decay"`
	Beta1       float64 `toml:"beta1" help:"Adam β1"`
	Beta2       float64 `toml:"beta2" help:"Adam β2"`
	GradClip    float64 `toml:"grad_clip" help:"global grad-norm clip (0: none)"`
	Batch       int     `toml:"batch" help:"pairs per update"`
	MicroBatch  int     `toml:"micro_batch" help:"pairs per forward/backward (0: the batch)"`
	Epochs      float64 `toml:"epochs" help:"passes over the training pairs (sets the updates)"`
	MaxLen      int     `toml:"max_len" help:"tokens per prompt + response"`
	EvalEvery   int     `toml:"eval_every" help:"held-out accuracy every N updates (0: first and last only)"`
	Seed        uint64  `toml:"seed" help:"seed of the head, the split and the pair order"`
}

// DefaultConfig is the paper's reward-model training.
func DefaultConfig() Config {
	return Config{LR: 9e-6, MinLR: 9e-7, Warmup: 0, WeightDecay: 0, Beta1: 0.9, Beta2: 0.95, GradClip: 1,
		Batch: 256, MicroBatch: 4, Epochs: 1, MaxLen: 512}
}

// Validate checks the numbers.
func (c Config) Validate() error {
	switch {
	case c.Batch <= 0 || c.MicroBatch < 0 || c.Epochs <= 0:
		return fmt.Errorf("rm: want batch > 0, micro_batch >= 0 and epochs > 0")
	case c.MaxLen < 2:
		return fmt.Errorf("rm: max_len %d: want at least 2", c.MaxLen)
	case c.EvalEvery < 0:
		return fmt.Errorf("rm: eval_every must be >= 0")
	}
	return optim.Schedule{LR: c.LR, Min: c.MinLR, Warmup: c.Warmup, Total: 1}.Validate()
}

// Updates is the number of optimiser steps Epochs passes over n pairs take.
func (c Config) Updates(n int) int {
	return max(1, int(c.Epochs*float64(n)+float64(c.Batch)-1)/c.Batch)
}

// Trainer trains a reward model on preference pairs; it is an engine/run Job (run.Loop logs,
// checkpoints and resumes it).
type Trainer struct {
	M           *Model
	Cfg         Config
	Train, Held []Pair
	Opt         *optim.AdamW
	Sched       optim.Schedule
	Step        int         // updates done
	HeldAcc0    float64     // held-out accuracy before training (set by NewTrainer)
	Group       *dist.Group // data-parallel ranks (parallel.go; nil: one process)
	params      []optim.Param
	synced      bool // rank 0's state has reached every rank
}

// NewTrainer makes every weight of the model trainable (the backbone unfused), the optimiser over
// them and measures the held-out accuracy of the untrained model.
func NewTrainer(m *Model, cfg Config, train, held []Pair) (*Trainer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if len(train) == 0 {
		return nil, fmt.Errorf("rm: no training pairs")
	}
	t := &Trainer{M: m, Cfg: cfg, Train: train, Held: held,
		Sched: optim.Schedule{LR: cfg.LR, Min: cfg.MinLR, Warmup: cfg.Warmup, Total: cfg.Updates(len(train))}}
	seen := map[*ts.Tensor]bool{}
	err := tensor.Guard(func() {
		for _, b := range m.Llama.Layers {
			b.Unfuse()
		}
		for _, p := range weights.Walk(m.Llama) {
			if *p.Ptr != nil && !seen[*p.Ptr] {
				seen[*p.Ptr] = true
				t.params = append(t.params, optim.Param{Name: p.Name, W: *p.Ptr})
			}
		}
		t.params = append(t.params, m.HeadParams()...)
		for _, p := range t.params {
			p.W.MustRequiresGrad_(true)
		}
	})
	if err != nil {
		return nil, err
	}
	ocfg := optim.Config{Beta1: cfg.Beta1, Beta2: cfg.Beta2, Eps: 1e-8, WeightDecay: cfg.WeightDecay}
	if t.Opt, err = optim.NewAdamW(t.params, ocfg); err != nil {
		return nil, err
	}
	if len(held) > 0 {
		if t.HeldAcc0, _, err = m.Accuracy(held, cfg.MicroBatch); err != nil {
			t.Close()
			return nil, err
		}
	}
	return t, nil
}

// Close frees the optimiser state.
func (t *Trainer) Close() {
	if t.Opt != nil {
		t.Opt.Free()
		t.Opt = nil
	}
}

// Steps is the run's number of updates.
func (t *Trainer) Steps() int { return t.Sched.Total }

// batch picks update step's pairs: an epoch-wise shuffle of the training pairs, a function of
// (seed, step) so that a resumed run trains on what the uninterrupted one would.
func (t *Trainer) batch(step int) []Pair {
	n := len(t.Train)
	out := make([]Pair, 0, t.Cfg.Batch)
	for k := step * t.Cfg.Batch; len(out) < t.Cfg.Batch; k++ {
		perm := rand.New(rand.NewPCG(t.Cfg.Seed^0xB7, uint64(k/n))).Perm(n)
		out = append(out, t.Train[perm[k%n]])
	}
	return out
}

// Advance takes one update over a batch of pairs, in micro-batches whose gradients add up.
func (t *Trainer) Advance(ctx context.Context) (any, error) {
	if err := t.sync(); err != nil {
		return nil, err
	}
	pairs := t.batch(t.Step)
	micro := t.Cfg.MicroBatch
	if micro <= 0 {
		micro = len(pairs)
	}
	var sum pairStats
	if err := t.Opt.ZeroGrad(); err != nil {
		return nil, err
	}
	lo, hi := t.Group.Block(len(pairs))
	for start := lo; start < hi; start += micro {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		part := pairs[start:min(start+micro, hi)]
		st, err := t.M.pairLoss(part, float64(len(part))/float64(len(pairs)), true)
		if err != nil {
			return nil, err
		}
		sum.Loss, sum.Acc, sum.Margin = sum.Loss+st.Loss, sum.Acc+st.Acc, sum.Margin+st.Margin
	}
	if err := t.reduce(&sum); err != nil {
		return nil, err
	}
	n := float64(len(pairs))
	norm, err := optim.ClipGradNorm(t.params, t.Cfg.GradClip)
	if err != nil {
		return nil, err
	}
	lr := t.Sched.At(int(t.Opt.Steps))
	if err := t.Opt.Step(lr); err != nil {
		return nil, err
	}
	t.Step++
	m := map[string]any{"step": t.Step, "loss": sum.Loss / n, "acc": sum.Acc / n, "margin": sum.Margin / n, "lr": lr, "grad_norm": norm}
	every := t.Cfg.EvalEvery
	if len(t.Held) > 0 && (t.Step == t.Steps() || (every > 0 && t.Step%every == 0)) {
		a, l, err := t.heldOut(micro)
		if err != nil {
			return nil, err
		}
		m["held_out/acc"], m["held_out/loss"] = a, l
	}
	return m, nil
}

// Done is the number of updates taken.
func (t *Trainer) Done() int { return t.Step }

// StartAt sets the steps done: a data-parallel rank starts where rank 0 resumed (run.Parallel).
func (t *Trainer) StartAt(step int) { t.Step = step }

// Device is where the reward model lives.
func (t *Trainer) Device() gotch.Device { return t.M.Device() }

// state is what a checkpoint holds besides weights and moments.
type state struct {
	Step  int    `json:"step"`
	Seed  uint64 `json:"seed"`
	Pairs int    `json:"pairs"`
}

// Save writes the weights (backbone and head), the optimiser's moments and the step into dir.
func (t *Trainer) Save(dir string) error {
	return t.Opt.SaveCheckpoint(dir, state{Step: t.Step, Seed: t.Cfg.Seed, Pairs: len(t.Train)})
}

// Load restores a checkpoint written by Save for the same pairs and seed.
func (t *Trainer) Load(dir string) error {
	var st state
	if err := optim.ReadState(dir, &st); err != nil {
		return err
	}
	if st.Seed != t.Cfg.Seed || st.Pairs != len(t.Train) {
		return fmt.Errorf("checkpoint has seed %d and %d training pairs; this run %d and %d", st.Seed, st.Pairs, t.Cfg.Seed, len(t.Train))
	}
	if err := t.Opt.LoadCheckpoint(dir); err != nil {
		return err
	}
	t.Step = st.Step
	return nil
}
