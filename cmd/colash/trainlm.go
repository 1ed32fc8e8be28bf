package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"

	"colash/engine/dist"
	"colash/engine/run"
	"colash/engine/train"
	"colash/model/tensor"
)

func init() {
	register("train lm", "pretrain a plain Llama from scratch on next-token cross-entropy", runTrainLM).
		withUsage("colash train lm --config config.json --tokenizer tokenizer.json --data FILE --out DIR [flags]").
		withDoc(`The shape comes from a Hugging Face config.json (hidden_size, intermediate_size,
num_hidden_layers, num_attention_heads, num_key_value_heads, max_position_embeddings,
rope_theta; vocab_size is the tokenizer's), weights are drawn from --init-seed, and every weight
trains on next-token cross-entropy over packed --seq-token sequences. --out receives a Hugging
Face folder every command loads (config.json, model.safetensors, tokenizer.json), metrics.jsonl
and checkpoint/; --resume continues exactly. Under colash launch or torchrun it runs
data-parallel.`).
		withExample("colash tokenizer train --vocab 258 --data train.jsonl --out tok",
			"colash train lm --config recipes/testbed/testbed-config.json --tokenizer tok/tokenizer.json \\",
			"    --data train.jsonl --out lm --steps 3000 --batch 32 --seq 384")
}

func runTrainLM(args []string) error {
	def := train.Defaults(train.StageLM)
	fs := newFlags("train lm")
	config := fs.String("config", "", "config.json of the model's shape (required)")
	tokPath := fs.String("tokenizer", "", "tokenizer.json (colash tokenizer train) or another tokenizer file (required)")
	data := fs.String("data", "", "training text: JSONL (--field) or plain text (required)")
	out := fs.String("out", "", "output folder (required)")
	field := fs.String("field", "text", "JSONL text field")
	seq := fs.Int("seq", 256, "tokens per packed sequence (at most max_position_embeddings)")
	align := fs.Bool("align-docs", false, alignDocsUsage)
	cfg := def
	fs.IntVar(&cfg.Steps, "steps", def.Steps, "optimiser updates")
	fs.IntVar(&cfg.Batch, "batch", def.Batch, "sequences per micro-batch")
	fs.IntVar(&cfg.Accum, "accum", def.Accum, "micro-batches per update")
	fs.Float64Var(&cfg.LR, "lr", def.LR, "peak learning rate")
	fs.Float64Var(&cfg.MinLR, "min-lr", def.MinLR, "learning-rate floor of the cosine decay")
	fs.IntVar(&cfg.Warmup, "warmup", def.Warmup, "linear warmup updates")
	fs.Float64Var(&cfg.WeightDecay, "wd", def.WeightDecay, "AdamW weight decay (norm weights have none)")
	fs.Float64Var(&cfg.Beta2, "beta2", def.Beta2, "AdamW beta2")
	fs.Float64Var(&cfg.Clip, "clip", def.Clip, "gradient-norm clip (0: none)")
	fs.Uint64Var(&cfg.Seed, "seed", 0, "seed of the data order")
	initSeed := fs.Uint64("init-seed", 0, "seed of the initial weights")
	from := fs.String("from", "", "continue from this Llama folder instead of fresh weights (same shape; e.g. on longer --seq)")
	device := fs.String("device", "cpu", "cpu, cuda, cuda:N or auto")
	threads := fs.Int("threads", 0, "CPU threads for libtorch (0: one per core)")
	saveEvery := fs.Int("save-every", 200, "checkpoint every N updates (and at the end)")
	resume := fs.Bool("resume", false, "continue from OUT/checkpoint")
	stopAt := fs.Int("stop-at", 0, "stop after this update with a checkpoint (0: run to --steps)")
	var sf saveFlags
	sf.register(fs, false)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *config == "" || *tokPath == "" || *data == "" || *out == "" {
		return fmt.Errorf("--config, --tokenizer, --data and --out are required (colash train lm -h)")
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	so, err := sf.options()
	if err != nil {
		return err
	}
	tensor.SetThreads(*threads)
	dev, err := tensor.ParseDevice(*device)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	g, err := dist.FromEnv(dist.DefaultTimeout)
	if err != nil {
		return err
	}
	defer g.Close()
	o := run.Options{Out: *out, SaveEvery: *saveEvery, Resume: resumeMode(*resume), StopAt: *stopAt, Progress: os.Stderr}
	setup := train.LMSetup{Shape: *config, Tokenizer: *tokPath, Data: *data, Field: *field, Seq: *seq, AlignDocs: *align, InitSeed: *initSeed, From: *from, Device: dev}
	m, err := train.Pretrain(ctx, g, setup, cfg, o)
	if err != nil {
		return err
	}
	defer m.Free()
	if *stopAt > 0 && *stopAt < cfg.Steps {
		fmt.Fprintf(os.Stderr, "stopped at update %d: continue with --resume\n", *stopAt)
		return nil
	}
	return saveOnRank0(g, m, *out, so)
}

// alignDocsUsage is the --align-docs flag of colash train lm and the CoLA stages alike.
const alignDocsUsage = "start every packed sequence at a document (a document cut by the sequence's end starts the next one again), so every token sees its document from the start"
