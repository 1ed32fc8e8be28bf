package main

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"colash/engine/job"
	"colash/engine/train"
	"colash/model/checkpoint"
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
	if args[0] == "report" {
		return runTrainReport(args[1:])
	}
	stage := train.Stage(args[0])
	if commands["train "+args[0]] == nil {
		return fmt.Errorf("unknown stage %q (colash train --help lists them)", args[0])
	}
	j := train.NewJob(stage)
	var a jobArgs
	if err := a.flags("train "+args[0], j).Parse(args[1:]); err != nil {
		return err
	}
	rule := modelRequired
	if stage == train.StageLM {
		rule = modelNone
	}
	return a.run("train "+args[0], j, rule)
}

func runTrainReport(args []string) error {
	fs := newFlags("train report")
	d := train.DefaultReport
	var mf modelFlags // --model (required): a trained CoLA folder
	mf.register(fs)
	held := registerHeldOut(fs, &d.Seq, &d.MaxSeqs)
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
	if mf.path == "" || *held.data == "" {
		return fmt.Errorf("--model and --data are required")
	}
	if prompts, err := job.ReadLines(*fluencyPrompts); err != nil {
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
	docs, err := held.read(m.Tok)
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
	fmt.Printf("Model %s (%s), data %s.\n\n%s", model, m, *held.data, r.Markdown())
	fmt.Fprintf(os.Stderr, "report in %s\n", time.Since(start).Round(time.Second))
	if *jsonOut != "" {
		b, _ := json.MarshalIndent(r, "", "  ")
		return os.WriteFile(*jsonOut, append(b, '\n'), 0o644)
	}
	return nil
}
