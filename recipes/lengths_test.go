package recipes

import (
	"strings"
	"testing"
)

// TestCheckLengths: a stage whose prompts plus new tokens pass the context of the model it loads
// is reported, with how many of its prompts do; one that fits is not.
func TestCheckLengths(t *testing.T) {
	r, err := Load("grpo-math-latent.toml")
	if err != nil {
		t.Fatal(err)
	}
	issues := r.CheckLengths()
	if len(issues) != 2 || issues[0].Stage != "rl" || issues[1].Stage != "eval" {
		t.Fatalf("grpo-math-latent: %v", issues)
	}
	for _, l := range issues {
		// 128 new tokens: most MATH prompts fit the tiny model's 512 positions, the long ones do not.
		if l.Context != 512 || l.Over == 0 || l.Over*5 > l.Of || !strings.Contains(l.String(), "never trained past position 512") {
			t.Errorf("%+v: %s", l, l)
		}
	}
	// The paper's 2,048 new tokens pass it for every prompt.
	r, err = LoadWith("grpo-math-latent.toml", []string{"rl.max_tokens=2048"})
	if err != nil {
		t.Fatal(err)
	}
	if issues := r.CheckLengths(); len(issues) == 0 || issues[0].Over != issues[0].Of || issues[0].Of < 7000 {
		t.Errorf("2048 new tokens: %v", issues)
	}
	r, err = Load("tiny-cola/tiny-cola.toml")
	if err != nil {
		t.Fatal(err)
	}
	if issues := r.CheckLengths(); len(issues) != 0 {
		t.Errorf("tiny-cola: %v", issues)
	}
}
