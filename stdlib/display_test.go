package colash

import (
	"strings"
	"testing"
)

func TestDisplay(t *testing.T) {
	h := string(Histogram([]int{1, 1, 2}).Display()["text/html"])
	if !strings.Contains(h, "<td>1</td><td>2</td>") || !strings.Contains(h, "width:200px") || !strings.Contains(h, "width:100px") {
		t.Fatalf("chart html:\n%s", h)
	}
	tb := string(Table([][]string{{"<x>", "y"}}, "a", "b").Display()["text/html"])
	if !strings.Contains(tb, "<th>a</th><th>b</th>") || !strings.Contains(tb, "<td>&lt;x&gt;</td>") {
		t.Fatalf("table html:\n%s", tb)
	}
	run := &RLRun{Rewards: []float64{0, 0.5, 1}, KL: []float64{0, 0.1, 0.2}}
	d := run.Display()
	if png := d["image/png"]; len(png) < 100 || string(png[1:4]) != "PNG" {
		t.Fatalf("rl run: no PNG (%d bytes)", len(png))
	}
	if string(d["text/plain"]) != run.String() {
		t.Fatalf("rl run text %q", d["text/plain"])
	}
	ct := CodeTable{{Code: 3, Policy: 0.5, Tokens: []string{"a&b"}, Shares: []float64{1}, Example: "x"}}
	if h := string(ct.Display()["text/html"]); !strings.Contains(h, "<td>3</td><td>50.0%</td><td>&#34;a&amp;b&#34; 100%</td>") {
		t.Fatalf("code table html:\n%s", h)
	}
}
