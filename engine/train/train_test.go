package train

import (
	"math"
	"testing"

	"colash/model/cola"
)

func mathFloat32bits(f float32) uint32 { return math.Float32bits(f) }

func isBackbone(name string) bool { return !cola.IsModuleTensor(name) }

func TestStage1LossFallsCodesAlive(t *testing.T) {
	c := tinyCoLA(t, 1)
	defer c.Free()
	seqs := sampledCorpus(t, c)
	bb := hashParams(t, c.Model, isBackbone)
	data, _ := NewLoader(seqs, 1)
	cfg := Defaults(StageIDM)
	cfg.Steps, cfg.Batch, cfg.LR, cfg.MinLR, cfg.Warmup = 30, 8, 3e-3, 3e-4, 3
	tr, err := NewTrainer(c.Model, data, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Free()
	var first, last float64
	var mt Metrics
	for i := 0; i < cfg.Steps; i++ {
		if mt, err = tr.TrainStep(); err != nil {
			t.Fatal(err)
		}
		if i < 5 {
			first += mt.CE / 5
		}
		if i >= cfg.Steps-5 {
			last += mt.CE / 5
		}
		t.Logf("step %d loss %.4f ce %.4f alive %d max %.3f gn %.3f", i, mt.Loss, mt.CE, mt.Alive, mt.MaxFrac, mt.GradNorm)
	}
	if !(last < first-0.1) {
		t.Fatalf("world-model CE did not fall: first 5 steps %.4f, last 5 %.4f", first, last)
	}
	if mt.Alive < 8 || mt.MaxFrac > 0.5 {
		t.Fatalf("codes collapsed: %d alive, max fraction %.3f", mt.Alive, mt.MaxFrac)
	}
	if got := hashParams(t, c.Model, isBackbone); got != bb {
		t.Fatal("stage 1a changed the backbone")
	}
}
