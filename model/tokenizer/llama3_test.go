package tokenizer

import (
	"bufio"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"colash/models"
)

func TestGGMLCases(t *testing.T) {
	cases := readGGMLCases(t)
	for _, load := range []struct {
		name string
		tok  func(testing.TB) *BPE
	}{{"tiktoken", tiktokenTok}, {"hfjson", hfJSONTok}} {
		checkGGMLCases(t, load.name, load.tok(t), cases)
	}
}

// TestShippedTokenizerMatchesLlamaCpp encodes llama.cpp's cases with the tokenizer shipped in
// the binary (models/llama3-tokenizer), as a model folder written by colash init holds it.
func TestShippedTokenizerMatchesLlamaCpp(t *testing.T) {
	dir := t.TempDir()
	if err := models.WriteLlama3Tokenizer(dir); err != nil {
		t.Fatal(err)
	}
	tok, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	bpe, ok := tok.(*BPE)
	if !ok {
		t.Fatalf("Load gave a %T, want the tiktoken *BPE", tok)
	}
	if bpe.VocabSize() != 128256 {
		t.Errorf("vocabulary %d, want 128256", bpe.VocabSize())
	}
	checkGGMLCases(t, "shipped", bpe, readGGMLCases(t))
}

func checkGGMLCases(t *testing.T, name string, tok *BPE, cases []ggmlCase) {
	t.Helper()
	for i, c := range cases {
		got := tok.Encode(c.input, EncodeOptions{})
		if !slices.Equal(got, c.want) {
			t.Errorf("%s case %d %q:\n got %v\nwant %v", name, i, c.input, got, c.want)
		}
		if dec := tok.Decode(got); dec != c.input {
			t.Errorf("%s case %d: decode = %q, want %q", name, i, dec, c.input)
		}
	}
}

func TestEncodeKnownSentence(t *testing.T) {
	want := []int{128000, 2028, 374, 264, 1296, 11914, 13, 128001}
	for _, tok := range []*BPE{tiktokenTok(t), hfJSONTok(t)} {
		got := tok.Encode("This is a test sentence.", EncodeOptions{BOS: true, EOS: true})
		if !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	}
}

func TestRolesAndSpecialNames(t *testing.T) {
	tt := tiktokenTok(t)
	table := readSpecialTokenTable(t)
	if len(table) != 256 {
		t.Fatalf("SPECIAL_TOKENS.md lists %d tokens, want 256", len(table))
	}
	for id, name := range table {
		if got := string(tt.TokenBytes(id)); got != name {
			t.Errorf("tiktoken id %d = %q, want %q", id, got, name)
		}
		if got, ok := tt.SpecialID(name); !ok || got != id {
			t.Errorf("tiktoken SpecialID(%q) = %d, %v; want %d", name, got, ok, id)
		}
	}
	hf := hfJSONTok(t)
	for _, tok := range []*BPE{tt, hf} {
		if tok.VocabSize() != 128256 || tok.BOS() != 128000 || tok.EOS() != 128001 {
			t.Errorf("vocab %d bos %d eos %d", tok.VocabSize(), tok.BOS(), tok.EOS())
		}
		if got := tok.StopTokens(); !slices.Equal(got, []int{128001, 128008, 128009}) {
			t.Errorf("stop tokens %v", got)
		}
		for _, name := range []string{"<|eom_id|>", "<|python_tag|>", "<|finetune_right_pad_id|>", "<|eot_id|>", "<|start_header_id|>"} {
			a, _ := tt.SpecialID(name)
			b, ok := hf.SpecialID(name)
			if !ok || a != b {
				t.Errorf("%s: tiktoken %d, hfjson %d (%v)", name, a, b, ok)
			}
		}
	}
	// tokenizer.json's own names are kept for decoding.
	if got := string(hf.TokenBytes(128008)); got != "<|reserved_special_token_4|>" {
		t.Errorf("hfjson 128008 = %q", got)
	}
	for _, id := range []int{-1, 128256, 1 << 40} {
		if tt.TokenBytes(id) != nil || hf.TokenBytes(id) != nil {
			t.Errorf("TokenBytes(%d) not nil", id)
		}
	}
}

// readSpecialTokenTable reads "id<TAB>name" lines of SPECIAL_TOKENS.md.
func readSpecialTokenTable(t *testing.T) map[int]string {
	path := llama3Dir + "/SPECIAL_TOKENS.md"
	needFile(t, path)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	table := map[int]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		if id, err := strconv.Atoi(fields[0]); err == nil && len(fields) >= 2 {
			table[id] = fields[1]
		}
	}
	return table
}

