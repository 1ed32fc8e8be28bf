package colash

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestPrelude(t *testing.T) {
	if Min(3, 1, 2) != 1 || Max(3, 1, 2) != 3 || Min() != 0 {
		t.Error("Min/Max")
	}
	if MinF(2.5, -1) != -1 || MaxF(2.5, -1) != 2.5 {
		t.Error("MinF/MaxF")
	}
	if !slices.Equal(SortInts([]int{3, 1, 2}), []int{1, 2, 3}) ||
		!slices.Equal(SortFloats([]float64{2, 1}), []float64{1, 2}) ||
		!slices.Equal(SortStrings([]string{"b", "a"}), []string{"a", "b"}) {
		t.Error("Sort*")
	}
	if !slices.Equal(Range(3), []int{0, 1, 2}) || len(Range(-1)) != 0 {
		t.Error("Range")
	}
	if Sum(1, 2, 3) != 6 || SumF(0.5, 0.25) != 0.75 {
		t.Error("Sum")
	}
	if ArgMax([]float32{1, 5, 2}) != 1 || ArgMax(nil) != -1 {
		t.Error("ArgMax")
	}
	p := Softmax([]float32{0, 0})
	if p[0] != 0.5 || p[1] != 0.5 {
		t.Errorf("Softmax %v", p)
	}
}

func TestHistogram(t *testing.T) {
	c := Histogram([]string{"a", "b", "a", "c", "a", "b"})
	if !slices.Equal(c.Labels, []string{`"a"`, `"b"`, `"c"`}) || !slices.Equal(c.Values, []float64{3, 2, 1}) {
		t.Errorf("strings: %v %v", c.Labels, c.Values)
	}
	c = Histogram(map[int]int{1: 5, 2: 7})
	if !slices.Equal(c.Labels, []string{"2", "1"}) {
		t.Errorf("map: %v", c.Labels)
	}
	c = Histogram([]float64{0, 0.05, 0.95, 1})
	if len(c.Labels) != 10 || c.Values[0] != 2 || c.Values[9] != 2 {
		t.Errorf("floats: %v %v", c.Labels, c.Values)
	}
	if s := Histogram([]int{4, 4, 5}).String(); !strings.Contains(s, "█") || !strings.Contains(s, "4") {
		t.Errorf("render:\n%s", s)
	}
	if c := Histogram(Range(100)).Top(5); len(c.Labels) != 5 || c.More != 95 {
		t.Errorf("Top: %d rows, %d more", len(c.Labels), c.More)
	}
	defer func() {
		var e *Error
		if r := recover(); r == nil || !errors.As(r.(error), &e) {
			t.Errorf("Histogram(3) panicked with %v, want an *Error", r)
		}
	}()
	Histogram(3)
}

func TestTable(t *testing.T) {
	type row struct {
		Name  string
		Score float64
		n     int
	}
	tv := Table([]row{{"a", 0.5, 1}, {"b", 2, 2}})
	if !slices.Equal(tv.Header, []string{"Name", "Score"}) || tv.Rows[1][1] != "2" {
		t.Errorf("structs: %v %v", tv.Header, tv.Rows)
	}
	tv = Table(map[int]string{10: "x", 2: "y"})
	if tv.Rows[0][0] != "2" {
		t.Errorf("map keys not in numeric order: %v", tv.Rows)
	}
	tv = Table([][]any{{1, "x"}, {2, "y"}}, "n", "s")
	if !strings.Contains(tv.String(), "│ n ") || len(tv.Rows) != 2 {
		t.Errorf("rows:\n%s", tv)
	}
}

func TestDoc(t *testing.T) {
	for name, want := range map[string]string{
		"Load":           "func Load(path string) *Model",
		"colash.Load":    "shipped model",
		"Model.Generate": "func (m *Model) Generate(prompt string, opts ...Opts) *Result",
		"Generate":       "Ctrl-C",
		"Opts":           "Temp",
		"Model.Codes":    "inverse dynamics",
	} {
		if d := Doc(name); !strings.Contains(d, want) {
			t.Errorf("Doc(%q) = %q, want %q in it", name, d, want)
		}
	}
	if Doc("NoSuchThing") != "" {
		t.Error("Doc of an unknown name")
	}
}

func TestNoEngine(t *testing.T) {
	// this package alone links no tensor engine: Load says so instead of crashing
	if _, err := TryLoad(""); err == nil || !strings.Contains(err.Error(), "no tensor engine") {
		t.Fatalf("TryLoad without an engine: %v", err)
	}
}

func TestSparklineAndRLRun(t *testing.T) {
	if got := Sparkline([]float64{0, 0.5, 1}); got != "▁▅█" {
		t.Errorf("Sparkline = %q", got)
	}
	if got := Sparkline([]float64{2, 2}); got != "▁▁" {
		t.Errorf("flat Sparkline = %q", got)
	}
	r := &RLRun{Rewards: []float64{0.1, 0.9}, KL: []float64{0, 0.2}}
	if s := r.String(); !strings.Contains(s, "0.100 -> 0.900 over 2 steps") || !strings.Contains(s, "kl 0.200") {
		t.Errorf("RLRun.String() = %q", s)
	}
}
