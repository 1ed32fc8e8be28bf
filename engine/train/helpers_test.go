package train

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"testing"

	"github.com/sugarme/gotch"

	"colash/engine/generate"
	"colash/model/checkpoint"
	"colash/model/cola"
	"colash/model/tensor"
	"colash/models"
)

var threadsOnce sync.Once

// tinyCoLA wraps the shipped stories260K in fresh 1/1/1-layer CoLA modules with 64 codes.
func tinyCoLA(t testing.TB, seed uint64) *checkpoint.Model {
	return tinyCoLAMods(t, seed, cola.Modules{Codes: 64, ActionLayers: 1, DynaLayers: 1, PolicyLayers: 1})
}

// tinyCoLAMods is tinyCoLA with the given module sizes.
func tinyCoLAMods(t testing.TB, seed uint64, mods cola.Modules) *checkpoint.Model {
	t.Helper()
	threadsOnce.Do(func() { tensor.SetThreads(2) })
	dir, err := models.Path(models.DefaultName)
	if err != nil {
		t.Fatal(err)
	}
	c, err := checkpoint.OpenCoLA(dir, checkpoint.Options{Device: gotch.CPU, DType: gotch.Float}, &mods, seed)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var (
	corpusOnce sync.Once
	corpus     []Seq
)

// sampledCorpus is text the backbone samples itself (temperature 1, seeded), packed into
// sequences of 64 tokens: 48 stories of up to 128 tokens.
func sampledCorpus(t testing.TB, c *checkpoint.Model) []Seq {
	t.Helper()
	corpusOnce.Do(func() {
		prompts := make([][]int, 48)
		for i := range prompts {
			prompts[i] = []int{c.Tok.BOS()}
		}
		sess := generate.NewLlamaSession(c.Llama, 130, false)
		defer sess.Close()
		out, err := generate.Generate(context.Background(), sess, prompts, generate.Options{MaxTokens: 128,
			Stop: c.Tok.StopTokens(), Sampling: generate.Sampling{Temperature: 1, Seed: 7}})
		if err != nil {
			t.Fatal(err)
		}
		var docs []Doc
		for _, ids := range out {
			d := Doc{Tokens: append([]int{c.Tok.BOS()}, ids...)}
			for range d.Tokens {
				d.Loss = append(d.Loss, true)
			}
			docs = append(docs, d)
		}
		corpus = Pack(docs, 64)
	})
	return corpus
}

// hashParams hashes the values of the named weights of m, in order.
func hashParams(t testing.TB, m *cola.Model, keep func(name string) bool) string {
	h := sha256.New()
	for _, p := range m.Params() {
		if !keep(p.Name) || *p.Ptr == nil {
			continue
		}
		h.Write([]byte(p.Name))
		for _, v := range tensor.Float32s(*p.Ptr) {
			b := [4]byte{}
			u := mathFloat32bits(v)
			b[0], b[1], b[2], b[3] = byte(u), byte(u>>8), byte(u>>16), byte(u>>24)
			h.Write(b[:])
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}
