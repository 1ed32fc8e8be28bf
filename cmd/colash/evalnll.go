package main

import (
	"fmt"

	"colash/engine/train"
	"colash/model/checkpoint"
)

func init() {
	register("eval nll", "a model's next-token NLL on held-out text (nats per token): what a fine-tune kept of the backbone", evalNLL).
		withUsage("colash eval nll --model M --data FILE [--seq 128] [--max-seqs 256] [--json FILE]").
		withDoc("The documents of FILE (JSONL, or plain text in blank-line separated blocks) are packed\n" +
			"into --seq-token sequences as colash train report packs them, and the model's Llama (a\n" +
			"CoLA's backbone) scores every next token; the report's backbone NLL is the same number.").
		withExample("colash eval nll --model runs/token/model --data heldout.jsonl")
}

func evalNLL(args []string) error {
	fs := newFlags("eval nll")
	var mf modelFlags
	mf.register(fs)
	data := fs.String("data", "", "held-out data: JSONL or plain text (required)")
	field := fs.String("field", "text", "JSONL text field")
	seq := fs.Int("seq", train.DefaultReport.Seq, "tokens per sequence")
	maxSeqs := fs.Int("max-seqs", train.DefaultReport.MaxSeqs, "at most this many sequences (0: all)")
	jsonOut := fs.String("json", "", "also write {nll, tokens} as JSON to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *data == "" {
		return fmt.Errorf("eval nll: --data is required")
	}
	m, err := mf.load()
	if err != nil {
		return err
	}
	defer m.Free()
	docs, err := train.ReadDocs(*data, m.Tok, train.DataConfig{Field: *field})
	if err != nil {
		return err
	}
	nll, n, err := train.NLL(m.Llama, docs, *seq, *maxSeqs)
	if err != nil {
		return err
	}
	fmt.Printf("%s: NLL %.4f nats per token over %d tokens of %s\n", m.Path, nll, n, *data)
	if *jsonOut != "" {
		return checkpoint.WriteJSON(*jsonOut, map[string]any{"model": m.Path, "data": *data, "nll": nll, "tokens": n})
	}
	return nil
}
