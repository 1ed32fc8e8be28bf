package tokenizer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// checkpointDir makes a folder holding the given files (name -> source path
// to link, or literal content when the source does not start with "/").
func checkpointDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		dst := filepath.Join(dir, name)
		var err error
		if strings.HasPrefix(src, "/") {
			err = os.Symlink(src, dst)
		} else {
			err = os.WriteFile(dst, []byte(src), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func abs(t *testing.T, path string) string {
	t.Helper()
	needFile(t, path)
	p, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadPicksByFolderContents(t *testing.T) {
	model, hf, bin := abs(t, tiktokenPath), abs(t, hfJSONPath), abs(t, llama2cVocab)
	cases := []struct {
		name      string
		files     map[string]string
		vocabSize int
	}{
		{"tiktoken first", map[string]string{"tokenizer.model": model, "tokenizer.json": hf}, 128256},
		{"hf json", map[string]string{"tokenizer.json": hf, "tokenizer.bin": bin}, 128256},
		{"llama2c inferred size", map[string]string{"tokenizer.bin": bin}, 512},
		{"llama2c config size", map[string]string{"tokenizer.bin": bin, "config.json": `{"vocab_size": 300}`}, 300},
	}
	for _, c := range cases {
		tok, err := Load(checkpointDir(t, c.files))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if tok.VocabSize() != c.vocabSize {
			t.Errorf("%s: vocab size %d, want %d", c.name, tok.VocabSize(), c.vocabSize)
		}
		if got := tok.Decode(tok.Encode("Once upon a time", EncodeOptions{})); got != "Once upon a time" {
			t.Errorf("%s: round trip %q", c.name, got)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	sentencePiece := "\n\x0e\n\x05<unk>\x15\x00\x00\x00\x00\x18\x02" // protobuf bytes, not a rank file
	cases := []struct {
		name  string
		files map[string]string
		want  string // substring of the error
	}{
		{"empty folder", nil, "holds no tokenizer"},
		{"sentencepiece model", map[string]string{"tokenizer.model": sentencePiece}, "not a tiktoken rank file"},
		{"bad rank", map[string]string{"tokenizer.model": "IQ== x\n"}, "bad rank"},
		{"rank gap", map[string]string{"tokenizer.model": "IQ== 0\nIg== 2\n"}, "not contiguous"},
		{"duplicate rank", map[string]string{"tokenizer.model": "IQ== 0\nIg== 0\n"}, "not contiguous"},
		{"missing bytes", map[string]string{"tokenizer.model": "IQ== 0\nIg== 1\n"}, "lacks the single byte"},
		{"bad json", map[string]string{"tokenizer.json": "{"}, "not a tokenizer.json"},
		{"wordpiece json", map[string]string{"tokenizer.json": `{"model":{"type":"WordPiece"}}`}, "not supported"},
		{"other pre-tokenizer", map[string]string{"tokenizer.json": `{"model":{"type":"BPE","vocab":{}},"pre_tokenizer":{"type":"Whitespace"}}`}, "pre-tokenizer"},
		{"bad config", map[string]string{"tokenizer.bin": "\x07\x00\x00\x00", "config.json": "["}, "config.json"},
		{"tiny llama2c", map[string]string{"tokenizer.bin": "\x07\x00\x00\x00"}, "too small"},
	}
	for _, c := range cases {
		dir := checkpointDir(t, c.files)
		_, err := Load(dir)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), dir) {
			t.Errorf("%s: err = %v, want one naming %s and saying %q", c.name, err, dir, c.want)
		}
	}
	if _, err := LoadTiktoken("/nonexistent/tokenizer.model"); err == nil || !strings.Contains(err.Error(), "/nonexistent/tokenizer.model") {
		t.Errorf("missing file: %v", err)
	}
}
