package tokenizer

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// splitEdgeCases exercise each alternative of the pattern and its backtracking.
var splitEdgeCases = []string{
	"", " ", "  ", "a", "'s", "'S", "'re", "'RE", "'rE", "'Ll", "'lx", "'r", "'", "''s", "x'", "'\u017f",
	"don't", "DON'T", "we've", "they'd", "I'M", "'sa", "'ve'", " 's", "\t'd",
	"Hello  world", "Hello   \nworld", "a \n b", "\n\n\n", " \n \n ", "\r\n\r\n", "x\r\n y", "  \t\tx",
	"end  ", "end \t", "a\u00a0b", "a\u00a0\u00a0b", "\u3000日本", "\u0085word", "!!!\n\n", " !!\r\n", " !x", "!a",
	"12345678", "١٢٣٤", "Ⅻ3", "x²³⁴", "3.14", "a1b2", "½¾", "((x))", "\xff\xfeabc", "a\xffb", "\xe2\x82",
	"🦙🦙 llama", "😶\u200d🌫️", "\u200b\u200bx", "\ufeffBOM", "tab\tafter", " \x00 x",
}

func TestSplitMatchesRegexp2(t *testing.T) {
	var inputs []string
	inputs = append(inputs, splitEdgeCases...)
	for _, c := range readGGMLCases(t) {
		inputs = append(inputs, c.input)
	}
	lines := strings.SplitAfter(readFileText(t, warAndPeace), "\n")
	for i := 0; i < len(lines) && i < 60000; i += 20 { // ~3000 lines spread over the book
		inputs = append(inputs, strings.Join(lines[i:min(i+3, len(lines))], ""))
	}
	inputs = append(inputs, readMath500Problems(t)...)
	for _, in := range inputs {
		checkSplit(t, in)
	}
}

// checkSplit compares the hand splitter with regexp2, which reads each
// invalid byte as one U+FFFD character but reports the original bytes.
func checkSplit(t *testing.T, in string) {
	t.Helper()
	got := handSplit(in)
	if strings.Join(got, "") != in {
		t.Fatalf("%q: pieces %q do not cover the input", in, got)
	}
	for i, p := range got {
		if p == "" {
			t.Fatalf("%q: empty piece %d", in, i)
		}
	}
	if want := oracleSplit(t, in); !slices.Equal(got, want) {
		t.Errorf("%q:\n got %q\nwant %q", in, got, want)
	}
}

func FuzzSplit(f *testing.F) {
	for _, s := range splitEdgeCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkSplit(t, s)
	})
}

// TestSplitEveryRuneClass checks the class of every rune against the oracle
// in context: after a space, between letters and around newlines.
func TestSplitEveryRuneClass(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	var sb strings.Builder
	for r := rune(0x80); r <= 0x10FFFF; r++ {
		if !utf8.ValidRune(r) || r&0xFF != 0x80 && runeClass(r) == runeClass(r-1) {
			continue // test each rune where the class changes and one per block
		}
		sb.WriteString(" a" + string(r) + "b " + string(r) + "\n" + string(r) + string(r) + "1")
		if sb.Len() > 4000 {
			checkSplit(t, sb.String())
			sb.Reset()
		}
	}
	checkSplit(t, sb.String())
}
