package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"colash/engine/train"
	"colash/model/tokenizer"
)

func init() {
	register("tokenizer", "train a byte-level BPE tokenizer (digits kept single) and write it as tokenizer.json", runTokenizer).
		asGroup().
		withExample("colash tokenizer train --vocab 258 --data train.jsonl --out tok")
	register("tokenizer train", "learn a byte-level BPE vocabulary from documents and write DIR/tokenizer.json", nil).
		withUsage("colash tokenizer train --vocab N --data FILE --out DIR [--field text]").
		withDoc(`Learns a byte-level BPE vocabulary of N ids from the documents of FILE (JSONL --field, or plain
text in blank-line separated blocks) and writes DIR/tokenizer.json, which colash train lm and
every model folder load. Ids: the 256 bytes, N-258 merges, <|begin_of_text|>, <|end_of_text|>.
No merge takes a digit, so numbers are read digit by digit. --vocab 258 is a byte-level
(character) tokenizer with no merges.`).
		withExample("colash tokenizer train --vocab 258 --data train.jsonl --out tok")
}

func runTokenizer(args []string) error {
	if len(args) == 0 || args[0] != "train" {
		return fmt.Errorf("unknown subcommand %q (colash tokenizer --help)", strings.Join(args, " "))
	}
	fs := newFlags("tokenizer train")
	vocab := fs.Int("vocab", 258, "vocabulary size: 256 bytes + merges + 2 special tokens")
	data := fs.String("data", "", "training text: JSONL or plain text (required)")
	field := fs.String("field", "text", "JSONL text field")
	out := fs.String("out", "", "output folder (required)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *data == "" || *out == "" {
		return fmt.Errorf("--data and --out are required (colash tokenizer train -h)")
	}
	texts, err := train.ReadTexts(*data, *field)
	if err != nil {
		return err
	}
	tok, merges, err := tokenizer.TrainBPE(texts, *vocab)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	path := filepath.Join(*out, "tokenizer.json")
	if err := tokenizer.WriteHFJSON(path, tok, merges); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %s: %d tokens (%d merges) from %d documents\n", path, tok.VocabSize(), len(merges), len(texts))
	return nil
}
