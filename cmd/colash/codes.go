package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"strings"

	api "colash/stdlib"
	"colash/stdlib/backend"
)

func init() {
	register("codes", "what each latent code of a CoLA means: how often the policy picks it, the tokens it makes, an example", runCodes).
		withUsage("colash codes [--model cola] [--prompts FILE] [--json]").
		withDoc("Runs the policy over the prompts (default: four story openings) and prints, for each code,\n"+
			"how often it is picked, the tokens the world model makes from it and an example: the table\n"+
			"the shell's m.CodeTable() shows. --model defaults to the shipped CoLA (cola).").
		withExample("colash codes", "colash codes --model cola --prompts prompts.txt --json > codes.json")
}

// runCodes prints the script API's CodeTable, so that the shell and this command show the same.
func runCodes(args []string) error {
	fs := newFlags("codes")
	var mf modelFlags
	mf.register(fs)
	promptFile := fs.String("prompts", "", "a file with one prompt per line (default: four story openings)")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	if err := fs.Parse(args); err != nil {
		return err
	}
	prompts, err := readPrompts(*promptFile)
	if err != nil {
		return err
	}
	if mf.path == "" {
		mf.path = "cola"
	}
	m, err := api.TryLoadWith(mf.path, api.LoadOpts{Device: mf.device, DType: mf.dtype, Threads: mf.threads, Tokenizer: mf.tokenizer})
	if err != nil {
		return err
	}
	defer m.Free()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	backend.SetContext(ctx)
	table, err := tryCodeTable(m, prompts)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(os.Stdout).Encode(table)
	}
	fmt.Println(table)
	return nil
}

// readPrompts reads one prompt per non-empty line ("": none, the defaults). A line that starts
// with a double quote is a JSON string, for prompts with newlines: "countdown 36 9 28 > 24\n".
func readPrompts(path string) ([]string, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, `"`) {
			if err := json.Unmarshal([]byte(line), &line); err != nil {
				return nil, fmt.Errorf("%s:%d: a prompt in quotes must be a JSON string: %w", path, n, err)
			}
		}
		if line != "" {
			out = append(out, line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--prompts %s: no prompts", path)
	}
	return out, nil
}

// tryCodeTable turns the script API's panic (an *api.Error) into an error.
func tryCodeTable(m *api.Model, prompts []string) (t api.CodeTable, err error) {
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(*api.Error)
			if !ok {
				panic(r)
			}
			err = e
		}
	}()
	return m.CodeTable(prompts...), nil
}
