package main

import "colash/engine/rl"

func init() {
	register("rl", "reinforcement learning over latent actions (CoLA policy) or tokens (baseline): GRPO, ReMax, RLOO, PPO", runRL).
		withUsage("colash rl --model M --task T [--algo grpo|remax|rloo|ppo] [--token-level [--layers N]] [--turns N] --out DIR [--resume[=auto]] [flags]").
		withDoc("Latent mode trains only a CoLA's policy (a plain Llama is first wrapped in fresh CoLA modules);\n"+
			"--token-level trains the Llama's tokens instead, the baseline. OUT receives metrics.jsonl,\n"+
			"summary.json, checkpoint/ and model/ (docs/rl.md).").
		withExample("colash rl --model cola --task story-word --steps 250 --prompts 8 --group 8 --max-tokens 32 --lr 5e-4 --min-lr 5e-5 --out runs/latent",
			"colash rl --model stories260K --task story-word --token-level --layers 2 --steps 250 --lr 5e-4 --out runs/token")
}

func runRL(args []string) error {
	j := rl.DefaultJob()
	var a jobArgs
	if err := a.flags("rl", &j).Parse(args); err != nil {
		return err
	}
	return a.run("rl", &j, modelDefault)
}
