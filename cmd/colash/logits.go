package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"colash/engine/inspect"
	"colash/model/tokenizer"
)

func init() {
	register("logits", "print a text's token ids and logits as JSON (with IDM codes, policy and world-model logits for CoLA)", runLogits).
		withUsage("colash logits [--model M] --text TEXT [--codes C1,C2,...]").
		withExample("colash logits --text \"Once upon a time\"", "colash logits --model cola --text \"Once upon a time\" --codes 3,17,17,5,9")
}

func runLogits(args []string) error {
	fs := newFlags("logits")
	var mf modelFlags
	mf.register(fs)
	text := fs.String("text", "", "text to run (BOS is prepended)")
	codesFlag := fs.String("codes", "", "CoLA: comma-separated code per position driving the world model (the code at position t produces token t+1); default: the IDM's codes")
	if err := fs.Parse(args); err != nil {
		return err
	}
	m, err := mf.load()
	if err != nil {
		return err
	}
	defer m.Free()
	var codes []int
	if *codesFlag != "" {
		if m.CoLA == nil {
			return fmt.Errorf("--codes needs a CoLA model; %s is a plain Llama", m.Path)
		}
		for _, f := range strings.Split(*codesFlag, ",") {
			k, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil {
				return fmt.Errorf("--codes: %q is not a number", f)
			}
			codes = append(codes, k)
		}
	}
	ids := m.Tok.Encode(*text, tokenizer.EncodeOptions{BOS: true})
	out, err := inspect.Text(m, ids, codes, inspect.All)
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(out)
}
