package train

import (
	"fmt"

	"colash/engine/dist"
	"colash/engine/train/optim"
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

// split gives this rank its block of seqs (dist.Group.Block): the whole batch in a single process.
// Blocks may differ by a row: each rank's loss is a token mean weighted by its share of the
// micro-batch's targets, so the ranks' weighted losses add up to one process's.
func (t *Trainer) split(seqs []Seq) part {
	lo, hi := t.Group.Block(len(seqs))
	p := part{all: seqs, lo: lo, hi: hi, weight: float64(hi-lo) / float64(len(seqs))}
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

// syncFromRank0 gives every rank rank 0's state, before the first step of a run or a resume: the
// counters are the step, the data cursor and the Gumbel noise stream's bytes.
func (t *Trainer) syncFromRank0() error {
	noise, err := t.noise.MarshalBinary()
	if err != nil {
		return err
	}
	state := []int64{int64(t.Step), t.Opt.Steps, int64(t.Data.Epoch), int64(t.Data.Pos)}
	for _, b := range noise {
		state = append(state, int64(b))
	}
	if state, err = t.Group.SyncState(state, t.Opt.Tensors(), 0, t.Net.Device); err != nil {
		return fmt.Errorf("train %s: %w", t.Cfg.Stage, err)
	}
	for i := range noise {
		noise[i] = byte(state[4+i])
	}
	if err := t.noise.UnmarshalBinary(noise); err != nil {
		return fmt.Errorf("noise state from rank 0: %w", err)
	}
	t.Step, t.Opt.Steps = int(state[0]), state[1]
	t.Data.SetCursor(Cursor{Epoch: int(state[2]), Pos: int(state[3])})
	return nil
}

// reduce averages the accumulated gradients over ranks, and sums the measurements each rank
// weighted by its token share: mt's means, token count and code counts become the global batch's.
func (t *Trainer) reduce(mt *Metrics, counts []float64, nPos *float64) error {
	if t.size() == 1 {
		return nil
	}
	if err := optim.AllReduceGrads(t.Group, t.Params, dist.Avg); err != nil {
		return err
	}
	tokens := float64(mt.Tokens)
	xs := []*float64{&mt.Loss, &mt.CE, &mt.NegEnt, &mt.Acc, &mt.UsageKL, &tokens, nPos}
	for i := range counts {
		xs = append(xs, &counts[i])
	}
	if err := t.Group.SumFloat64s(t.Net.Device, xs...); err != nil {
		return err
	}
	mt.Tokens = int(tokens)
	return nil
}

// SetGroup makes the trainer one rank of g (nil: one process), before its first step.
func (t *Trainer) SetGroup(g *dist.Group) error {
	if err := g.CheckSplit(fmt.Sprintf("train %s: a batch", t.Cfg.Stage), t.Cfg.Batch, "sequences"); err != nil {
		return err
	}
	t.Group, t.synced = g, false
	return nil
}
