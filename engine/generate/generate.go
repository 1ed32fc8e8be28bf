package generate

import (
	"context"
	"fmt"
	"runtime"
)

// Session is a model decoding a batch of sequences step by step. Llama and CoLA both provide one.
type Session interface {
	// Prefill runs left-padded prompts, tokens [B*L] row-major with pad[b] padding slots in row b,
	// and returns next-token logits [B][V].
	Prefill(tokens []int64, B, L int, pad []int) ([][]float32, error)
	// Step feeds one token per sequence and returns the next logits [B][V].
	Step(tokens []int64) ([][]float32, error)
	// Close frees the session's caches.
	Close()
}

// A Compactor is a Session that can drop sequences from its batch: after Keep(rows), Step takes a
// token for each kept row, in that order, and gives their logits. Generate drops the sequences
// that have ended once they are a quarter of the batch.
type Compactor interface {
	Keep(rows []int) error
}

// Options control a generation.
type Options struct {
	MaxTokens int   // new tokens per sequence
	Stop      []int // tokens that end a sequence (kept in its output)
	Sampling
	// OnToken, if set, sees each new token as it is chosen, sequence by sequence.
	OnToken func(seq, token int)
}

// Generate continues each prompt with up to MaxTokens tokens and returns the new tokens of
// each sequence. A sequence ends at its first stop token; the batch ends when all have.
// Cancelling ctx stops between steps and returns what was generated with ctx's error.
func Generate(ctx context.Context, sess Session, prompts [][]int, opt Options) ([][]int, error) {
	// One OS thread for the whole loop: libgomp keeps a team of OpenMP threads per calling
	// thread, and a goroutine that moves between threads leaves teams spinning on the cores the
	// next op needs (docs/performance.md).
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	B := len(prompts)
	if B == 0 {
		return nil, nil
	}
	L := 0
	for i, p := range prompts {
		if len(p) == 0 {
			return nil, fmt.Errorf("generate: prompt %d is empty (it needs at least a BOS token)", i)
		}
		L = max(L, len(p))
	}
	tokens, pad := LeftPad(prompts, L)
	samplers := make([]*Sampler, B)
	for b := range samplers {
		samplers[b] = NewSampler(opt.Sampling, b)
	}
	stop := map[int]bool{}
	for _, s := range opt.Stop {
		stop[s] = true
	}
	out := make([][]int, B)
	done := make([]bool, B)
	if opt.MaxTokens <= 0 {
		return out, nil
	}
	logits, err := sess.Prefill(tokens, B, L, pad)
	next := make([]int64, B)
	rows := make([]int, B) // the sequence in each row of the session's batch
	for b := range rows {
		rows[b] = b
	}
	for step := 0; ; step++ {
		if err != nil {
			return out, err
		}
		live := 0
		for r, b := range rows {
			if done[b] {
				continue // keeps feeding its last token until it leaves the batch; the result is ignored
			}
			id := samplers[b].Sample(logits[r])
			out[b] = append(out[b], id)
			next[b] = int64(id)
			if opt.OnToken != nil {
				opt.OnToken(b, id)
			}
			if stop[id] || len(out[b]) >= opt.MaxTokens {
				done[b] = true
			} else {
				live++
			}
		}
		if live == 0 {
			return out, nil
		}
		if err := ctx.Err(); err != nil {
			return out, err
		}
		if c, ok := sess.(Compactor); ok {
			if keep := dropEnded(rows, done); keep != nil {
				if err := c.Keep(keep); err != nil {
					return out, err
				}
				rows = pick(rows, keep)
			}
		}
		logits, err = sess.Step(pick(next, rows))
	}
}

// Rows splits a [B,V] tensor's values into B slices.
func Rows(flat []float32, B int) [][]float32 {
	V := len(flat) / B
	rows := make([][]float32, B)
	for b := range rows {
		rows[b] = flat[b*V : (b+1)*V]
	}
	return rows
}

// LeftPad lays seqs out as a [B, T] row-major batch aligned at the right (pad id 0), T at least
// the longest sequence, and returns each row's padding.
func LeftPad(seqs [][]int, T int) ([]int64, []int) {
	ids := make([]int64, len(seqs)*T)
	pads := make([]int, len(seqs))
	for b, q := range seqs {
		pads[b] = T - len(q)
		for t, id := range q {
			ids[b*T+pads[b]+t] = int64(id)
		}
	}
	return ids, pads
}
