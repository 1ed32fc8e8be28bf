package colash

import (
	"fmt"
	"html"
	"maps"
	"slices"
	"strings"

	"colash/stdlib/backend"
)

// Hook points: TransformerLens's names for the activations of a forward pass (docs/hooks.md).
// Activations reach scripts as [][]float32, one row per position of BOS+text (BOS is position
// 0), features flattened: for the per-head points (attn.hook_q, hook_k, hook_v, hook_z) [heads][hd],
// for attention scores and patterns [heads][S].

// HookFn sees the activation at one position (features flattened) and returns a replacement of
// the same length, or nil (or the same values) to leave it alone. A hook must not call the model.
type HookFn func(pos int, x []float32) []float32

func (m *Model) hooked(op string) backend.Hooked {
	h, ok := m.m.(backend.Hooked)
	if !ok {
		fail(op, fmt.Errorf("%s has no hook points", m.name))
	}
	return h
}

// HookNames lists the model's hook points in forward order: hook_embed, blocks.{i}.*,
// ln_final.*, hook_logits and, on a CoLA, idm.*, policy.*, action.* and wm.*.
func (m *Model) HookNames() []string { return m.hooked("hook names").HookNames() }

// Cache is the activations of one text at a set of hook points.
type Cache struct {
	Pieces []string // the text of each position, BOS first
	DType  string   // the model's dtype, which the activations had in the engine (scripts get float32)
	acts   map[string]backend.Activation
}

// RunWithCache runs BOS+text once and records the activations at names (none given: every
// hook point; on a CoLA the IDM, policy and world model run too).
func (m *Model) RunWithCache(text string, names ...string) *Cache {
	h := m.hooked("run with cache")
	ids := m.m.Encode(text, true)
	acts, err := h.RunWithCache(backend.Context(), ids, names)
	fail("run with cache", err)
	c := &Cache{acts: acts, DType: m.m.Info().DType}
	for _, id := range ids {
		c.Pieces = append(c.Pieces, m.Piece(id))
	}
	return c
}

// Names lists the recorded hook points.
func (c *Cache) Names() []string { return slices.Sorted(maps.Keys(c.acts)) }

func (c *Cache) get(name string) backend.Activation {
	a, ok := c.acts[name]
	if !ok {
		fail("cache", fmt.Errorf("no activation %q in the cache (Names lists them)", name))
	}
	return a
}

// Get is the activation at name, [positions][features].
func (c *Cache) Get(name string) [][]float32 { return c.get(name).Rows(0) }

// Shape is the activation's shape without the batch axis: [T,d], [T,heads,hd], [heads,T,S]...
func (c *Cache) Shape(name string) []int { return slices.Clone(c.get(name).Shape[1:]) }

// Head is one head of a per-head point, [positions][hd] (or [positions][S] for scores and
// patterns).
func (c *Cache) Head(name string, head int) [][]float32 {
	a := c.get(name)
	if len(a.Shape) != 4 {
		fail("cache head", fmt.Errorf("%s is not per head (shape %v)", name, a.Shape[1:]))
	}
	headAxis := 2
	if a.PosAxis == 2 {
		headAxis = 1
	}
	nH := a.Shape[headAxis]
	if head < 0 || head >= nH {
		fail("cache head", fmt.Errorf("head %d of %s, which has %d", head, name, nH))
	}
	rows := a.Rows(0)
	w := len(rows[0]) / nH
	for t := range rows {
		rows[t] = rows[t][head*w : (head+1)*w]
	}
	return rows
}

func (c *Cache) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "cache of %d positions, %d hook points (%s)", len(c.Pieces), len(c.acts), c.DType)
	for _, n := range c.Names() {
		fmt.Fprintf(&b, "\n  %-40s %v", n, c.Shape(n))
	}
	return b.String()
}

// Display renders the recorded hook points as an HTML table (name, shape, dtype), under the
// text's positions.
func (c *Cache) Display() map[string][]byte {
	rows := make([][]string, 0, len(c.acts))
	for _, n := range c.Names() {
		rows = append(rows, []string{n, fmt.Sprint(c.Shape(n)), c.DType})
	}
	head := fmt.Sprintf("<p>cache of %d positions: %s</p>\n", len(c.Pieces), html.EscapeString(fmt.Sprintf("%q", c.Pieces)))
	return map[string][]byte{"text/plain": []byte(c.String()),
		"text/html": []byte(head + htmlTable([]string{"hook point", "shape", "dtype"}, rows))}
}

// RunWithHooks runs text with hooks set at the named points for this pass only and returns the
// next-token logits as Logits does (one row per token of Tokenize(text)).
func (m *Model) RunWithHooks(text string, hooks map[string]HookFn) [][]float32 {
	h := m.hooked("run with hooks")
	fns := map[string]backend.HookFn{}
	for name, fn := range hooks {
		fns[name] = backend.HookFn(fn)
	}
	ids := m.m.Encode(text, true)
	rows, err := h.RunWithHooks(backend.Context(), ids, fns)
	fail("run with hooks", err)
	return dropBOSRow(m, text, ids, rows)
}

