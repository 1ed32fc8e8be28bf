package colash

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot/plotter"

	"colash/engine/plot"
	"colash/stdlib/backend"
)

func testTree() *SearchTree {
	leaf := func(code int, text string) *SearchNode {
		return &SearchNode{Code: code, Visits: 1, Value: 0.5, R: 1, Text: text}
	}
	deep := &SearchNode{Code: 7, Visits: 3, Value: 0.25, R: 0.5, Text: " dog", Children: []*SearchNode{
		{Code: 8, Visits: 2, Text: " ran", Children: []*SearchNode{leaf(9, " far"), leaf(10, " <fast>")}},
	}}
	root := &SearchNode{Code: -1, Visits: 5, Value: 0.4, Children: []*SearchNode{deep, leaf(3, " cat")}}
	return &SearchTree{Answer: " dog ran far", Reward: 1, r: &backend.SearchResult{Root: root, Nodes: 6}}
}

func TestSearchTreeDisplay(t *testing.T) {
	tr := testTree()
	h := string(tr.View(0).Display()["text/html"])
	for _, want := range []string{"<details open><summary><b>root</b> <small>visits 5 value 0.400</small>",
		"<code>code 7</code> &#34; dog&#34; <small>visits 3 value 0.250 R 0.500</small>",
		"<li><code>code 10</code> &#34; &lt;fast&gt;&#34;", "<details><summary><code>code 8</code>"} {
		if !strings.Contains(h, want) {
			t.Fatalf("full tree html lacks %q:\n%s", want, h)
		}
	}
	if strings.Count(h, "<details") != strings.Count(h, "</details>") || strings.Count(h, "<li>") != 6 {
		t.Fatalf("unbalanced or missing nodes:\n%s", h)
	}
	cut := string(tr.View(1).Display()["text/html"])
	if !strings.Contains(cut, "<code>code 7</code> &#34; dog&#34; <small>visits 3 value 0.250 R 0.500</small> <i>(3 nodes below)</i>") || strings.Contains(cut, "code 8") {
		t.Fatalf("depth 1:\n%s", cut)
	}
	txt := string(tr.Display()["text/plain"])
	if !strings.HasPrefix(txt, `" dog ran far"  reward 1.000  (0 forward tokens, 6 nodes, 0 rollouts)`+"\n") || !strings.Contains(txt, `code 9 " far"`) {
		t.Fatalf("text:\n%s", txt)
	}
}

func TestCacheDisplay(t *testing.T) {
	c := &Cache{Pieces: []string{"<s>", " Lily"}, DType: "f32", acts: map[string]backend.Activation{
		"blocks.0.hook_resid_post":   {Shape: []int{1, 2, 64}, PosAxis: 1},
		"blocks.0.attn.hook_pattern": {Shape: []int{1, 8, 2, 2}, PosAxis: 2},
	}}
	h := string(c.Display()["text/html"])
	want := "<tr><td>blocks.0.attn.hook_pattern</td><td>[8 2 2]</td><td>f32</td></tr>\n<tr><td>blocks.0.hook_resid_post</td><td>[2 64]</td><td>f32</td></tr>"
	if !strings.Contains(h, want) || !strings.Contains(h, "<th>hook point</th><th>shape</th><th>dtype</th>") {
		t.Fatalf("cache html:\n%s", h)
	}
}

func TestRecipeResults(t *testing.T) {
	dir := t.TempDir()
	res := `{"recipe":"countdown","model":"cola","seconds":12.5,"to_target":{"latent":{"reached":true,"step":12,"seconds":30,"tokens":4096}},"stages":[
		{"stage":"latent","kind":"rl","seconds":10,"metrics":{"steps":30,"final":{"reward/mean":0.75,"kl":0.01},"note":"x"}},
		{"stage":"eval","kind":"eval","seconds":2,"metrics":{"Overall":{"Correct":3}}},
		{"stage":"other","kind":"x","seconds":1,"metrics":{"b":2,"a":1,"c":"text"}}]}`
	os.WriteFile(filepath.Join(dir, "results.json"), []byte(res), 0o644)
	os.MkdirAll(filepath.Join(dir, "plots"), 0o755)
	pts := plotter.XYs{{X: 1, Y: 0}, {X: 2, Y: 1}}
	for _, name := range []string{"reward_mean", "kl"} {
		if err := plot.Lines(filepath.Join(dir, "plots", name+".png"), name, name, []plot.Series{{Label: name, Points: pts}}); err != nil {
			t.Fatal(err)
		}
	}
	r := RecipeResults(dir)
	if got := r.Metric("latent", "final.reward/mean"); got != 0.75 {
		t.Fatalf("metric %v", got)
	}
	if len(r.Plots) != 2 || r.Plots[0] != "plots/kl.png" {
		t.Fatalf("plots %v", r.Plots)
	}
	d := r.Display()
	h := string(d["text/html"])
	if !strings.Contains(h, "<th>to target reward</th>") ||
		!strings.Contains(h, "<td>latent</td><td>rl</td><td>10</td><td>final.reward/mean 0.75, final.kl 0.01</td><td>step 12, 30 s, 4096 tokens</td>") ||
		!strings.Contains(h, "<td>eval</td><td>eval</td><td>2</td><td>Overall.Correct 3</td><td></td>") ||
		!strings.Contains(h, "<td>other</td><td>x</td><td>1</td><td>a 1, b 2</td>") {
		t.Fatalf("recipe html:\n%s", h)
	}
	if strings.Count(h, `src="data:image/png;base64,`) != 2 {
		t.Fatalf("plots not inline:\n%.400s", h)
	}
	kl, _ := os.ReadFile(filepath.Join(dir, "plots", "kl.png"))
	if !bytes.Equal(d["image/png"], kl) {
		t.Fatal("image/png is not the first plot")
	}
	mustFail(t, "no stage", func() { r.Metric("nope", "steps") })
	mustFail(t, "no number", func() { r.Metric("latent", "note") })
	mustFail(t, "results.json", func() { RecipeResults(t.TempDir()) })
}

func TestHeatmap(t *testing.T) {
	h := Heatmap("effect", [][]float64{{0, 1, -0.5}, {0.25, 0, 0}}, []string{"L0", "L1"}, []string{"<s>", " Tim", " had"})
	d := h.Display()
	img, err := png.Decode(bytes.NewReader(d["image/png"]))
	if err != nil {
		t.Fatalf("no PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 300 || b.Dy() < 200 {
		t.Fatalf("PNG %v", b)
	}
	if txt := string(d["text/plain"]); !strings.Contains(txt, "L0") || !strings.Contains(txt, "-0.50") || !strings.Contains(txt, "Tim") {
		t.Fatalf("text:\n%s", txt)
	}
	mustFail(t, "2 rows of values and 1 row labels", func() { Heatmap("x", [][]float64{{1}, {2}}, []string{"a"}, []string{"c"}) })
	mustFail(t, "row 1 has 2 values", func() { Heatmap("x", [][]float64{{1}, {2, 3}}, []string{"a", "b"}, []string{"c"}) })
}

// mustFail runs f and checks that it fails (a script error) with a message containing want.
func mustFail(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Fatalf("no failure, want %q", want)
		}
		if e, ok := r.(error); !ok || !strings.Contains(e.Error(), want) {
			t.Fatalf("failure %v, want %q", r, want)
		}
	}()
	f()
}
