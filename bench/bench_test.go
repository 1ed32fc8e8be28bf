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
