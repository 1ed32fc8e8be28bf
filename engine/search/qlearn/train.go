package qlearn

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/engine/dist"
	"colash/engine/train/optim"
	"colash/model/llama"
	"colash/model/qnet"
	"colash/model/tensor"
	"colash/model/weights"
)

// Config is the TD training's hyperparameters; Paper gives section 2.4's.
type Config struct {
	Gamma       float64 `toml:"gamma" help:"discount of the TD target (0.99)"`
	TargetEvery int     `toml:"target_every" help:"steps between hard copies of the online network into the target (50)"`
	Batch       int     `toml:"batch" help:"samples per step"`
	MicroBatch  int     `toml:"micro_batch" help:"samples per forward/backward (0: the batch; a few are faster on a CPU)"`
	Steps       int     `toml:"steps" help:"TD updates"`
	LR          float64 `toml:"lr" help:"peak learning rate"`
	MinLR       float64 `toml:"min_lr" help:"final learning rate of the cosine schedule"`
	Warmup      int     `toml:"warmup" help:"linear warmup updates"`
	GradClip    float64 `toml:"grad_clip" help:"global grad-norm clip (0: none)"`
	Seed        uint64  `toml:"seed" help:"seed of the head's initialisation and of batches"`
	Targets     string  `toml:"targets" help:"td: the paper's double-DQN targets; mc: each code's discounted final reward (Monte-Carlo), which carries a reward back in one update (default td)"`
}

// Target kinds (Config.Targets).
const (
	TargetsTD = "td" // the paper's: r + gamma * Q_target(s', argmax Q_online(s', .))
	TargetsMC = "mc" // gamma^(codes after a_t) * R, the sample's own return
)

// checkTargets accepts the target kinds ("" is td).
func (c Config) checkTargets() error {
	switch c.Targets {
	case "", TargetsTD, TargetsMC:
		return nil
	}
	return fmt.Errorf("qnet train: targets %q: want td (double-DQN, the paper's) or mc (Monte-Carlo returns)", c.Targets)
}

// Paper is train_q_intention's settings with a batch that fits a CPU: lr 5e-6 there.
func Paper() Config {
	return Config{Gamma: 0.99, TargetEvery: 50, Batch: 16, MicroBatch: 4, Steps: 200, LR: 5e-6, MinLR: 5e-7, Warmup: 10, GradClip: 1}
}

// Trainer is double-DQN on logged codes:
//
//	y_t = r_t + gamma * Q_target(s_{t+1}, argmax_a Q_online(s_{t+1}, a))   (y = R at the last code)
//	loss = mean_t (Q_online(s_t, a_t) - y_t)^2  over the codes actually taken
//
// where s_t is the text up to the token the code a_t follows; the target network is a hard copy
// of the online one every TargetEvery steps. With Monte-Carlo targets (Targets "mc") y_t is
// gamma^(T-1-t) R for a sample of T codes and reward R, and the target network is not read. It
// is an engine/run Job.
type Trainer struct {
	Online, Target *qnet.QNet
	Data           []Sample
	Cfg            Config
	Opt            *optim.AdamW
	Sched          optim.Schedule
	Step           int
	Group          *dist.Group // data-parallel ranks (parallel.go; nil: one process)

	synced bool // rank 0's state has reached every rank
}

// NewTrainer trains online (all its weights) against target, a network of the same shape whose
// weights are overwritten with online's.
func NewTrainer(online, target *qnet.QNet, data []Sample, cfg Config) (*Trainer, error) {
	if cfg.Batch <= 0 || cfg.Steps <= 0 || cfg.TargetEvery <= 0 {
		return nil, fmt.Errorf("qnet train: batch %d, steps %d and target-every %d must be positive", cfg.Batch, cfg.Steps, cfg.TargetEvery)
	}
	if err := cfg.checkTargets(); err != nil {
		return nil, err
	}
	t := &Trainer{Online: online, Target: target, Data: data, Cfg: cfg,
		Sched: optim.Schedule{LR: cfg.LR, Min: min(cfg.MinLR, cfg.LR), Warmup: cfg.Warmup, Total: cfg.Steps}}
	if err := t.Sched.Validate(); err != nil {
		return nil, err
	}
	var params []optim.Param
	err := tensor.Guard(func() {
		for _, b := range online.Layers {
			b.Unfuse() // trained blocks keep separate leaf weights
		}
		all := online.Params()
		for _, p := range all {
			if weights.IsTied(all, p) {
				continue
			}
			(*p.Ptr).MustRequiresGrad_(true)
			params = append(params, optim.Param{Name: p.Name, W: *p.Ptr})
		}
	})
	if err != nil {
		return nil, err
	}
	if t.Opt, err = optim.NewAdamW(params, optim.Config{Beta1: 0.9, Beta2: 0.95, Eps: 1e-8}); err != nil {
		return nil, err
	}
	return t, target.CopyFrom(online)
}

