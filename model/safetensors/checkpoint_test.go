package safetensors

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// layerTensors builds a small Llama-like set of tensors, 64 bytes each.
func layerTensors(t *testing.T, layers int) []Tensor {
	var tensors []Tensor
	for l := 0; l < layers; l++ {
		for _, part := range []string{"q_proj", "k_proj"} {
			vals := make([]float32, 32)
			for i := range vals {
				vals[i] = float32(l*100+i) / 8
			}
			tensors = append(tensors, Tensor{
				Name:  fmt.Sprintf("model.layers.%d.self_attn.%s.weight", l, part),
				DType: BF16, Shape: []int{4, 8}, Data: mustEncode(t, vals, BF16),
			})
		}
	}
	return tensors
}

func readIndexJSON(t *testing.T, dir string) indexFile {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, IndexFileName))
	if err != nil {
		t.Fatal(err)
	}
	var idx indexFile
	if err := json.Unmarshal(raw, &idx); err != nil {
		t.Fatal(err)
	}
	return idx
}

func writeIndexJSON(t *testing.T, dir string, idx indexFile) {
	t.Helper()
	raw, err := json.Marshal(idx)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, IndexFileName), raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestShardedRoundTrip(t *testing.T) {
	dir := t.TempDir()
	tensors := layerTensors(t, 5) // 10 tensors of 64 bytes
	meta := map[string]string{"format": "pt"}
	if err := WriteSharded(dir, tensors, 200, meta); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, SingleFileName)); err == nil {
		t.Fatal("sharded write also produced model.safetensors")
	}
	idx := readIndexJSON(t, dir)
	if got := idx.Metadata["total_size"]; got != float64(640) {
		t.Errorf("total_size = %v, want 640", got)
	}
	for k := 1; k <= 4; k++ { // 3 tensors per 200-byte shard
		if _, err := os.Stat(filepath.Join(dir, ShardFileName(k, 4))); err != nil {
			t.Errorf("shard %d: %v", k, err)
		}
	}
	ckpt, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ckpt.Close()
	if len(ckpt.Files()) != 4 {
		t.Errorf("Files() = %v, want 4 shards", ckpt.Files())
	}
	if !reflect.DeepEqual(ckpt.Metadata(), meta) {
		t.Errorf("Metadata() = %v", ckpt.Metadata())
	}
	if len(ckpt.Names()) != len(tensors) {
		t.Fatalf("Names() = %v", ckpt.Names())
	}
	for _, want := range tensors {
		raw, err := ckpt.ReadRaw(want.Name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(raw, want.Data) {
			t.Errorf("%s: data differs", want.Name)
		}
		path, ok := ckpt.Path(want.Name)
		if !ok || filepath.Base(path) != idx.WeightMap[want.Name] {
			t.Errorf("Path(%q) = %q, index says %q", want.Name, path, idx.WeightMap[want.Name])
		}
		info, ok := ckpt.Info(want.Name)
		if !ok || info.DType != BF16 || !reflect.DeepEqual(info.Shape, []int{4, 8}) {
			t.Errorf("Info(%q) = %+v", want.Name, info)
		}
		vals, err := ckpt.ReadFloat32(want.Name)
		if err != nil || len(vals) != 32 {
			t.Fatalf("ReadFloat32(%q) = %d values, %v", want.Name, len(vals), err)
		}
	}
	if _, err := ckpt.ReadRaw("missing"); err == nil {
		t.Error("ReadRaw of an unknown tensor succeeded")
	}
	// Opening the index file directly gives the same checkpoint.
	direct, err := OpenDir(filepath.Join(dir, IndexFileName))
	if err != nil {
		t.Fatal(err)
	}
	direct.Close()
}

func TestShardedWriteThatFitsIsOneFile(t *testing.T) {
	dir := t.TempDir()
	tensors := layerTensors(t, 2)
	if err := WriteSharded(dir, tensors, 1<<20, nil); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != SingleFileName {
		t.Fatalf("directory holds %v, want only %s", entries, SingleFileName)
	}
	for _, path := range []string{dir, filepath.Join(dir, SingleFileName)} {
		ckpt, err := OpenDir(path)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := ckpt.Path(tensors[0].Name); got != filepath.Join(dir, SingleFileName) {
			t.Errorf("Path = %q", got)
		}
		ckpt.Close()
	}
	// A sharded write must not leave the single file shadowing its index.
	err := WriteSharded(dir, tensors, 100, nil)
	requireErrorContains(t, err, SingleFileName, "already exists")
}

