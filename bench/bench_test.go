package bench

import (
	"context"
	"testing"

	"github.com/sugarme/gotch"

	"colash/model/checkpoint"
)

func loadShipped(b testing.TB) *checkpoint.Model {
	l, err := checkpoint.Open("../models/stories260K", checkpoint.Options{Device: gotch.CPU, DType: gotch.Float})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(l.Free)
	return l
}

func benchDecode(b *testing.B, B int, noCache bool) {
	l := loadShipped(b)
	const n = 128
	var rate float64
	for i := 0; i < b.N; i++ {
		r, err := DecodeTokensPerSecond(context.Background(), l, B, n, noCache)
		if err != nil {
			b.Fatal(err)
		}
		rate = r
	}
	b.ReportMetric(rate, "tok/s")
}

func BenchmarkDecodeBatch1(b *testing.B)         { benchDecode(b, 1, false) }
func BenchmarkDecodeBatch32(b *testing.B)        { benchDecode(b, 32, false) }
func BenchmarkDecodeBatch1NoCache(b *testing.B)  { benchDecode(b, 1, true) }
func BenchmarkDecodeBatch32NoCache(b *testing.B) { benchDecode(b, 32, true) }

// BenchmarkTrainStep is `colash bench train`'s colash side: tokens per second of the pretraining
// step at the testbed's shape, batch 32 x 256.
func BenchmarkTrainStep(b *testing.B) {
	w, err := newTrainWork(trainBatch, trainSeq, 2*trainBatch, 1)
	if err != nil {
		b.Fatal(err)
	}
	defer w.free()
	if _, err := w.steps(trainWarmup); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	sec, err := w.steps(b.N)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N*trainBatch*trainSeq)/sec, "tok/s")
}
