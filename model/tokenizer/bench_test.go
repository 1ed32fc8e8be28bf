package tokenizer

import (
	"runtime"
	"slices"
	"sync"
	"testing"
	"unicode"
)

func BenchmarkEncodeWarAndPeace(b *testing.B) {
	tok, text := tiktokenTok(b), readFileText(b, warAndPeace)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	var ids []int
	for b.Loop() {
		ids = tok.Encode(text, EncodeOptions{})
	}
	b.ReportMetric(float64(len(ids)), "tokens")
}

// BenchmarkEncodeWarAndPeaceParallel encodes the book in GOMAXPROCS chunks
// at once. Chunks end after a newline followed by a letter, which is always a
// piece boundary, so the ids equal the serial ones.
func BenchmarkEncodeWarAndPeaceParallel(b *testing.B) {
	tok, text := tiktokenTok(b), readFileText(b, warAndPeace)
	chunks := splitAtPieceBoundaries(text, runtime.GOMAXPROCS(0))
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	results := make([][]int, len(chunks))
	for b.Loop() {
		var wg sync.WaitGroup
		for i, chunk := range chunks {
			wg.Go(func() { results[i] = tok.Encode(chunk, EncodeOptions{}) })
		}
		wg.Wait()
	}
	if !slices.Equal(slices.Concat(results...), tok.Encode(text, EncodeOptions{})) {
		b.Fatal("chunked ids differ from serial ids")
	}
}

func splitAtPieceBoundaries(text string, n int) []string {
	var chunks []string
	for len(chunks) < n-1 && len(text) > 0 {
		cut := len(text) / (n - len(chunks))
		for cut < len(text)-1 && !(text[cut] == '\n' && unicode.IsLetter(rune(text[cut+1]))) {
			cut++
		}
		chunks, text = append(chunks, text[:cut+1]), text[cut+1:]
	}
	return append(chunks, text)
}

// BenchmarkEncodeRegexp2Baseline splits with regexp2 and merges with the same
// BPE code, to measure what the hand-written splitter gains.
func BenchmarkEncodeRegexp2Baseline(b *testing.B) {
	tok, text := tiktokenTok(b), readFileText(b, warAndPeace)
	want := tok.Encode(text, EncodeOptions{})
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	var ids []int
	for b.Loop() {
		ids = ids[:0]
		m, err := oracleSplitRe.FindStringMatch(text)
		for ; m != nil && err == nil; m, err = oracleSplitRe.FindNextMatch(m) {
			ids = tok.appendPiece(ids, m.String())
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	if !slices.Equal(ids, want) {
		b.Fatal("baseline ids differ")
	}
}

func BenchmarkDecodeWarAndPeace(b *testing.B) {
	tok, text := tiktokenTok(b), readFileText(b, warAndPeace)
	ids := tok.Encode(text, EncodeOptions{})
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		if tok.Decode(ids) != text {
			b.Fatal("round trip")
		}
	}
}

func BenchmarkSplitWarAndPeace(b *testing.B) {
	text := readFileText(b, warAndPeace)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		n := 0
		splitLlama3(text, func(string) { n++ })
	}
}