func TestShardedSourcesAreProducedOnceEach(t *testing.T) {
	dir := t.TempDir()
	calls := map[string]int{}
	var sources []TensorSource
	for _, tensor := range layerTensors(t, 3) {
		data, name := tensor.Data, tensor.Name
		sources = append(sources, TensorSource{Name: name, DType: tensor.DType, Shape: tensor.Shape,
			Bytes: func() ([]byte, error) { calls[name]++; return data, nil }})
	}
	if err := WriteShardedSources(dir, sources, 128, nil); err != nil {
		t.Fatal(err)
	}
	for _, s := range sources {
		if calls[s.Name] != 1 {
			t.Errorf("%s produced %d times", s.Name, calls[s.Name])
		}
	}
	ckpt, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ckpt.Close()
	if len(ckpt.Files()) != 3 {
		t.Errorf("Files() = %v, want 3", ckpt.Files())
	}
	bad := []TensorSource{{Name: "w", DType: U8, Shape: []int{4}, Bytes: func() ([]byte, error) { return []byte{1}, nil }}}
	requireErrorContains(t, WriteShardedSources(t.TempDir(), bad, 128, nil), `"w"`, "got 1 bytes")
}

func TestOpenDirIndexErrors(t *testing.T) {
	const moved = "model.layers.0.self_attn.q_proj.weight"
	setup := func(t *testing.T) (string, indexFile) {
		dir := t.TempDir()
		if err := WriteSharded(dir, layerTensors(t, 3), 128, nil); err != nil {
			t.Fatal(err)
		}
		return dir, readIndexJSON(t, dir)
	}
	t.Run("missing shard", func(t *testing.T) {
		dir, _ := setup(t)
		os.Remove(filepath.Join(dir, ShardFileName(2, 3)))
		_, err := OpenDir(dir)
		requireErrorContains(t, err, filepath.Join(dir, IndexFileName), "missing shard", ShardFileName(2, 3))
	})
	t.Run("wrong shard", func(t *testing.T) {
		dir, idx := setup(t)
		idx.WeightMap[moved] = ShardFileName(3, 3)
		writeIndexJSON(t, dir, idx)
		_, err := OpenDir(dir)
		requireErrorContains(t, err, IndexFileName, moved, ShardFileName(3, 3), ShardFileName(1, 3))
	})
	t.Run("not in index", func(t *testing.T) {
		dir, idx := setup(t)
		delete(idx.WeightMap, moved)
		writeIndexJSON(t, dir, idx)
		_, err := OpenDir(dir)
		requireErrorContains(t, err, ShardFileName(1, 3), moved, "not listed")
	})
	t.Run("listed twice", func(t *testing.T) {
		dir, _ := setup(t)
		raw, _ := os.ReadFile(filepath.Join(dir, IndexFileName))
		dup := fmt.Sprintf(`"weight_map": {%q: %q,`, moved, ShardFileName(1, 3))
		raw = []byte(strings.Replace(string(raw), `"weight_map": {`, dup, 1))
		os.WriteFile(filepath.Join(dir, IndexFileName), raw, 0o644)
		_, err := OpenDir(dir)
		requireErrorContains(t, err, IndexFileName, moved, "listed twice")
	})
	t.Run("tensor in two shards", func(t *testing.T) {
		dir, _ := setup(t)
		extra := layerTensors(t, 1)[:1]
		mustWrite(t, filepath.Join(dir, ShardFileName(2, 3)), append(extra, layerTensors(t, 2)[2:]...), nil)
		_, err := OpenDir(dir)
		requireErrorContains(t, err, ShardFileName(2, 3), moved, "also present in shard "+ShardFileName(1, 3))
	})
	t.Run("index escapes directory", func(t *testing.T) {
		dir, idx := setup(t)
		idx.WeightMap[moved] = "../elsewhere.safetensors"
		writeIndexJSON(t, dir, idx)
		_, err := OpenDir(dir)
		requireErrorContains(t, err, IndexFileName, moved, "not a file inside")
	})
	t.Run("bad shard", func(t *testing.T) {
		dir, _ := setup(t)
		shard := filepath.Join(dir, ShardFileName(3, 3))
		os.Truncate(shard, 20)
		_, err := OpenDir(dir)
		requireErrorContains(t, err, shard, "header length")
	})
	t.Run("empty directory", func(t *testing.T) {
		dir := t.TempDir()
		_, err := OpenDir(dir)
		requireErrorContains(t, err, dir, SingleFileName, IndexFileName)
	})
}
