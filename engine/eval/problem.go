package eval

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// Problem is one benchmark item. Level is 1..5 for MATH and 0 when unknown
// (GSM8K, or MATH's "Level ?").
type Problem struct {
	ID       string
	Problem  string
	Solution string
	Answer   string
	Subject  string
	Level    int
}

// The MATH-500 test split and the 7,500 MATH training problems ship inside the binary, so
// evaluation and RL need no data directory (MIT, see data/*/LICENSE and data/math/README.md).
// RL trains on the training problems and evaluates on MATH-500, never the reverse.
var (
	//go:embed data/math500/test.jsonl
	math500JSONL []byte
	//go:embed data/math/train_7500.jsonl.gz
	mathTrainGz []byte

	math500   = sync.OnceValues(func() ([]Problem, error) { return parseMATH(bytes.NewReader(math500JSONL), "math500/test.jsonl") })
	mathTrain = sync.OnceValues(func() ([]Problem, error) {
		zr, err := gzip.NewReader(bytes.NewReader(mathTrainGz))
		if err != nil {
			return nil, err
		}
		return parseMATH(zr, "math/train_7500.jsonl")
	})
)

// Math500 returns the 500 MATH-500 problems in file order. The slice is a
// fresh copy, so callers may modify it.
func Math500() []Problem { return embedded(math500) }

// MathTrain returns the 7,500 MATH training problems (sorted by ID), a fresh copy.
func MathTrain() []Problem { return embedded(mathTrain) }

func embedded(parse func() ([]Problem, error)) []Problem {
	probs, err := parse()
	if err != nil {
		// The files are embedded at build time; failing here means a corrupt build.
		panic(fmt.Sprintf("eval: embedded MATH data is corrupt: %v", err))
	}
	return append([]Problem(nil), probs...)
}

// LoadMATH reads a JSONL file in the MATH-500 schema (problem, solution,
// answer, subject, level, unique_id). level may be an integer, a string such
// as "Level 3", or null.
func LoadMATH(path string) ([]Problem, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load MATH: %w", err)
	}
	defer f.Close()
	return parseMATH(f, path)
}

type mathRecord struct {
	Problem  string          `json:"problem"`
	Solution string          `json:"solution"`
	Answer   *string         `json:"answer"`
	Subject  string          `json:"subject"`
	Level    json.RawMessage `json:"level"`
	UniqueID string          `json:"unique_id"`
}

func parseMATH(r io.Reader, name string) ([]Problem, error) {
	var out []Problem
	err := eachJSONLine(r, name, func(line int, raw []byte) error {
		var rec mathRecord
		if err := json.Unmarshal(raw, &rec); err != nil {
			return err
		}
		level, err := parseLevel(rec.Level)
		if err != nil {
			return err
		}
		p := Problem{ID: rec.UniqueID, Problem: rec.Problem, Solution: rec.Solution,
			Subject: rec.Subject, Level: level}
		if rec.Answer != nil {
			p.Answer = *rec.Answer
		} else if a, ok := LastBoxed(rec.Solution); ok {
			// Two MATH training solutions write "\boxed 2" without braces.
			p.Answer = a
		}
		if p.ID == "" {
			p.ID = fmt.Sprintf("%s:%d", filepath.Base(name), line)
		}
		out = append(out, p)
		return nil
	})
	return out, err
}

// parseLevel accepts 3, "3", "Level 3"; null and "Level ?" give 0.
func parseLevel(raw json.RawMessage) (int, error) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return 0, nil
	}
	if strings.HasPrefix(s, `"`) {
		var str string
		if err := json.Unmarshal(raw, &str); err != nil {
			return 0, err
		}
		s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(str), "Level"))
		if s == "?" || s == "" {
			return 0, nil
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("bad level %s", raw)
	}
	return n, nil
}

// LoadGSM8K reads GSM8K JSONL ({question, answer}). Answer is the text after
// "#### " with thousands commas removed; Solution keeps the full rationale.
// IDs are "<file name without .jsonl>/<0-based index>".
func LoadGSM8K(path string) ([]Problem, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load GSM8K: %w", err)
	}
	defer f.Close()
	base := strings.TrimSuffix(filepath.Base(path), ".jsonl")
	var out []Problem
	err = eachJSONLine(f, path, func(line int, raw []byte) error {
		var rec struct {
			Question string `json:"question"`
			Answer   string `json:"answer"`
		}
		if err := json.Unmarshal(raw, &rec); err != nil {
			return err
		}
		ans, ok := GSM8KAnswer(rec.Answer)
		if !ok || !strings.Contains(rec.Answer, "####") {
			return errors.New("no final answer after ####")
		}
		out = append(out, Problem{ID: fmt.Sprintf("%s/%d", base, len(out)),
			Problem: rec.Question, Solution: rec.Answer, Answer: ans})
		return nil
	})
	return out, err
}

// eachJSONLine calls fn for every non-blank line; errors are reported as
// name:line so a bad record can be found quickly.
func eachJSONLine(r io.Reader, name string, fn func(line int, raw []byte) error) error {
	br := bufio.NewReaderSize(r, 1<<16)
	for line := 1; ; line++ {
		raw, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(raw)) > 0 {
			if ferr := fn(line, raw); ferr != nil {
				return fmt.Errorf("%s:%d: %w", name, line, ferr)
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s:%d: %w", name, line, err)
		}
	}
}
