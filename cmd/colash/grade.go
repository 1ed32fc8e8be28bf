package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"colash/engine/eval"
)

func init() {
	register("grade", "grade JSONL answers against gold answers (PRM800K's grader, or --mode strict)", runGrade).
		withUsage(gradeUsage).
		withDoc("Each input line is a JSON object with a given and a gold answer; every field is written back\n"+
			"in order with \"correct\": true|false set, and a summary goes to stderr (docs/grading.md).").
		withExample("colash grade answers.jsonl > graded.jsonl",
			"colash grade --mode strict --given-field answer --gold-field ref --in answers.jsonl --out graded.jsonl")
}

const gradeUsage = "colash grade [--mode prm800k|strict] [--in FILE | FILE] [--out FILE] [--given-field given] [--gold-field gold]"

// runGrade reads JSONL lines {"given": ..., "gold": ...} and writes each back,
// every field kept in order, with "correct": true|false set.
func runGrade(args []string) error {
	fs := newFlags("grade")
	mode := fs.String("mode", "prm800k", "prm800k: OpenAI's PRM800K grader, quirks included (as eval and RL grade); strict: sound equivalence only")
	in := fs.String("in", "", "JSONL input (default: the positional FILE, else stdin)")
	out := fs.String("out", "", "JSONL output (default stdout)")
	givenField := fs.String("given-field", "given", "field holding the answer to grade")
	goldField := fs.String("gold-field", "gold", "field holding the gold answer")
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:] // flags may follow the file
	}
	m, err := eval.ParseMode(*mode)
	if err != nil {
		return err
	}
	switch {
	case len(positional) > 1:
		return fmt.Errorf("one input file at most, got %q\nusage: %s", positional, gradeUsage)
	case len(positional) == 1 && *in != "" && *in != positional[0]:
		return fmt.Errorf("two inputs: --in %s and %s", *in, positional[0])
	case len(positional) == 1:
		*in = positional[0]
	}
	r, err := fileOr(*in, os.Stdin, os.Open)
	if err != nil {
		return err
	}
	defer r.Close()
	w, err := fileOr(*out, os.Stdout, os.Create)
	if err != nil {
		return err
	}
	g := grader{mode: m, given: *givenField, gold: *goldField}
	err = g.run(r, w)
	if w != os.Stdout {
		err = errors.Join(err, w.Close())
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "colash grade: %d answers, %d correct (%.2f%%), mode %v\n", g.n, g.correct,
		100*float64(g.correct)/float64(max(g.n, 1)), m)
	return nil
}

// fileOr opens the named file, or is std for "" and "-".
func fileOr(name string, std *os.File, open func(string) (*os.File, error)) (*os.File, error) {
	if name == "" || name == "-" {
		return std, nil
	}
	return open(name)
}

type grader struct {
	mode        eval.Mode
	given, gold string
	n, correct  int
}

func (g *grader) run(r io.Reader, w io.Writer) error {
	br := bufio.NewReaderSize(r, 1<<16)
	bw := bufio.NewWriter(w)
	for lineNo := 1; ; lineNo++ {
		line, readErr := br.ReadBytes('\n')
		if readErr != nil && readErr != io.EOF {
			return readErr
		}
		if len(bytes.TrimSpace(line)) > 0 {
			graded, err := g.line(line)
			if err != nil {
				return fmt.Errorf("line %d: %w", lineNo, err)
			}
			if _, err := bw.Write(append(graded, '\n')); err != nil {
				return err
			}
		}
		if readErr == io.EOF {
			break
		}
	}
	return bw.Flush()
}

// field is one member of a JSON object, its value kept as written.
type field struct {
	key   string
	value json.RawMessage
}

// line grades one JSONL line and returns it with "correct" set.
func (g *grader) line(line []byte) ([]byte, error) {
	fields, err := decodeObject(line)
	if err != nil {
		return nil, err
	}
	given, present, err := answerField(fields, g.given)
	if err != nil {
		return nil, err
	}
	gold, goldPresent, err := answerField(fields, g.gold)
	if err != nil {
		return nil, err
	}
	if !goldPresent {
		return nil, fmt.Errorf("no %q field", g.gold)
	}
	ok := present && eval.Grade(given, gold, g.mode)
	g.n++
	if ok {
		g.correct++
	}
	verdict := json.RawMessage(fmt.Sprint(ok))
	set := false
	for i := range fields {
		if fields[i].key == "correct" {
			fields[i].value, set = verdict, true
		}
	}
	if !set {
		fields = append(fields, field{"correct", verdict})
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(',')
		}
		key, _ := json.Marshal(f.key)
		b.Write(key)
		b.WriteByte(':')
		if err := json.Compact(&b, f.value); err != nil {
			return nil, err
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// decodeObject reads one JSON object, its members in order.
func decodeObject(line []byte) ([]field, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	var fields []field
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("bad JSON: %w", err)
		}
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil, fmt.Errorf("bad JSON: %w", err)
		}
		fields = append(fields, field{tok.(string), value})
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("bad JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("more than one JSON value on the line")
	}
	return fields, nil
}

// answerField reads a string field, or a number as written; present is false
// when the field is missing or null (a given answer that is absent is wrong).
func answerField(fields []field, key string) (value string, present bool, err error) {
	var raw json.RawMessage
	for _, f := range fields {
		if f.key == key {
			raw = f.value
		}
	}
	if raw == nil || string(raw) == "null" {
		return "", false, nil
	}
	if err := json.Unmarshal(raw, &value); err == nil {
		return value, true, nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		return strings.TrimSpace(string(raw)), true, nil
	}
	return "", false, fmt.Errorf("field %q is %s, not a string or number", key, raw)
}
