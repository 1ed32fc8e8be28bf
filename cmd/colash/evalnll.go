package main

import (
	"flag"
	"fmt"

	"colash/engine/train"
	"colash/model/checkpoint"
	"colash/model/tokenizer"
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
	seq, maxSeqs := train.DefaultReport.Seq, train.DefaultReport.MaxSeqs
	held := registerHeldOut(fs, &seq, &maxSeqs)
	jsonOut := fs.String("json", "", "also write {nll, tokens} as JSON to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *held.data == "" {
		return fmt.Errorf("eval nll: --data is required")
	}
	m, err := mf.load()
	if err != nil {
		return err
	}
	defer m.Free()
	docs, err := held.read(m.Tok)
	if err != nil {
		return err
	}
	nll, n, err := train.NLL(m.Llama, docs, seq, maxSeqs)
	if err != nil {
		return err
	}
	fmt.Printf("%s: NLL %.4f nats per token over %d tokens of %s\n", m.Path, nll, n, *held.data)
	if *jsonOut != "" {
		return checkpoint.WriteJSON(*jsonOut, map[string]any{"model": m.Path, "data": *held.data, "nll": nll, "tokens": n})
	}
	return nil
}

// heldOut is the held-out text of train report and eval nll: the file and its JSONL field.
type heldOut struct{ data, field *string }

// registerHeldOut declares the held-out flags both commands take: --data and --field, and how
// the text is packed, --seq and --max-seqs into seq and maxSeqs (their defaults as given).
func registerHeldOut(fs *flag.FlagSet, seq, maxSeqs *int) heldOut {
	h := heldOut{data: fs.String("data", "", "held-out data: JSONL or plain text (required)"),
		field: fs.String("field", "text", "JSONL text field")}
	fs.IntVar(seq, "seq", *seq, "tokens per teacher-forced sequence")
	fs.IntVar(maxSeqs, "max-seqs", *maxSeqs, "at most this many sequences (0: all)")
	return h
}

// read is the held-out documents, tokenized with tok.
func (h heldOut) read(tok tokenizer.Tokenizer) ([]train.Doc, error) {
	return train.ReadDocs(*h.data, tok, train.DataConfig{Field: *h.field})
}
