package tokenizer

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestTrainBPERoundTrip(t *testing.T) {
	texts := []string{
		"countdown 12 7 45 > 60\n12+7=19 , 19 45\nAnswer: 45+(12+7)\n",
		"arith 37*4+29-56\n=148+29-56\n=177-56\n=121\nAnswer: 121\n",
		"task: put a hot egg on table.\n> go to fridge\nthe fridge is closed.\n",
	}
	for range 3 {
		texts = append(texts, texts...)
	}
	for _, vocab := range []int{258, 300} {
		tok, merges, err := TrainBPE(texts, vocab)
		if err != nil {
			t.Fatal(err)
		}
		if vocab == 258 && len(merges) != 0 {
			t.Fatalf("vocab 258 learned %d merges, want none (bytes only)", len(merges))
		}
		if vocab == 300 && len(merges) == 0 {
			t.Fatal("vocab 300 learned no merges")
		}
		path := filepath.Join(t.TempDir(), "tokenizer.json")
		if err := WriteHFJSON(path, tok, merges); err != nil {
			t.Fatal(err)
		}
		back, err := LoadHFJSON(path)
		if err != nil {
			t.Fatal(err)
		}
		if back.VocabSize() != 256+len(merges)+2 || back.BOS() != 256+len(merges) || back.EOS() != back.BOS()+1 {
			t.Fatalf("vocab %d: size %d bos %d eos %d", vocab, back.VocabSize(), back.BOS(), back.EOS())
		}
		for _, s := range append(texts[:3], "unseen words 98765 + ()") {
			ids := back.Encode(s, EncodeOptions{})
			if !slices.Equal(ids, tok.Encode(s, EncodeOptions{})) {
				t.Fatalf("vocab %d: loaded tokenizer encodes %q otherwise than the trained one", vocab, s)
			}
			if got := back.Decode(ids); got != s {
				t.Fatalf("vocab %d: round trip %q -> %q", vocab, s, got)
			}
			for _, id := range ids {
				if p := string(back.TokenBytes(id)); len(p) > 1 && strings.ContainsAny(p, "0123456789") {
					t.Fatalf("vocab %d: token %q holds a digit among other bytes", vocab, p)
				}
			}
		}
		if vocab == 300 {
			if n := len(back.Encode("Answer:", EncodeOptions{})); n >= len("Answer:") {
				t.Fatalf("merges do not shorten a frequent word: %d tokens", n)
			}
		}
	}
}

func TestTrainBPEDeterministic(t *testing.T) {
	texts := []string{"the cat sat on the mat", "the dog sat on the log", "a cat and a dog"}
	_, m1, _ := TrainBPE(texts, 280)
	_, m2, _ := TrainBPE(texts, 280)
	if len(m1) != len(m2) {
		t.Fatal("merge counts differ")
	}
	for i := range m1 {
		if string(m1[i][0]) != string(m2[i][0]) || string(m1[i][1]) != string(m2[i][1]) {
			t.Fatalf("merge %d differs", i)
		}
	}
	if _, _, err := TrainBPE(texts, 100); err == nil {
		t.Fatal("vocab 100 accepted")
	}
}
