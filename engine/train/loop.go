package train

import (
	"context"
	"fmt"
	"runtime"
	"time"

	"colash/engine/dist"
	"colash/engine/run"
	"colash/model/cola"
	"colash/model/llama"
)

// Sequences cuts documents into the training sequences of stage st, seq tokens each: packed text
// for pretraining, stage 1 and BC (each sequence starting at a document when aligned, PackAligned),
// one padded prompt/response pair per sequence for FTA (pad: the pad token).
func Sequences(docs []Doc, st Stage, seq, pad int, aligned bool) []Seq {
	switch {
	case st == StageFTAI || st == StageFTAP:
		return Pad(docs, seq, pad)
	case aligned:
		return PackAligned(docs, seq)
	}
	return Pack(docs, seq)
}

// RunStage trains one stage of m on seqs in engine/run's loop: metrics.jsonl and checkpoints in
// o.Out, resumed as o.Resume says, with a progress bar showing the stage's figures. o.Name and
// o.Steps come from cfg.
func RunStage(ctx context.Context, m *cola.Model, seqs []Seq, cfg Config, o run.Options) error {
	return RunStageOn(ctx, nil, m, seqs, cfg, o)
}

// RunStageOn is RunStage on every rank of g (nil: one process), data-parallel (parallel.go).
// Every rank passes the same model, sequences, configuration and options; rank 0 alone writes
// o.Out and shows progress.
func RunStageOn(ctx context.Context, g *dist.Group, m *cola.Model, seqs []Seq, cfg Config, o run.Options) error {
	return runOn(ctx, g, seqs, cfg, o, func(data *Loader) (*Trainer, error) { return NewTrainer(m, data, cfg) })
}

// RunLMOn pretrains net (stage lm) on seqs, as RunStageOn runs a CoLA stage.
func RunLMOn(ctx context.Context, g *dist.Group, net *llama.Model, seqs []Seq, cfg Config, o run.Options) error {
	return runOn(ctx, g, seqs, cfg, o, func(data *Loader) (*Trainer, error) { return NewLMTrainer(net, data, cfg) })
}

// runOn builds the stage's trainer over the seeded data stream of seqs and runs it in run.Loop
// on every rank of g.
func runOn(ctx context.Context, g *dist.Group, seqs []Seq, cfg Config, o run.Options, build func(*Loader) (*Trainer, error)) error {
	if len(seqs) == 0 {
		return fmt.Errorf("train %s: no training sequences", cfg.Stage)
	}
	data, err := NewLoader(seqs, cfg.Seed)
	if err != nil {
		return err
	}
	tr, err := build(data)
	if err != nil {
		return err
	}
	defer tr.Free()
	if err := tr.SetGroup(g); err != nil {
		return err
	}
	o.Name, o.Steps, o.Group = string(cfg.Stage), cfg.Steps, g
	if o.Summary == nil {
		o.Summary = progressSummary(cfg, cfg.Batch*cfg.Accum*len(seqs[0].Tokens))
	}
	// libgomp keeps a team of OpenMP threads per calling OS thread: the steps keep theirs, so that
	// no new team starts while an old one still spins on the cores.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return run.Loop(ctx, tr, o)
}

// progressSummary shows the figures that tell whether a stage is going well, and its tokens/s.
func progressSummary(cfg Config, tokensPerStep int) func(any) string {
	start, first := time.Now(), -1
	return func(v any) string {
		mt := v.(Metrics)
		if first < 0 {
			first = mt.Step
		}
		rate := float64(tokensPerStep*(mt.Step-first+1)) / time.Since(start).Seconds()
		switch cfg.Stage {
		case StageIDM:
			return fmt.Sprintf("ce %.4f alive %d max %.3f %.0f tok/s", mt.CE, mt.Alive, mt.MaxFrac, rate)
		case StageBC:
			return fmt.Sprintf("acc %.3f %.0f tok/s", mt.Acc, rate)
		}
		return fmt.Sprintf("ce %.4f %.0f tok/s", mt.CE, rate)
	}
}

// ResizePolicy gives m a fresh policy of layers blocks (initialised from seed) when its policy has
// another depth, so that BC clones a policy of that size; layers <= 0 keeps the policy. A resumed
// run resizes again before loading its checkpoint, whose weights then take the fresh ones' place.
func ResizePolicy(m *cola.Model, layers int, seed uint64) error {
	if layers <= 0 || layers == len(m.PolicyLayers) {
		return nil
	}
	return m.NewPolicy(layers, seed)
}