func TestAllowSpecial(t *testing.T) {
	for _, tok := range []*BPE{tiktokenTok(t), hfJSONTok(t)} {
		if got := tok.Encode("<|eot_id|>", EncodeOptions{AllowSpecial: true}); !slices.Equal(got, []int{128009}) {
			t.Errorf("allowed: got %v, want [128009]", got)
		}
		plain := tok.Encode("<|eot_id|>", EncodeOptions{})
		if len(plain) < 2 || slices.ContainsFunc(plain, func(id int) bool { return id >= 128000 }) {
			t.Errorf("not allowed: got %v, want several ordinary ids", plain)
		}
		if got := tok.Decode(plain); got != "<|eot_id|>" {
			t.Errorf("decode plain = %q", got)
		}
		got := tok.Encode("Hi<|eom_id|> there<|eot_id|>", EncodeOptions{AllowSpecial: true})
		want := slices.Concat(tok.Encode("Hi", EncodeOptions{}), []int{128008}, tok.Encode(" there", EncodeOptions{}), []int{128009})
		if !slices.Equal(got, want) {
			t.Errorf("mixed: got %v, want %v", got, want)
		}
	}
}

func TestChatTemplate(t *testing.T) {
	msgs := []Message{{"system", "Be brief."}, {"user", " What is 2+2?\n"}}
	got := Llama3Chat(msgs, true)
	want := "<|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>" +
		"<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>" +
		"<|start_header_id|>assistant<|end_header_id|>\n\n"
	if got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	if got := CoLAPrompt("2+2?"); got != "User: 2+2?\nAssistant: " {
		t.Errorf("CoLAPrompt = %q", got)
	}
	tok := tiktokenTok(t)
	ids := tok.Encode(Llama3Chat(msgs[1:], false), EncodeOptions{BOS: true, AllowSpecial: true})
	if ids[0] != 128000 || ids[1] != 128006 || ids[3] != 128007 || ids[len(ids)-1] != 128009 {
		t.Errorf("chat ids %v", ids)
	}
}

func TestRoundTripCorpora(t *testing.T) {
	tt, hf := tiktokenTok(t), hfJSONTok(t)
	texts := map[string]string{"war-and-peace": readFileText(t, warAndPeace)}
	for i, p := range readMath500Problems(t) {
		texts["math500/"+strconv.Itoa(i)] = p
	}
	for name, text := range texts {
		a := tt.Encode(text, EncodeOptions{})
		if got := tt.Decode(a); got != text {
			t.Errorf("%s: round trip differs", name)
		}
		if b := hf.Encode(text, EncodeOptions{}); !slices.Equal(a, b) {
			t.Errorf("%s: tiktoken and hfjson ids differ", name)
		}
	}
}

func TestLongPieceMatchesShortMerge(t *testing.T) {
	tok := tiktokenTok(t)
	inputs := []string{
		strings.Repeat("a", 1000), strings.Repeat(" ", 700), strings.Repeat("ab", 300),
		strings.Repeat("Supercalifragilistic", 20), strings.Repeat("€", 200), strings.Repeat("!?", 150),
	}
	for _, in := range inputs {
		if len(in) > longPiece*8 {
			in = in[:longPiece*8]
		}
		for n := longPiece - 3; n <= len(in); n += 61 {
			piece := in[:n]
			long := tok.mergeLong(nil, piece)
			var short []int
			if n <= longPiece {
				short = tok.mergeShort(nil, piece)
			} else {
				short = naiveMerge(tok, piece)
			}
			if !slices.Equal(long, short) {
				t.Errorf("%q...(%d bytes): long %v, short %v", piece[:10], n, long, short)
			}
		}
	}
}

// naiveMerge is the textbook algorithm on any length: merge the leftmost
// lowest-rank pair until none is a token.
func naiveMerge(tok *BPE, piece string) []int {
	parts := make([]string, len(piece))
	for i := range len(piece) {
		parts[i] = piece[i : i+1]
	}
	for {
		best, bestRank := -1, noRank
		for k := 0; k+1 < len(parts); k++ {
			if r := tok.rankOf(parts[k] + parts[k+1]); r < bestRank {
				best, bestRank = k, r
			}
		}
		if best < 0 {
			break
		}
		parts[best] += parts[best+1]
		parts = slices.Delete(parts, best+1, best+2)
	}
	ids := make([]int, len(parts))
	for i, p := range parts {
		ids[i] = tok.ranks[p]
	}
	return ids
}
