package torch_test

import (
	"math"
	"slices"
	"strings"
	"testing"

	colash "colash/stdlib"
	_ "colash/stdlib/torch"
)

func TestGeneratedTextKeepsItsLeadingSpace(t *testing.T) {
	m := colash.Load("")
	r := m.Generate("The cat", colash.Opts{N: 8})
	full := m.Decode(append(m.Tokenize("The cat"), r.Tokens...))
	if !strings.HasPrefix(r.Text, " ") || r.Prompt+r.Text != full {
		t.Errorf("Generate: prompt %q + text %q, want %q", r.Prompt, r.Text, full)
	}
	c := colash.Load("cola")
	f := c.Force("The cat", 3, colash.Opts{N: 8})
	if full := c.Decode(append(c.Tokenize("The cat"), f.Tokens...)); f.Prompt+f.Text != full {
		t.Errorf("Force: prompt %q + text %q, want %q", f.Prompt, f.Text, full)
	}
}

func TestCacheAndHooksFromScripts(t *testing.T) {
	m := colash.Load("")
	text := "Lily saw a big dog"
	T := len(m.Tokenize(text)) + 1
	c := m.RunWithCache(text)
	if !slices.Equal(c.Names(), slices.Sorted(slices.Values(m.HookNames()))) {
		t.Errorf("a cache of every point has %d names, the model %d", len(c.Names()), len(m.HookNames()))
	}
	for name, want := range map[string][]int{
		"blocks.0.hook_resid_pre":        {T, 64},
		"blocks.1.attn.hook_k":           {T, 4, 8},
		"blocks.1.attn.hook_pattern":     {8, T, T},
		"blocks.4.mlp.hook_post":         {T, 172},
		"ln_final.hook_scale":            {T, 1},
		"hook_logits":                    {T, 512},
		"blocks.2.attn.hook_attn_scores": {8, T, T},
	} {
		if got := c.Shape(name); !slices.Equal(got, want) {
			t.Errorf("%s: shape %v, want %v", name, got, want)
		}
	}
	// Row t of a pattern head is a distribution over the slots up to t.
	p := c.Head("blocks.1.attn.hook_pattern", 3)
	for ti, row := range p {
		sum := 0.0
		for s, v := range row {
			if s > ti && v != 0 {
				t.Fatalf("pattern at %d sees slot %d", ti, s)
			}
			sum += float64(v)
		}
		if math.Abs(sum-1) > 1e-5 {
			t.Fatalf("pattern row %d sums to %g", ti, sum)
		}
	}
	// hook_logits rows (BOS dropped) are Logits.
	lg, got := m.Logits(text), c.Get("hook_logits")[1:]
	if !slices.EqualFunc(lg, got, slices.Equal) {
		t.Error("hook_logits in the cache differ from Logits")
	}
	// An identity hook leaves logits bit-identical; zeroing the residual at one position
	// changes that position's logits and the later ones only.
	id := m.RunWithHooks(text, map[string]colash.HookFn{"blocks.2.hook_resid_mid": func(pos int, x []float32) []float32 { return slices.Clone(x) }})
	if !slices.EqualFunc(id, lg, slices.Equal) {
		t.Error("an identity hook changed the logits")
	}
	zeroed := m.RunWithHooks(text, map[string]colash.HookFn{"blocks.2.hook_resid_mid": func(pos int, x []float32) []float32 {
		if pos == 3 {
			return make([]float32, len(x))
		}
		return nil
	}})
	for i := range lg { // row i follows position i+1
		if changed := !slices.Equal(zeroed[i], lg[i]); changed != (i+1 >= 3) {
			t.Errorf("zeroing position 3 changed row %d: %v", i, changed)
		}
	}
}

func TestAddHookStaysUntilUndone(t *testing.T) {
	m := colash.Load("")
	plain := m.Generate("Once upon a time", colash.Opts{N: 16})
	calls := 0
	undo := m.AddHook("blocks.3.hook_resid_post", func(pos int, x []float32) []float32 {
		calls++
		for i := range x {
			x[i] *= -1
		}
		return x
	})
	hooked := m.Generate("Once upon a time", colash.Opts{N: 16})
	undo()
	if calls < 16 || hooked.Text == plain.Text {
		t.Errorf("hook called %d times during Generate; text %q vs %q", calls, hooked.Text, plain.Text)
	}
	if again := m.Generate("Once upon a time", colash.Opts{N: 16}); again.Text != plain.Text {
		t.Errorf("after undo: %q, want %q", again.Text, plain.Text)
	}
	c := colash.Load("cola")
	s := c.Sample("Once upon a time", colash.Opts{N: 12, Seed: 1})
	undo = c.AddHook("policy.hook_logits", func(pos int, x []float32) []float32 {
		for i := range x {
			x[i] = -100
		}
		x[7] = 100
		return x
	})
	forced := c.Sample("Once upon a time", colash.Opts{N: 12, Seed: 1})
	undo()
	for _, code := range forced.Codes {
		if code != 7 {
			t.Fatalf("a policy hook that puts all mass on code 7 sampled %v (unhooked: %v)", forced.Codes, s.Codes)
		}
	}
}

func TestModuleLogitsAreTheHookPoints(t *testing.T) {
	c := colash.Load("cola")
	text := "The dog ran to the park"
	cache := c.RunWithCache(text, "policy.hook_logits", "idm.hook_logits", "wm.hook_logits")
	for name, got := range map[string][][]float32{
		"policy.hook_logits": c.PolicyLogits(text), "idm.hook_logits": c.IDMLogits(text), "wm.hook_logits": c.WMLogits(text, nil),
	} {
		if !slices.EqualFunc(got, cache.Get(name), slices.Equal) {
			t.Errorf("%s differs from the module's logits", name)
		}
	}
	codes := make([]int, len(c.Tokenize(text))+1)
	if slices.EqualFunc(c.WMLogits(text, codes), c.WMLogits(text, nil), slices.Equal) {
		t.Error("WMLogits ignores its codes")
	}
}

func TestPatchFindsTheDifferingToken(t *testing.T) {
	m := colash.Load("")
	clean, corrupt := "Lily saw a big dog", "Tim saw a big dog" // one token each
	dog := m.Tokenize("dog")[0]
	metric := func(lg [][]float32) float64 { return float64(lg[len(lg)-1][dog]) }
	// At block 0's input a position holds its own token's embedding only: patching any position
	// but the name's changes nothing.
	eff := colash.Patch(m, clean, corrupt, "blocks.0.hook_resid_pre", metric)
	for p, e := range eff {
		if (e != 0) != (p == 1) {
			t.Errorf("effect at position %d: %g", p, e)
		}
	}
}
