package tokenizer

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzRoundTrip: any bytes encode without panicking; valid UTF-8 decodes back
// exactly; invalid bytes decode to U+FFFD, one per byte, as []rune does. The
// stream decoder agrees with Decode and only emits valid UTF-8.
func FuzzRoundTrip(f *testing.F) {
	for _, s := range splitEdgeCases {
		f.Add(s)
	}
	f.Add("<|eot_id|>x<|begin_of_text|>")
	tok := tiktokenTok(f)
	f.Fuzz(func(t *testing.T, s string) {
		for _, opts := range []EncodeOptions{{}, {AllowSpecial: true}} {
			ids := tok.Encode(s, opts)
			got := tok.Decode(ids)
			if want := string([]rune(s)); got != want {
				t.Fatalf("%q (%+v): decoded %q, want %q", s, opts, got, want)
			}
			if utf8.ValidString(s) && got != s {
				t.Fatalf("%q: valid input did not round-trip", s)
			}
			var sb strings.Builder
			d := NewStreamDecoder(tok)
			for _, id := range ids {
				piece := d.Push(id)
				if !utf8.ValidString(piece) {
					t.Fatalf("%q: stream emitted invalid UTF-8 %q", s, piece)
				}
				sb.WriteString(piece)
			}
			sb.WriteString(d.Flush())
			if sb.String() != got {
				t.Fatalf("%q: stream %q, decode %q", s, sb.String(), got)
			}
		}
	})
}

func TestDecodeInvalidAndOutOfRange(t *testing.T) {
	tok := tiktokenTok(t)
	euro := tok.Encode("€", EncodeOptions{}) // one token of three bytes
	eByte, _ := tok.SpecialID("<|eot_id|>")
	cases := []struct {
		name string
		ids  []int
		want string
	}{
		{"lone lead byte", []int{tok.ranks["\xe2"]}, "\ufffd"},
		{"truncated sequence", []int{tok.ranks["\xe2"], tok.ranks["\x82"], tok.ranks["a"]}, "\ufffd\ufffda"},
		{"out of range skipped", []int{-5, euro[0], 1 << 30, tok.VocabSize()}, "€"},
		{"special name", []int{eByte}, "<|eot_id|>"},
	}
	for _, c := range cases {
		if got := tok.Decode(c.ids); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}

func TestStreamDecoderMultiByte(t *testing.T) {
	tok := tiktokenTok(t)
	text := "Привет, 世界! Ünïcödé 🦙🚀 naïve café — 😶\u200d🌫️ ok"
	ids := tok.Encode(text, EncodeOptions{})
	d := NewStreamDecoder(tok)
	var sb strings.Builder
	held := false
	for _, id := range ids {
		piece := d.Push(id)
		if !utf8.ValidString(piece) {
			t.Fatalf("emitted invalid UTF-8 %q", piece)
		}
		if piece == "" {
			held = true
		}
		sb.WriteString(piece)
		if !strings.HasPrefix(text, sb.String()) {
			t.Fatalf("stream so far %q is not a prefix of the text", sb.String())
		}
	}
	if rest := d.Flush(); rest != "" {
		t.Errorf("flush returned %q, want nothing", rest)
	}
	if sb.String() != text {
		t.Errorf("got %q, want %q", sb.String(), text)
	}
	if !held {
		t.Error("expected some token to end inside a character (test text too easy)")
	}
	if got := d.Push(-1) + d.Push(1<<40); got != "" {
		t.Errorf("out-of-range ids produced %q", got)
	}
}
