package tasks

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
)

// Problems travel as JSON Lines, one object per line: {"nums": [12, 7, 45], "target": 60} for
// countdown and {"expr": "37*4+29-56"} for arith. Other fields are ignored, so files made for
// other tools read too; blank lines are skipped.

// ReadCountdown reads countdown problems. A line that is not JSON, lacks "nums" or "target", or
// has a problem out of range (2 to 5 numbers, each 1..100, target 1..1000) is an error
// "path:line: ...".
func ReadCountdown(path string) ([]Problem, error) {
	var out []Problem
	err := readJSONL(path, func(line []byte) error {
		var rec struct {
			Nums   *[]int `json:"nums"`
			Target *int   `json:"target"`
		}
		if err := json.Unmarshal(line, &rec); err != nil {
			return err
		}
		if rec.Nums == nil {
			return fmt.Errorf(`missing "nums"`)
		}
		if rec.Target == nil {
			return fmt.Errorf(`missing "target"`)
		}
		p := Problem{Nums: *rec.Nums, Target: *rec.Target}
		if err := p.validate(); err != nil {
			return err
		}
		out = append(out, p)
		return nil
	})
	return out, err
}

// ReadArith reads arith problems. A line that is not JSON, lacks "expr", or has a malformed
// expression (characters other than digits + - *, numbers over 999, 1 to 5 operations) is an
// error "path:line: ...".
func ReadArith(path string) ([]ArithProblem, error) {
	var out []ArithProblem
	err := readJSONL(path, func(line []byte) error {
		var rec struct {
			Expr *string `json:"expr"`
		}
		if err := json.Unmarshal(line, &rec); err != nil {
			return err
		}
		if rec.Expr == nil {
			return fmt.Errorf(`missing "expr"`)
		}
		if _, _, err := arithTerms(*rec.Expr); err != nil {
			return err
		}
		out = append(out, ArithProblem{Expr: *rec.Expr})
		return nil
	})
	return out, err
}

// readJSONL calls each for every non-blank line of path, prefixing an error with path:line.
func readJSONL(path string, each func(line []byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		if err := each(line); err != nil {
			return fmt.Errorf("%s:%d: %w", path, n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// WriteCountdown writes problems in the form ReadCountdown reads, refusing any it would reject.
func WriteCountdown(path string, ps []Problem) error {
	var b bytes.Buffer
	for i, p := range ps {
		if err := p.validate(); err != nil {
			return fmt.Errorf("%s: problem %d: %w", path, i+1, err)
		}
		line, _ := json.Marshal(struct {
			Nums   []int `json:"nums"`
			Target int   `json:"target"`
		}{p.Nums, p.Target})
		b.Write(append(line, '\n'))
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// WriteArith writes problems in the form ReadArith reads, refusing any it would reject.
func WriteArith(path string, ps []ArithProblem) error {
	var b bytes.Buffer
	for i, p := range ps {
		if _, _, err := arithTerms(p.Expr); err != nil {
			return fmt.Errorf("%s: problem %d: %w", path, i+1, err)
		}
		line, _ := json.Marshal(struct {
			Expr string `json:"expr"`
		}{p.Expr})
		b.Write(append(line, '\n'))
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}
