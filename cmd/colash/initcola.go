package main

import (
	"fmt"
	"os"

	"github.com/sugarme/gotch"

	"colash/model/checkpoint"
	"colash/model/cola"
	"colash/model/tensor"
)

func init() {
	register("init-cola", "wrap a Llama checkpoint in fresh CoLA modules (IDM, codebook, world model, policy) and save it", runInitCoLA).
		withUsage("colash init-cola --backbone M --out DIR [--codes 64] [--action-layers 4] [--dyna-layers 2] [--policy-layers 8] [--seed S]").
		withDoc("The new modules' sizes default to the released CoLA's (64 codes, 4 IDM blocks, 2 merge MLPs,\n"+
			"8 policy blocks); colash train stage1, which can wrap a plain Llama itself, defaults to smaller\n"+
			"ones (64 / 2 / 2 / 2). The model is built on the CPU in float32, whatever it is saved as\n"+
			"(--save-dtype): this command takes no --device or --dtype.").
		withExample("colash init-cola --backbone models/stories260K --out cola-fresh --seed 3",
			"colash init-cola --backbone models/stories260K --out small --codes 8 --action-layers 1 --dyna-layers 1 --policy-layers 1")
}

func runInitCoLA(args []string) error {
	fs := newFlags("init-cola")
	backbone := fs.String("backbone", "", "Llama checkpoint: a Hugging Face folder or a llama2.c .bin file (required)")
	tok := fs.String("tokenizer", "", "tokenizer file (default: the one beside the backbone)")
	out := fs.String("out", "", "output folder (required)")
	codes := fs.Int("codes", cola.Released.Codes, "latent codes (num_code)")
	action := fs.Int("action-layers", cola.Released.ActionLayers, "IDM blocks (num_action_layer)")
	dyna := fs.Int("dyna-layers", cola.Released.DynaLayers, "world-model merge MLPs (num_dyna_layer)")
	policy := fs.Int("policy-layers", cola.Released.PolicyLayers, "policy blocks (num_policy_layer)")
	seed := fs.Uint64("seed", 0, "seed of the new modules' initial weights")
	var sf saveFlags
	sf.register(fs, true)
	threads := fs.Int("threads", 0, "CPU threads for libtorch (0: one per core)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *backbone == "" || *out == "" {
		return fmt.Errorf("--backbone and --out are required")
	}
	so, err := sf.options()
	if err != nil {
		return err
	}
	tensor.SetThreads(*threads)
	c, err := checkpoint.Open(*backbone, checkpoint.Options{Device: gotch.CPU, DType: gotch.Float, Tokenizer: *tok})
	if err != nil {
		return err
	}
	defer c.Free()
	if err := c.WrapCoLA(cola.Modules{Codes: *codes, ActionLayers: *action, DynaLayers: *dyna, PolicyLayers: *policy}, *seed); err != nil {
		return err
	}
	if err := c.Save(*out, so); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %s: %s (stored %s)\n", *out, c, so.DType)
	return nil
}