// batch is a step's samples, drawn from (Seed, step) so that a resumed run draws the same.
func (t *Trainer) batch() []Sample {
	r := rand.New(rand.NewPCG(t.Cfg.Seed, uint64(t.Step)))
	out := make([]Sample, t.Cfg.Batch)
	for i := range out {
		out[i] = t.Data[r.IntN(len(t.Data))]
	}
	return out
}

// Advance takes one TD step.
func (t *Trainer) Advance(ctx context.Context) (any, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if t.many() && !t.synced {
		if err := t.syncFromRank0(); err != nil {
			return nil, err
		}
		t.synced = true
	}
	b := t.batch()
	lo, hi := t.Group.Block(len(b))
	var loss, qmean, norm float64
	var err error
	total := takenCodes(b) // every part's sums are over the batch's taken codes: the parts add up
	for _, part := range microBatches(b[lo:hi], t.Cfg.MicroBatch) {
		if err = tensor.Guard(func() {
			sc := &tensor.Scope{}
			defer sc.Close()
			l, qm := t.loss(part, total, sc)
			loss, qmean = loss+optim.Scalar(l), qmean+qm
			l.MustBackward()
		}); err != nil {
			break
		}
	}
	if err == nil {
		err = t.reduce(&loss, &qmean)
	}
	if err == nil {
		norm, err = optim.ClipGradNorm(t.Opt.Params, t.Cfg.GradClip)
	}
	lr := t.Sched.At(t.Step)
	if err == nil {
		err = t.Opt.Step(lr)
	}
	if err == nil {
		err = t.Opt.ZeroGrad()
	}
	if err != nil {
		return nil, err
	}
	t.Step++
	if t.Step%t.Cfg.TargetEvery == 0 {
		if err := t.Target.CopyFrom(t.Online); err != nil {
			return nil, err
		}
	}
	return map[string]any{"loss": loss, "q_taken_mean": qmean, "grad_norm": norm, "lr": lr}, nil
}

