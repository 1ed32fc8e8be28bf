package rl

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"colash/engine/train/optim"
	"colash/model/safetensors"
	"colash/model/tensor"
)

// pack rewrites the checkpoint in dir into to in the layout PPO checkpoints had before the value
// head was a head.Head: value_head.weight [1,d+1], the weights then the bias, and so its moments.
func pack(t *testing.T, dir, to string) {
	t.Helper()
	for _, name := range []string{optim.WeightsFile, optim.OptimizerFile} {
		f, err := safetensors.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		var out []safetensors.Tensor
		for _, n := range f.Names() {
			if strings.HasSuffix(n, "value_head.bias") {
				continue
			}
			info, _ := f.Info(n)
			v, err := f.ReadFloat32(n)
			if err == nil && strings.HasSuffix(n, "value_head.weight") {
				var b []float32
				b, err = f.ReadFloat32(strings.TrimSuffix(n, "weight") + "bias")
				v, info.Shape = append(v, b...), []int{1, len(v) + 1}
			}
			if err != nil {
				t.Fatal(err)
			}
			data, _ := safetensors.EncodeFloat32(v, "F32")
			out = append(out, safetensors.Tensor{Name: n, DType: "F32", Shape: info.Shape, Data: data})
		}
		if err := safetensors.Write(filepath.Join(to, name), out, f.Metadata()); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	state, err := os.ReadFile(filepath.Join(dir, optim.StateFile))
	if err == nil {
		err = os.WriteFile(filepath.Join(to, optim.StateFile), state, 0o644)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// trainerState is every trained value and both moments of tr, in order.
func trainerState(tr *Trainer) (out [][]float32) {
	for i, p := range tr.Opt.Params {
		out = append(out, tensor.Float32s(p.W), tensor.Float32s(tr.Opt.M[i]), tensor.Float32s(tr.Opt.V[i]))
	}
	return out
}

// A PPO checkpoint of the earlier, packed layout resumes to exactly the weights, value head and
// moments it was saved from, as one of today's layout does.
func TestResumesAPackedValueHead(t *testing.T) {
	cfg := testConfig()
	cfg.Algo, cfg.Steps, cfg.Prompts, cfg.Group = PPO, 2, 2, 4
	newTrainer := func() *Trainer {
		a, c := tinyActor(t)
		tr, err := NewTrainer(a, c.Tok, yanTask(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(tr.Close)
		return tr
	}
	tr := newTrainer()
	if _, err := tr.TrainStep(context.Background()); err != nil {
		t.Fatal(err)
	}
	if b := tensor.Float32s(tr.value.B); b[0] == 0 {
		t.Fatal("the value head's bias is still 0 after a step: the test would not see it")
	}
	dir, packed := t.TempDir(), t.TempDir()
	if err := tr.Save(dir); err != nil {
		t.Fatal(err)
	}
	pack(t, dir, packed)
	want := trainerState(tr)
	for _, from := range []string{dir, packed} {
		back := newTrainer()
		if err := back.Load(from); err != nil {
			t.Fatalf("%s: %v", from, err)
		}
		got := trainerState(back)
		for i := range want {
			for j := range want[i] {
				if got[i][j] != want[i][j] {
					t.Fatalf("%s: %s (value, moment 1, moment 2: %d) [%d] loads %v, saved %v",
						from, tr.Opt.Params[i/3].Name, i%3, j, got[i][j], want[i][j])
				}
			}
		}
		if back.Step != 1 || back.Opt.Steps != tr.Opt.Steps {
			t.Fatalf("%s: step %d, optimiser step %d", from, back.Step, back.Opt.Steps)
		}
	}
}
