//go:build ignore

// A short RL loop: latent-action GRPO on the shipped CoLA, with a reward written in the script.
// Only the policy over the 64 latent codes learns; the language model itself stays frozen.
//
//	colash run examples/rl.go [COLA_CHECKPOINT]
package main

import (
	"fmt"
	"os"
	"strings"

	"colash"
)

func main() {
	path := "cola"
	if len(os.Args) > 1 {
		path = os.Args[1]
	}
	m := colash.Load(path)
	prompts := []string{"Once upon a time", "One day, a little girl", "Tom and his mom"}
	// Reward stories that mention a friend.
	likesFriends := func(prompt, completion string) float64 {
		if strings.Contains(strings.ToLower(completion), "friend") {
			return 1
		}
		return 0
	}
	before := m.Sample(prompts[0], colash.Opts{N: 24, Seed: 1})
	run := m.RL(colash.RLOpts{Prompts: prompts, Reward: likesFriends, Steps: 15, Batch: 3, Group: 4, N: 24, LR: 5e-3, Seed: 1})
	fmt.Println(run)
	after := m.Sample(prompts[0], colash.Opts{N: 24, Seed: 1})
	fmt.Println("before:", before.Text)
	fmt.Println("after: ", after.Text)
}
