package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"colash/engine/dist"
	"colash/engine/run"
	"colash/engine/train"
	"colash/model/checkpoint"
	"colash/model/cola"
	"colash/model/llama"
	"colash/models"
)

func init() {
	register("train", "train CoLA: stage1 (IDM + world model), bc (policy), fta-i / fta-p (backbone); report; lm (a Llama from scratch)", runTrain).
		asGroup().
		withUsage("colash train STAGE --model M --data FILE --out DIR [flags]",
			"colash train report --model DIR --data FILE [flags]").
		withDoc(trainOut).
		withExample("colash sample --tokens 200000 --out text.jsonl",
			"colash train stage1 --model stories260K --data text.jsonl --out s1 --steps 200 --usage 0.1",
			"colash train bc --model s1 --data text.jsonl --out bc --steps 200",
			"colash train report --model bc --data heldout.jsonl --reference stories260K")
	stage := func(name, summary, doc, example string) {
		register("train "+name, summary, nil).
			withUsage("colash train " + name + " --model M --data FILE --out DIR [flags]").
			withDoc(doc + "\n\n" + trainOut).
			withExample(example)
	}
	stage("stage1", `stage 1a: IDM, codebook and world-model merge MLPs ("action" weights); backbone frozen`,
		"--model may be a plain Llama, wrapped in fresh CoLA modules sized by --codes, --action-layers,\n"+
			"--dyna-layers and --policy-layers (defaults 64 / 2 / 2 / 2: smaller than init-cola's, which\n"+
			"are the released model's 64 / 4 / 2 / 8), or a CoLA folder.",
		"colash train stage1 --model stories260K --data text.jsonl --out s1 --steps 4000 --batch 16 --lr 3e-3 --min-lr 3e-4 --usage 0.1")
	stage("bc", "stage 1b: the policy cloned onto the IDM's argmax codes; everything else frozen",
		"--model is a CoLA (the output of stage1). --policy-layers N first replaces the policy with a\n"+
			"fresh one of N blocks.",
		"colash train bc --model s1 --data text.jsonl --out bc --steps 4000 --batch 16 --lr 3e-3 --min-lr 3e-4 --policy-layers 6")
	stage("fta-i", "fine-tuning under IDM action guidance: the backbone on response tokens, codes read by the IDM",
		"--data is prompt/response JSONL (--prompt-field, --response-field, --template); the prompt is\n"+
			"masked from the loss. --bc-steps N re-clones the policy afterwards (into OUT/bc).",
		"colash train fta-i --model bc --data pairs.jsonl --out ftai --steps 500 --lr 3e-5 --bc-steps 500")
	stage("fta-p", "fine-tuning under policy action guidance: codes from the frozen policy, gradient through -h only",
		"--data is prompt/response JSONL, as for fta-i. The backbone's gradient is exactly that of\n"+
			"-lm_head(h) (docs/training.md).",
		"colash train fta-p --model bc --data pairs.jsonl --out ftap --steps 500 --lr 1e-4")
	register("train report", "held-out measurements of a trained CoLA (a markdown table; docs/training.md)", runTrainReport).
		withUsage("colash train report --model DIR --data FILE [--reference BACKBONE] [--json FILE] [flags]").
		withDoc("Fluency (the reference's NLL of the CoLA's own text against the backbone's), diversity,\n" +
			"code usage, BC accuracy, world-model NLL and the IDM-codes reproduction test.").
		withExample("colash train report --model cola --data heldout.jsonl --reference stories260K")
}

// trainOut says what every training stage writes, and in which dtype it trains.
const trainOut = `--out receives the model (Hugging Face CoLA layout), metrics.jsonl (one line per update) and
checkpoint/ (weights, optimiser, schedule, data cursor and noise state); --resume continues
from OUT/checkpoint exactly. --dtype bf16 trains in bf16 throughout (weights and AdamW moments,
no float32 master copy): it runs, but every figure in docs/training.md was measured in f32.`

