package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestBenchPicksByNameOrPattern(t *testing.T) {
	names := func(filter string, args ...string) string {
		bs, err := pickBenchmarks(filter, args)
		if err != nil {
			return "error: " + err.Error()
		}
		var out []string
		for _, b := range bs {
			out = append(out, b.Name)
		}
		return strings.Join(out, " ")
	}
	for _, c := range []struct {
		filter, want string
		args         []string
	}{
		{"", "decode-cola load", []string{"load", "decode-cola"}}, // in the table's order
		{"^decode-big", "decode-big decode-big-cola", nil},
		{"", "error: no benchmark \"decod\" (there are: decode,", []string{"decod"}},
		{"^nothing$", "error: no benchmark matches \"^nothing$\"", nil},
	} {
		if got := names(c.filter, c.args...); !strings.HasPrefix(got, c.want) {
			t.Errorf("filter %q names %v: %q, want %q...", c.filter, c.args, got, c.want)
		}
	}
}

func TestBenchPrintsJSON(t *testing.T) {
	var buf bytes.Buffer
	in := []benchResult{{"load", "speed", 1.5, "GB/s", "target >= 1"}}
	if err := printBench(&buf, in, true); err != nil {
		t.Fatal(err)
	}
	var got []benchResult
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil || len(got) != 1 || got[0] != in[0] {
		t.Fatalf("JSON %s decodes to %+v (%v)", buf.String(), got, err)
	}
	buf.Reset()
	printBench(&buf, in, false)
	if !strings.Contains(buf.String(), "speed") || !strings.Contains(buf.String(), "1.5") {
		t.Errorf("table: %q", buf.String())
	}
}
