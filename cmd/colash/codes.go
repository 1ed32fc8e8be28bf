package main

import (
	"encoding/json"
	"fmt"
	"os"

	"colash/engine/job"
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
	prompts, err := job.ReadLines(*promptFile)
	if err != nil {
		return err
	}
	if mf.path == "" {
		mf.path = "cola"
	}
	m, err := api.TryLoadWith(mf.path, api.LoadOpts{Device: mf.device, DType: mf.dtype, Threads: mf.threads, Tokenizer: mf.tokenizer, NoMmap: mf.noMmap})
	if err != nil {
		return err
	}
	defer m.Free()
	ctx, stop := stopContext()
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