func runTrain(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("which stage? (colash train --help)")
	}
	switch args[0] {
	case "report":
		return runTrainReport(args[1:])
	case "lm":
		return runTrainLM(args[1:])
	}
	stage := train.Stage(args[0])
	if commands["train "+args[0]] == nil || stage == train.StageLM {
		return fmt.Errorf("unknown stage %q (colash train --help lists them)", args[0])
	}
	def := train.Defaults(stage)
	fs := newFlags("train " + args[0])
	var mf modelFlags // --model (required): a CoLA folder, or (stage1) a Llama checkpoint
	mf.register(fs)
	data := fs.String("data", "", "training data: JSONL or plain text (required)")
	out := fs.String("out", "", "output folder (required)")
	field := fs.String("field", "text", "JSONL text field")
	promptField := fs.String("prompt-field", "prompt", "JSONL prompt field (fta)")
	respField := fs.String("response-field", "response", "JSONL response field (fta)")
	template := fs.String("template", "User: %s\nAssistant: ", "prompt template (fta; %s is the prompt)")
	steps := fs.Int("steps", def.Steps, "optimiser updates")
	batch := fs.Int("batch", def.Batch, "sequences per micro-batch")
	seq := fs.Int("seq", 128, "tokens per sequence")
	align := fs.Bool("align-docs", false, alignDocsUsage)
	accum := fs.Int("accum", def.Accum, "micro-batches per update (gradient accumulation)")
	lr := fs.Float64("lr", def.LR, "peak learning rate")
	minLR := fs.Float64("min-lr", def.MinLR, "learning-rate floor of the cosine decay")
	warmup := fs.Int("warmup", def.Warmup, "linear warmup updates")
	wd := fs.Float64("wd", def.WeightDecay, "AdamW weight decay (the codebook has none)")
	beta2 := fs.Float64("beta2", def.Beta2, "AdamW beta2")
	clip := fs.Float64("clip", def.Clip, "gradient-norm clip (0: none)")
	tau := fs.Float64("tau", def.Tau, "Gumbel-softmax temperature (stage1)")
	ent := fs.Float64("entropy", def.EntropyCoef, "weight of the negative-entropy term (stage1)")
	usage := fs.Float64("usage", def.UsageCoef, "weight of KL(batch code usage || uniform) (stage1; 0: off, as in the paper)")
	bcLoss := fs.String("bc-loss", "codes", "bc: fit the IDM's argmax codes (codes, the paper's) or the data's tokens through the world model (marginal)")
	seed := fs.Uint64("seed", 0, "seed of the data order and Gumbel noise")
	initSeed := fs.Uint64("init-seed", 0, "seed of fresh CoLA modules (stage1 from a Llama)")
	codes := fs.Int("codes", 64, "latent codes (stage1 from a Llama)")
	aL := fs.Int("action-layers", 2, "IDM blocks (stage1 from a Llama)")
	minusH := fs.Bool("wm-minus-h", true, "the world model outputs norm(s) - h, as the released code does; false: norm(s) (stage1 from a Llama)")
	dL := fs.Int("dyna-layers", 2, "merge MLPs (stage1 from a Llama)")
	pL := fs.Int("policy-layers", 0, "policy blocks: of new modules (stage1 from a Llama; 0: 2), or of a fresh policy that bc clones (0: keep the model's)")
	bcSteps := fs.Int("bc-steps", 0, "fta-i: policy re-cloning updates after the backbone (0: none)")
	saveEvery := fs.Int("save-every", 200, "checkpoint every N updates (and at the end)")
	resume := fs.Bool("resume", false, "continue from OUT/checkpoint")
	stopAt := fs.Int("stop-at", 0, "stop after this update with a checkpoint (continue later with --resume; 0: run to --steps)")
	var sf saveFlags
	sf.register(fs, false)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if mf.path == "" || *data == "" || *out == "" {
		return fmt.Errorf("--model, --data and --out are required (colash train -h)")
	}
	cfg := def
	cfg.Steps, cfg.Batch, cfg.Accum, cfg.LR, cfg.MinLR, cfg.Warmup = *steps, *batch, *accum, *lr, *minLR, *warmup
	cfg.WeightDecay, cfg.Beta2, cfg.Clip, cfg.Tau, cfg.EntropyCoef, cfg.Seed = *wd, *beta2, *clip, *tau, *ent, *seed
	cfg.UsageCoef, cfg.BCLoss = *usage, train.BCLoss(*bcLoss)
	if err := cfg.Validate(); err != nil {
		return err
	}
	so, err := sf.options()
	if err != nil {
		return err
	}
	model, opt, err := mf.options() // optimiser moments follow the weights' dtype
	if err != nil {
		return err
	}
	var wrap *cola.Modules // stage 1 may start from a plain Llama; later stages need its CoLA
	if stage == train.StageIDM {
		wrap = &cola.Modules{Codes: *codes, ActionLayers: *aL, DynaLayers: *dL, PolicyLayers: cmp.Or(*pL, 2), NoMinusH: !*minusH}
	}
	m, err := checkpoint.OpenCoLA(model, opt, wrap, *initSeed)
	if err != nil {
		if wrap == nil {
			err = fmt.Errorf("%w (stage %s needs a CoLA; run stage1 first)", err, stage)
		}
		return err
	}
	defer m.Free()
	fmt.Fprintf(os.Stderr, "model %s: %s\n", model, m)
	dcfg := train.DataConfig{Field: *field}
	fta := stage == train.StageFTAI || stage == train.StageFTAP
	if fta {
		dcfg.PromptField, dcfg.ResponseField, dcfg.Template = *promptField, *respField, *template
	}
	docs, err := train.ReadDocs(*data, m.Tok, dcfg)
	if err != nil {
		return err
	}
	seqs := train.Sequences(docs, stage, *seq, max(m.Tok.EOS(), 0), *align)
	if stage == train.StageBC {
		if err := train.ResizePolicy(m.CoLA, *pL, *initSeed); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "data %s: %d documents, %d sequences of %d tokens\n", *data, len(docs), len(seqs), *seq)
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	g, err := dist.FromEnv(dist.DefaultTimeout) // under colash launch or torchrun: one rank of a data-parallel job
	if err != nil {
		return err
	}
	defer g.Close()
	o := run.Options{Out: *out, SaveEvery: *saveEvery, Resume: resumeMode(*resume), StopAt: *stopAt, Progress: os.Stderr}
	if err := train.RunStageOn(ctx, g, m.CoLA, seqs, cfg, o); err != nil {
		return err
	}
	if *stopAt > 0 && *stopAt < cfg.Steps {
		fmt.Fprintf(os.Stderr, "stopped at update %d: continue with --resume\n", *stopAt)
		return nil
	}
	if stage == train.StageFTAI && *bcSteps > 0 {
		bc := cfg
		bc.Stage, bc.Steps, bc.LR, bc.MinLR, bc.WeightDecay = train.StageBC, *bcSteps, *lr, *minLR, *wd
		bc.Warmup = min(bc.Warmup, *bcSteps/10)
		fmt.Fprintf(os.Stderr, "fta-i: re-cloning the policy (%d updates)\n", *bcSteps)
		o.Out, o.StopAt = filepath.Join(*out, "bc"), 0
		if err := train.RunStageOn(ctx, g, m.CoLA, seqs, bc, o); err != nil {
			return err
		}
	}
	return saveOnRank0(g, m, *out, so)
}