// loss is the double-DQN (or Monte-Carlo) loss of samples b (left-padded to their longest text)
// and the mean Q of the taken codes: sums over b's taken codes divided by total, the count of the
// batch's taken codes (b may be a rank's block of it).
func (t *Trainer) loss(b []Sample, total int, sc *tensor.Scope) (*ts.Tensor, float64) {
	L := 0
	for _, s := range b {
		L = max(L, len(s.PromptIDs)+len(s.Tokens))
	}
	B, C := len(b), t.Online.Codes
	ids, pads := make([]int64, B*L), make([]int, B)
	var cur, nxt, codes []int64
	var reward, mc []float32 // r_t, and gamma^(T-1-t) R
	var last []bool
	for i, s := range b {
		text := append(append([]int(nil), s.PromptIDs...), s.Tokens...)
		pads[i] = L - len(text)
		for j, id := range text {
			ids[i*L+pads[i]+j] = int64(id)
		}
		for j, a := range s.Codes {
			row := int64(i*L + pads[i] + len(s.PromptIDs) - 1 + j) // the slot of the token a follows
			end := j == len(s.Codes)-1
			cur, codes, last = append(cur, row), append(codes, int64(a)), append(last, end)
			next, r := row+1, float32(0)
			if end {
				next, r = row, float32(s.Reward)
			}
			nxt, reward = append(nxt, next), append(reward, r)
			mc = append(mc, float32(math.Pow(t.Cfg.Gamma, float64(len(s.Codes)-1-j))*s.Reward))
		}
	}
	dev := t.Online.Device
	x := sc.T(tensor.FromInt64s(ids, []int64{int64(B), int64(L)}, dev))
	q, err := t.Online.QValues(x, &llama.Batch{Pad: pads}, nil)
	if err != nil {
		panic(err)
	}
	qf := sc.T(sc.T(q).MustView([]int64{int64(B * L), int64(C)}, false)) // [B*L,C]
	M := int64(len(cur))
	curT := sc.T(tensor.FromInt64s(cur, []int64{M}, dev))
	nxtT := sc.T(tensor.FromInt64s(nxt, []int64{M}, dev))
	codeT := sc.T(tensor.FromInt64s(codes, []int64{M, 1}, dev))
	taken := sc.T(sc.T(sc.T(qf.MustIndexSelect(0, curT, false)).MustGather(1, codeT, false, false)).MustView([]int64{M}, false)) // [M]
	y := mc
	tensor.NoGrad(func() {
		if t.Cfg.Targets == TargetsMC {
			return
		}
		qt, err := t.Target.QValues(x, &llama.Batch{Pad: pads}, nil)
		if err != nil {
			panic(err)
		}
		qtf := sc.T(sc.T(qt).MustView([]int64{int64(B * L), int64(C)}, false))
		best := sc.T(sc.T(sc.T(qf.MustDetach(false)).MustIndexSelect(0, nxtT, false)).MustArgmax([]int64{1}, true, false)) // [M,1], online's choice
		v := tensor.Float32s(sc.T(sc.T(qtf.MustIndexSelect(0, nxtT, false)).MustGather(1, best, false, false)))            // target's value of it
		for k := range v {
			if last[k] {
				v[k] = reward[k]
			} else {
				v[k] = reward[k] + float32(t.Cfg.Gamma)*v[k]
			}
		}
		y = v
	})
	target := sc.T(tensor.FromFloat32s(y, []int64{M}, dev))
	if taken.DType() != gotch.Float {
		taken = sc.T(taken.MustTotype(gotch.Float, false))
	}
	diff := sc.T(taken.MustSub(target, false))
	n := tensor.Scalar(float64(total))
	qmean := optim.Scalar(sc.T(sc.T(taken.MustSum(gotch.Float, false)).MustDivScalar(n, false)))
	return sc.T(sc.T(diff.MustSquare(false)).MustSum(gotch.Float, false)).MustDivScalar(n, false), qmean
}

// microBatches cuts b into parts of n samples (one part when n <= 0, or b is empty), whose
// gradients accumulate: smaller forwards are faster on a CPU (docs/search.md, "Q-network").
func microBatches(b []Sample, n int) [][]Sample {
	if n <= 0 || n >= len(b) {
		return [][]Sample{b}
	}
	return slices.Collect(slices.Chunk(b, n))
}

// takenCodes counts the codes taken in samples b.
func takenCodes(b []Sample) int {
	n := 0
	for _, s := range b {
		n += len(s.Codes)
	}
	return n
}

// Done is the number of steps taken.
func (t *Trainer) Done() int { return t.Step }

// StartAt sets the steps done: a data-parallel rank starts where rank 0 resumed (run.Parallel).
func (t *Trainer) StartAt(step int) { t.Step = step }

// Device is where the online network lives.
func (t *Trainer) Device() gotch.Device { return t.Online.Device }

type state struct {
	Step int    `json:"step"`
	Seed uint64 `json:"seed"`
}

// Save writes the online weights, the optimiser, the target network and the step.
func (t *Trainer) Save(dir string) error {
	if err := t.Opt.SaveCheckpoint(dir, state{Step: t.Step, Seed: t.Cfg.Seed}); err != nil {
		return err
	}
	return optim.SaveParams(filepath.Join(dir, "target.safetensors"), targetParams(t.Target))
}

// Load restores a checkpoint of this run.
func (t *Trainer) Load(dir string) error {
	var st state
	if err := optim.ReadState(dir, &st); err != nil {
		return err
	}
	if st.Seed != t.Cfg.Seed {
		return fmt.Errorf("qnet train: checkpoint has seed %d, this run %d", st.Seed, t.Cfg.Seed)
	}
	if err := t.Opt.LoadCheckpoint(dir); err != nil {
		return err
	}
	t.Step = st.Step
	return optim.LoadParams(filepath.Join(dir, "target.safetensors"), targetParams(t.Target))
}

func targetParams(q *qnet.QNet) []optim.Param {
	var out []optim.Param
	for _, p := range q.Params() {
		out = append(out, optim.Param{Name: p.Name, W: *p.Ptr})
	}
	return out
}
