package weights_test

import (
	"reflect"
	"testing"

	"github.com/sugarme/gotch"

	"colash/model/nn"
	"colash/model/tensor"
	"colash/model/weights"
)

// A model with every kind of field Walk knows: leaf modules, a value sub-module bound to a width
// by a dims tag, a list of pointer sub-modules, and a tied leaf.
type walkModel struct {
	Embed  nn.Embedding `st:"embed.weight" shape:"V,d"`
	Merge  []*nn.SwiGLU `st:"merge" dims:"in=d2"`
	MLP    nn.SwiGLU    `st:"mlp" dims:"in=d"`
	Norm   nn.RMSNorm   `st:"norm.weight" shape:"d" init:"ones"`
	Head   nn.Linear    `st:"head.weight" shape:"V,d" tied:"embed.weight"`
	skip   nn.Linear    // untagged: not a weight
	Nested *walkNested  `st:"outer"`
}

type walkNested struct {
	Inner nn.SwiGLU `st:"inner" dims:"in=ff"` // "in" bound to a dim that is itself renamed nowhere
}

func TestWalkNamesShapesAndRenames(t *testing.T) {
	m := &walkModel{Merge: []*nn.SwiGLU{{}, {}}, Nested: &walkNested{}}
	var got [][2]string
	for _, p := range weights.Walk(m) {
		got = append(got, [2]string{p.Name, join(p.Shape)})
	}
	want := [][2]string{
		{"embed.weight", "V,d"},
		{"merge.0.gate_proj.weight", "ff,d2"}, {"merge.0.up_proj.weight", "ff,d2"}, {"merge.0.down_proj.weight", "d,ff"},
		{"merge.1.gate_proj.weight", "ff,d2"}, {"merge.1.up_proj.weight", "ff,d2"}, {"merge.1.down_proj.weight", "d,ff"},
		{"mlp.gate_proj.weight", "ff,d"}, {"mlp.up_proj.weight", "ff,d"}, {"mlp.down_proj.weight", "d,ff"},
		{"norm.weight", "d"}, {"head.weight", "V,d"},
		{"outer.inner.gate_proj.weight", "ff,ff"}, {"outer.inner.up_proj.weight", "ff,ff"}, {"outer.inner.down_proj.weight", "d,ff"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("walk:\n got %v\nwant %v", got, want)
	}
	// Pointers reach the leaves' own fields.
	ps := weights.Walk(m)
	if ps[0].Ptr != &m.Embed.W || ps[11].Ptr != &m.Head.W || ps[11].Tied != "embed.weight" || ps[10].Init != "ones" {
		t.Fatal("Walk does not point at the leaf weights or lost their tags")
	}
}

func join(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ","
		}
		out += x
	}
	return out
}

func TestCloneCopiesValuesKeepsTiesAndDropsUntagged(t *testing.T) {
	m := &walkModel{Merge: []*nn.SwiGLU{{}}, Nested: &walkNested{}}
	dims := weights.Dims{"V": 7, "d": 4, "d2": 8, "ff": 6}
	if err := weights.Init(m, dims, 3, gotch.CPU, gotch.Float); err != nil {
		t.Fatal(err)
	}
	defer weights.Free(m)
	m.Head.W.MustDrop()
	m.Head.W = m.Embed.W // tie
	m.skip.W = m.Embed.W
	var c *walkModel
	if err := tensor.Guard(func() { c = weights.Clone(m) }); err != nil {
		t.Fatal(err)
	}
	defer weights.Free(c)
	src, dst := weights.Walk(m), weights.Walk(c)
	if len(src) != len(dst) {
		t.Fatalf("clone has %d weights, source %d", len(dst), len(src))
	}
	for i := range src {
		a, b := *src[i].Ptr, *dst[i].Ptr
		if a == b {
			t.Fatalf("%s: the clone shares the source's tensor", src[i].Name)
		}
		if !reflect.DeepEqual(tensor.Float32s(a), tensor.Float32s(b)) {
			t.Fatalf("%s: values differ", src[i].Name)
		}
		if b.MustRequiresGrad() {
			t.Fatalf("%s: the clone requires grad", src[i].Name)
		}
	}
	if c.Head.W != c.Embed.W {
		t.Error("a tied weight is no longer tied in the clone")
	}
	if c.skip.W != nil {
		t.Error("an untagged field was cloned")
	}
	// A leaf clones on its own.
	var h *nn.Linear
	if err := tensor.Guard(func() { h = weights.Clone(&m.MLP.Down) }); err != nil {
		t.Fatal(err)
	}
	defer h.W.MustDrop()
	if h.W == m.MLP.Down.W || !reflect.DeepEqual(tensor.Float32s(h.W), tensor.Float32s(m.MLP.Down.W)) {
		t.Error("leaf clone")
	}
}
