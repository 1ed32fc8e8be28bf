package shapes

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"github.com/sugarme/gotch"

	"colash/model/checkpoint"
	"colash/model/llama"
	"colash/model/safetensors"
	"colash/model/tensor"
	"colash/model/tokenizer"
)

// write writes the tiny shape, sharded at shardBytes, into a new folder.
func write(t *testing.T, dt safetensors.DType, withCoLA bool, shardBytes int64, seed uint64) (*Plan, string) {
	t.Helper()
	s, _ := Lookup("tiny")
	p, err := NewPlan(Spec{Shape: s, DType: dt, Seed: seed, CoLA: withCoLA, ShardBytes: shardBytes})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "model")
	var last int64
	if err := p.Write(dir, func(done, total int64) { last = done }); err != nil {
		t.Fatal(err)
	}
	if last != p.Bytes {
		t.Errorf("progress ended at %d of %d bytes", last, p.Bytes)
	}
	return p, dir
}

// TestTinyWritesShardsAndLoads writes the tiny shape as a Llama and as a CoLA, in bf16 shards of
// 1 MB, checks the index against the shards and the plan, loads each back through checkpoint.Open
// (which keeps bf16) and decodes a few tokens.
func TestTinyWritesShardsAndLoads(t *testing.T) {
	for _, withCoLA := range []bool{false, true} {
		p, dir := write(t, "BF16", withCoLA, 1<<20, 1)
		checkIndex(t, dir, p)
		m, err := checkpoint.Open(dir, checkpoint.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if want := map[bool]string{false: checkpoint.KindLlama, true: checkpoint.KindCoLA}[withCoLA]; m.Kind() != want {
			t.Errorf("loaded a %s, want %s", m.Kind(), want)
		}
		if m.DType() != gotch.BFloat16 || m.NumParams() != p.Params {
			t.Errorf("loaded %s: want bf16 with %d weights", m, p.Params)
		}
		if _, ok := m.Tok.(*tokenizer.BPE); !ok || m.Tok.VocabSize() != 128256 {
			t.Errorf("tokenizer %T of %d tokens, want the Llama 3 BPE", m.Tok, m.Tok.VocabSize())
		}
		ids := m.Tok.Encode("Once upon a time", tokenizer.EncodeOptions{BOS: true})
		for range 4 {
			ids = append(ids, greedy(t, m.Llama, ids))
		}
		t.Logf("CoLA %v: %s: %q", withCoLA, m, m.Tok.Decode(ids))
		m.Free()
	}
}

// greedy returns the most likely token after ids (no cache: the whole sequence each time).
func greedy(t *testing.T, m *llama.Model, ids []int) int {
	t.Helper()
	ids64 := make([]int64, len(ids))
	for i, id := range ids {
		ids64[i] = int64(id)
	}
	var next int
	err := tensor.Guard(func() {
		tokens, err := m.Tokens(ids64, 1, len(ids))
		if err != nil {
			panic(err)
		}
		defer tokens.MustDrop()
		lg, err := m.LastLogits(tokens, &llama.Batch{Pad: []int{0}}, nil)
		if err != nil {
			panic(err)
		}
		defer lg.MustDrop()
		f := lg.MustTotype(gotch.Float, false)
		defer f.MustDrop()
		v := tensor.Float32s(f)
		for i, x := range v {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				t.Fatalf("logit %d is %v", i, x)
			}
			if x > v[next] {
				next = i
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return next
}

// checkIndex reads model.safetensors.index.json: every planned tensor in the shard it names, in
// the planned dtype and shape, no shard over the limit unless it holds one tensor, total_size the
// plan's bytes.
func checkIndex(t *testing.T, dir string, p *Plan) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, safetensors.IndexFileName))
	if err != nil {
		t.Fatal(err)
	}
	var idx struct {
		Metadata struct {
			TotalSize int64 `json:"total_size"`
		} `json:"metadata"`
		WeightMap map[string]string `json:"weight_map"`
	}
	if err := json.Unmarshal(b, &idx); err != nil {
		t.Fatal(err)
	}
	if idx.Metadata.TotalSize != p.Bytes || len(idx.WeightMap) != len(p.Sources) {
		t.Errorf("index: total_size %d for %d tensors, planned %d for %d", idx.Metadata.TotalSize, len(idx.WeightMap), p.Bytes, len(p.Sources))
	}
	shards := map[string]*safetensors.File{}
	for _, name := range idx.WeightMap {
		if shards[name] == nil {
			f, err := safetensors.Open(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			shards[name] = f
		}
	}
	if len(shards) < 2 {
		t.Errorf("%d shards of 1 MB for %d bytes", len(shards), p.Bytes)
	}
	for k := 1; k <= len(shards); k++ {
		if shards[safetensors.ShardFileName(k, len(shards))] == nil {
			t.Errorf("no shard %s", safetensors.ShardFileName(k, len(shards)))
		}
	}
	sizes := map[string]int64{}
	count := map[string]int{}
	for _, s := range p.Sources {
		shard := idx.WeightMap[s.Name]
		info, ok := shards[shard].Info(s.Name)
		if !ok {
			t.Errorf("%s: index names %s, which does not hold it", s.Name, shard)
			continue
		}
		if info.DType != p.DType || !slices.Equal(info.Shape, s.Shape) {
			t.Errorf("%s: stored %s %v, planned %s %v", s.Name, info.DType, info.Shape, p.DType, s.Shape)
		}
		sizes[shard] += info.Size()
		count[shard]++
	}
	for shard, n := range sizes {
		if n > p.ShardBytes && count[shard] > 1 {
			t.Errorf("%s holds %d bytes in %d tensors, over the %d limit", shard, n, count[shard], p.ShardBytes)
		}
	}
}

// TestValuesAreSeededAndInRange: bf16 weights are stored as bf16, uniform in [-0.02, 0.02) with
// norms 1; the same seed writes the same bytes whatever the number of cores, another seed others.
func TestValuesAreSeededAndInRange(t *testing.T) {
	p, dir := write(t, "BF16", false, 0, 7)
	c, err := safetensors.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	emb, err := c.ReadFloat32("model.embed_tokens.weight")
	if err != nil {
		t.Fatal(err)
	}
	var sum, lo, hi float64
	for _, v := range emb {
		sum += float64(v)
		lo, hi = min(lo, float64(v)), max(hi, float64(v))
	}
	if mean := sum / float64(len(emb)); math.Abs(mean) > 1e-4 || lo < -0.0201 || hi > 0.0201 || hi-lo < 0.039 {
		t.Errorf("embedding: mean %g, range [%g, %g], want uniform in [-0.02, 0.02) rounded to bf16", mean, lo, hi)
	}
	norm, _ := c.ReadFloat32("model.layers.1.post_attention_layernorm.weight")
	for _, v := range norm {
		if v != 1 {
			t.Fatalf("norm weight %v, want 1", v)
		}
	}
	for _, name := range c.Names() {
		if info, _ := c.Info(name); info.DType != "BF16" {
			t.Errorf("%s stored %s", name, info.DType)
		}
	}
	raw := func(dir string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, safetensors.SingleFileName))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	_, again := write(t, "BF16", false, 0, 7)
	_, other := write(t, "BF16", false, 0, 8)
	if !bytes.Equal(raw(dir), raw(again)) {
		t.Error("seed 7 on one core wrote other bytes than on all cores")
	}
	if bytes.Equal(raw(dir), raw(other)) {
		t.Error("seeds 7 and 8 wrote the same bytes")
	}
	if f32 := plan(t, "tiny", "F32", false); f32.Bytes != 2*p.Bytes {
		t.Errorf("f32 %d bytes, bf16 %d", f32.Bytes, p.Bytes)
	}
}
