package train

import (
	"fmt"

	"github.com/sugarme/gotch/ts"

	"colash/engine/dist"
	"colash/engine/train/optim"
	"colash/model/tensor"
)

// Data parallelism over a dist.Group (Trainer.Group; nil is one process). Every rank draws the
// same global micro-batch from the same seeded stream and the same Gumbel noise, computes the
// rows it owns, and the gradients are averaged before clipping and the AdamW step: each rank
// takes the update one process would take on the global batch, and the weights stay identical.
// Losses are token means, so each rank's share is weighted by its share of the target tokens
// (exact for every loss but the optional usage KL, which each rank computes on its own rows).
// Only rank 0 keeps checkpoints and metrics; at the first step the other ranks take its weights,
// optimiser moments, step, data cursor and noise stream, so a resume needs the checkpoint on
// rank 0 alone.

// part is one micro-batch of the global batch and the rows [lo, hi) this rank computes.
type part struct {
	all    []Seq
	lo, hi int
	weight float64 // this rank's share of the micro-batch's target tokens
}

func (p part) mine() []Seq { return p.all[p.lo:p.hi] }

// split gives this rank its rows of seqs: the whole batch in a single process.
func (t *Trainer) split(seqs []Seq) part {
	n := t.size()
	if n == 1 {
		return part{seqs, 0, len(seqs), 1}
	}
	r := t.Group.Rank()
	p := part{all: seqs, lo: r * len(seqs) / n, hi: (r + 1) * len(seqs) / n, weight: 1 / float64(n)}
	if total := targets(seqs); total > 0 {
		p.weight = float64(targets(p.mine())) / float64(total)
	}
	return p
}

func targets(seqs []Seq) int {
	n := 0
	for _, q := range validOf(seqs) {
		if q {
			n++
		}
	}
	return n
}

func (t *Trainer) size() int {
	if t.Group == nil {
		return 1
	}
	return t.Group.Size()
}

// syncFromRank0 gives every rank rank 0's state, before the first step of a run or a resume.
func (t *Trainer) syncFromRank0() error {
	noise, err := t.noise.MarshalBinary()
	if err != nil {
		return err
	}
	state := append([]int64{int64(t.Step), t.Opt.Steps, int64(t.Data.Epoch), int64(t.Data.Pos)}, make([]int64, len(noise))...)
	for i, b := range noise {
		state[4+i] = int64(b)
	}
	if state, err = t.Group.BroadcastInt64s(state, 0, t.Net.Device); err != nil {
		return err
	}
	for i := range noise {
		noise[i] = byte(state[4+i])
	}
	if err := t.noise.UnmarshalBinary(noise); err != nil {
		return fmt.Errorf("noise state from rank 0: %w", err)
	}
	t.Step, t.Opt.Steps = int(state[0]), state[1]
	t.Data.SetCursor(Cursor{Epoch: int(state[2]), Pos: int(state[3])})
	w := make([]*ts.Tensor, 0, 3*len(t.Params))
	for _, p := range t.Params {
		w = append(w, p.W)
	}
	return t.Group.BroadcastMany(append(append(w, t.Opt.M...), t.Opt.V...), 0)
}

// reduce averages the accumulated gradients over ranks, and sums the measurements each rank
// weighted by its token share: mt's means, token count and code counts become the global batch's.
func (t *Trainer) reduce(mt *Metrics, counts []float64, nPos *float64) error {
	if t.size() == 1 {
		return nil
	}
	grads, err := optim.Grads(t.Params)
	defer func() { tensor.Drop(grads...) }()
	if err == nil {
		err = t.Group.AllReduceMany(grads, dist.Avg)
	}
	if err != nil {
		return err
	}
	v := append([]float32{float32(mt.Loss), float32(mt.CE), float32(mt.NegEnt), float32(mt.Acc),
		float32(mt.UsageKL), float32(mt.Tokens), float32(*nPos)}, make([]float32, len(counts))...)
	for i, c := range counts {
		v[7+i] = float32(c)
	}
	if v, err = t.Group.AllReduceFloat32s(v, dist.Sum, t.Net.Device); err != nil {
		return err
	}
	mt.Loss, mt.CE, mt.NegEnt, mt.Acc, mt.UsageKL = float64(v[0]), float64(v[1]), float64(v[2]), float64(v[3]), float64(v[4])
	mt.Tokens, *nPos = int(v[5]), float64(v[6])
	for i := range counts {
		counts[i] = float64(v[7+i])
	}
	return nil
}

// SetGroup makes the trainer one rank of g (nil: one process), before its first step.
func (t *Trainer) SetGroup(g *dist.Group) error {
	if g != nil && t.Cfg.Batch%g.Size() != 0 {
		return fmt.Errorf("train %s: batch %d does not split evenly over %d processes", t.Cfg.Stage, t.Cfg.Batch, g.Size())
	}
	t.Group, t.synced = g, false
	return nil
}
