package tasks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// Item is one problem of a task: its prompt, a worked solution for training, and its verifier.
// Problem and ArithProblem are Items, so evaluation and RL need not switch on the family.
type Item interface {
	Prompt() string
	Solution() string
	Verify(completion string) (correct bool, answer string)
	Fields() map[string]any // the JSON fields of the problem (nums/target or expr), for result files
}

// The task names Load and ReadItems take.
const (
	TaskCountdown = "countdown"
	TaskArith     = "arith"
)

// Tasks lists the task names.
func Tasks() []string { return []string{TaskCountdown, TaskArith} }

func unknownTask(task string) error {
	return fmt.Errorf("unknown task %q (valid: %s)", task, strings.Join(Tasks(), ", "))
}

// Load generates n items of a task: "countdown" with level cd3 or cd4, or "arith" with no level.
func Load(task, level string, n int, seed uint64) ([]Item, error) {
	switch task {
	case TaskCountdown:
		ps, err := Generate(level, n, seed)
		if err != nil {
			return nil, err
		}
		return items(ps), nil
	case TaskArith:
		if level != "" {
			return nil, fmt.Errorf("task arith has no levels (got level %q)", level)
		}
		if n < 0 {
			return nil, fmt.Errorf("arith: negative problem count %d", n)
		}
		return items(GenerateArith(n, seed)), nil
	}
	return nil, unknownTask(task)
}

// ReadItems reads the JSONL problems of a task (see ReadCountdown and ReadArith).
func ReadItems(task, path string) ([]Item, error) {
	switch task {
	case TaskCountdown:
		ps, err := ReadCountdown(path)
		if err != nil {
			return nil, err
		}
		return items(ps), nil
	case TaskArith:
		ps, err := ReadArith(path)
		if err != nil {
			return nil, err
		}
		return items(ps), nil
	}
	return nil, unknownTask(task)
}

func items[T Item](ps []T) []Item {
	if ps == nil {
		return nil
	}
	out := make([]Item, len(ps))
	for i, p := range ps {
		out[i] = p
	}
	return out
}

// Reward is 1 when it.Verify accepts completion, else 0: the exact reward for RL and search.
func Reward(it Item, completion string) float64 {
	if ok, _ := it.Verify(completion); ok {
		return 1
	}
	return 0
}

// WriteItems writes items as JSONL, one line of Fields each: the form ReadItems reads.
func WriteItems(path string, items []Item) error {
	var b bytes.Buffer
	for _, it := range items {
		line, err := json.Marshal(it.Fields())
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		b.Write(append(line, '\n'))
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}