// dropBOSRow drops the row after BOS, as Logits does.
func dropBOSRow(m *Model, text string, ids []int, rows [][]float32) [][]float32 {
	if len(rows) > 1 && len(ids) > len(m.Tokenize(text)) {
		return rows[1:]
	}
	return rows
}

// AddHook sets fn at the hook point name for every forward pass that follows (Logits,
// Generate, CoLA sampling...) until the returned undo is called.
//
//	undo := m.AddHook("blocks.2.hook_resid_post", func(pos int, x []float32) []float32 {
//		x[0] = 0
//		return x
//	})
//	defer undo()
func (m *Model) AddHook(name string, fn HookFn) (undo func()) {
	u, err := m.hooked("add hook").AddHook(name, backend.HookFn(fn))
	fail("add hook", err)
	return u
}

// PolicyLogits are the CoLA policy's logits over the codes at each position of BOS+text,
// [T][C]: row t is the distribution of the code that produces token t+1.
func (m *Model) PolicyLogits(text string) [][]float32 {
	_, pol, _ := m.modules("policy logits", text, nil)
	return pol
}

// IDMLogits are the inverse dynamics model's logits at each position of BOS+text, [T][C]: row
// t scores the code that produced token t+1 (the last row has no next token).
func (m *Model) IDMLogits(text string) [][]float32 {
	idm, _, _ := m.modules("idm logits", text, nil)
	return idm
}

// WMLogits are the world model's next-token logits at each position of BOS+text when codes[t]
// is taken at position t, [T][V]; codes has one entry per position (len(Tokenize(text))+1),
// or is nil for the IDM's codes.
func (m *Model) WMLogits(text string, codes []int) [][]float32 {
	_, _, wm := m.modules("world model logits", text, codes)
	return wm
}

func (m *Model) modules(op, text string, codes []int) (idm, pol, wm [][]float32) {
	c := m.cola(op)
	mod, ok := c.(backend.Modules)
	if !ok {
		fail(op, fmt.Errorf("the tensor engine cannot read %s's modules", m.name))
	}
	idm, pol, wm, err := mod.ModuleLogits(backend.Context(), c.Encode(text, true), codes)
	fail(op, err)
	return idm, pol, wm
}

// hookDocs describe the hook points by the end of their names (docs/hooks.md has the table).
var hookDocs = []struct{ suffix, doc string }{
	{"hook_embed", "token embeddings [T,d] (action.hook_embed: the codebook vector of each position's code)"},
	{"hook_resid_pre", "the residual stream entering the block [T,d]"},
	{"hook_resid_mid", "the residual stream after attention [T,d]"},
	{"hook_resid_post", "the residual stream leaving the block [T,d]; SteeringVector adds here"},
	{"hook_scale", "the norm's scale sqrt(mean(x^2)+eps) [T,1]"},
	{"hook_normalized", "x / scale, before the norm's weight [T,d]"},
	{"attn.hook_q", "query heads before RoPE [T,heads,hd]"},
	{"attn.hook_k", "key heads before RoPE [T,kv heads,hd]"},
	{"attn.hook_v", "value heads [T,kv heads,hd]"},
	{"attn.hook_rot_q", "query heads after RoPE [T,heads,hd]"},
	{"attn.hook_rot_k", "key heads after RoPE [T,kv heads,hd]"},
	{"attn.hook_attn_scores", "q.k/sqrt(hd), masked (-1e9, float16: -32752), [heads,T,S]"},
	{"attn.hook_pattern", "attention pattern softmax(scores) [heads,T,S]"},
	{"attn.hook_z", "each head's attention output, before o_proj [T,heads,hd]"},
	{"hook_attn_out", "the attention's output added to the residual [T,d]"},
	{"mlp.hook_pre", "gate projection of the MLP [T,ff]"},
	{"mlp.hook_pre_linear", "up projection of the MLP [T,ff]"},
	{"mlp.hook_post", "silu(gate) * up [T,ff]"},
	{"hook_mlp_out", "the MLP's output added to the residual [T,d]"},
	{"hook_logits", "the head's logits [T,V] (idm., policy.: over the codes [T,C])"},
	{"hook_code", "the code taken at each position [T,1]"},
	{"hook_out", "what a world-model merge MLP adds to its state [T,d]"},
}

// HookDoc describes the hook point name (any model's; "" for a name that is not one).
func HookDoc(name string) string {
	for _, h := range hookDocs {
		if strings.HasSuffix(name, h.suffix) && strings.Contains(name, "hook_") {
			return name + ": " + h.doc
		}
	}
	return ""
}