// saveOnRank0 writes a trained model to out on rank 0 of g (every rank holds the same weights).
func saveOnRank0(g *dist.Group, m *checkpoint.Model, out string, so checkpoint.SaveOptions) error {
	if g.Rank() > 0 {
		return nil
	}
	if err := m.Save(out, so); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %s\n", out)
	return nil
}

func runTrainReport(args []string) error {
	fs := newFlags("train report")
	d := train.DefaultReport
	var mf modelFlags // --model (required): a trained CoLA folder
	mf.register(fs)
	data := fs.String("data", "", "held-out data: JSONL or plain text (required)")
	field := fs.String("field", "text", "JSONL text field")
	fs.IntVar(&d.Seq, "seq", d.Seq, "tokens per teacher-forced sequence")
	fs.IntVar(&d.MaxSeqs, "max-seqs", d.MaxSeqs, "at most this many sequences (0: all)")
	fs.IntVar(&d.Prompts, "prompts", d.Prompts, "diversity: prompts")
	fs.IntVar(&d.Cont, "cont", d.Cont, "diversity: continuations per prompt")
	fs.IntVar(&d.PromptLen, "prompt-len", d.PromptLen, "diversity: prompt tokens (BOS included)")
	fs.IntVar(&d.GenLen, "gen-len", d.GenLen, "diversity: new tokens per continuation")
	fs.IntVar(&d.Repro, "repro", d.Repro, "texts for the IDM-codes reproduction test")
	fs.Uint64Var(&d.Seed, "seed", d.Seed, "sampling seed")
	reference := fs.String("reference", "", "the original backbone that scores sampled text (default: the CoLA's own; give it after FTA)")
	fs.IntVar(&d.Fluency.PerPrompt, "fluency-samples", d.Fluency.PerPrompt, "fluency: continuations per prompt")
	fluencyPrompts := fs.String("fluency-prompts", "", "fluency: a file of prompts, one per line, a JSON string where it has newlines (default: story openings)")
	fs.IntVar(&d.Fluency.Tokens, "fluency-tokens", d.Fluency.Tokens, "fluency: new tokens per continuation")
	jsonOut := fs.String("json", "", "also write the report as JSON to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if mf.path == "" || *data == "" {
		return fmt.Errorf("--model and --data are required")
	}
	if prompts, err := readPrompts(*fluencyPrompts); err != nil {
		return err
	} else if prompts != nil {
		d.Fluency.Prompts = prompts
	}
	model, opt, err := mf.options()
	if err != nil {
		return err
	}
	m, err := checkpoint.OpenCoLA(model, opt, nil, 0)
	if err != nil {
		return err
	}
	defer m.Free()
	docs, err := train.ReadDocs(*data, m.Tok, train.DataConfig{Field: *field})
	if err != nil {
		return err
	}
	var ref *llama.Model
	if *reference != "" {
		path, err := models.Resolve(*reference)
		if err != nil {
			return err
		}
		r, err := checkpoint.Open(path, opt)
		if err != nil {
			return fmt.Errorf("--reference: %w", err)
		}
		defer r.Free()
		ref = r.Llama
	}
	start := time.Now()
	r, err := train.Evaluate(m.CoLA, ref, m.Tok, docs, d)
	if err != nil {
		return err
	}
	fmt.Printf("Model %s (%s), data %s.\n\n%s", model, m, *data, r.Markdown())
	fmt.Fprintf(os.Stderr, "report in %s\n", time.Since(start).Round(time.Second))
	if *jsonOut != "" {
		b, _ := json.MarshalIndent(r, "", "  ")
		return os.WriteFile(*jsonOut, append(b, '\n'), 0o644)
	}
	return nil
}
