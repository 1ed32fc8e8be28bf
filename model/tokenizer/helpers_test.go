package tokenizer

import (
	"bufio"
	"colash/internal/testenv"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/dlclark/regexp2/v2"
)

var sharedDir, _ = testenv.SharedDir()

var (
	llama3Dir     = filepath.Join(sharedDir, "models/llama3-tokenizer")
	stories260K   = filepath.Join(sharedDir, "models/stories260K")
	warAndPeace   = filepath.Join(sharedDir, "data/text/war-and-peace.txt")
	math500       = filepath.Join(sharedDir, "data/math500/test.jsonl")
	ggmlInputs    = filepath.Join("testdata", "ggml-vocab-llama-bpe.gguf.inp") // llama.cpp's, MIT (testdata/LICENSE.llamacpp)
	ggmlExpected  = filepath.Join("testdata", "ggml-vocab-llama-bpe.gguf.out")
	tiktokenPath  = filepath.Join(llama3Dir, "tokenizer.model")
	hfJSONPath    = filepath.Join(llama3Dir, "tokenizer.json")
	llama2cVocab  = filepath.Join(stories260K, "tok512.bin")
	loadTiktoken  = sync.OnceValues(func() (*BPE, error) { return LoadTiktoken(tiktokenPath) })
	loadHFJSON    = sync.OnceValues(func() (*BPE, error) { return LoadHFJSON(hfJSONPath) })
	loadStories   = sync.OnceValues(func() (*Llama2C, error) { return LoadLlama2C(llama2cVocab, 0) })
	oracleSplitRe = regexp2.MustCompile(Llama3Pattern, regexp2.None)
)

// needFile skips the test (fails it under CI) when path, inside the shared folder, is missing:
// testenv.Shared's rule.
func needFile(tb testing.TB, path string) {
	tb.Helper()
	rel, err := filepath.Rel(sharedDir, path)
	if err != nil {
		tb.Fatal(err)
	}
	testenv.Shared(tb, rel)
}

func tiktokenTok(tb testing.TB) *BPE {
	tb.Helper()
	needFile(tb, tiktokenPath)
	t, err := loadTiktoken()
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

func hfJSONTok(tb testing.TB) *BPE {
	tb.Helper()
	needFile(tb, hfJSONPath)
	t, err := loadHFJSON()
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

func storiesTok(tb testing.TB) *Llama2C {
	tb.Helper()
	needFile(tb, llama2cVocab)
	t, err := loadStories()
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

type ggmlCase struct {
	input string
	want  []int
}

func readGGMLCases(tb testing.TB) []ggmlCase {
	tb.Helper()
	inp, err := os.ReadFile(ggmlInputs)
	if err != nil {
		tb.Fatal(err)
	}
	out, err := os.ReadFile(ggmlExpected)
	if err != nil {
		tb.Fatal(err)
	}
	inputs := strings.Split(string(inp), "\n__ggml_vocab_test__\n")
	inputs = inputs[:len(inputs)-1] // every case is followed by the separator
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(inputs) != 46 || len(lines) != 46 {
		tb.Fatalf("got %d inputs and %d expected lines, want 46 each", len(inputs), len(lines))
	}
	cases := make([]ggmlCase, len(inputs))
	for i, in := range inputs {
		cases[i].input = in
		for _, f := range strings.Fields(lines[i]) {
			id, err := strconv.Atoi(f)
			if err != nil {
				tb.Fatalf("line %d: %v", i+1, err)
			}
			cases[i].want = append(cases[i].want, id)
		}
	}
	return cases
}

func readFileText(tb testing.TB, path string) string {
	tb.Helper()
	needFile(tb, path)
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

func readMath500Problems(tb testing.TB) []string {
	tb.Helper()
	needFile(tb, math500)
	f, err := os.Open(math500)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var problems []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var row struct {
			Problem string `json:"problem"`
		}
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			tb.Fatal(err)
		}
		problems = append(problems, row.Problem)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	if len(problems) != 500 {
		tb.Fatalf("got %d math500 problems, want 500", len(problems))
	}
	return problems
}

// oracleSplit splits s with the regexp2 engine (backtracking, .NET syntax).
func oracleSplit(tb testing.TB, s string) []string {
	tb.Helper()
	var pieces []string
	m, err := oracleSplitRe.FindStringMatch(s)
	for ; m != nil && err == nil; m, err = oracleSplitRe.FindNextMatch(m) {
		pieces = append(pieces, m.String())
	}
	if err != nil {
		tb.Fatal(err)
	}
	return pieces
}

func handSplit(s string) []string {
	var pieces []string
	splitLlama3(s, func(p string) { pieces = append(pieces, p) })
	return pieces
}
