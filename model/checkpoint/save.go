package checkpoint

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"colash/model/atomic"
	"colash/model/safetensors"
	"colash/model/tensor"
	"colash/model/weights"
)

// SaveOptions choose the stored dtype and sharding.
type SaveOptions struct {
	DType      safetensors.DType // F32, F16 or BF16
	ShardBytes int64             // 0: one model.safetensors
}

// ParseStoredDType reads a stored dtype as flags and recipes give it: f32, f16 or bf16.
func ParseStoredDType(s string) (safetensors.DType, error) {
	switch strings.ToLower(s) {
	case "f32", "float32":
		return "F32", nil
	case "f16", "float16":
		return "F16", nil
	case "bf16", "bfloat16":
		return "BF16", nil
	}
	return "", fmt.Errorf("save dtype %q: want f32, f16 or bf16", s)
}

// StoredDType names the torch_dtype config.json records for a safetensors dtype.
func StoredDType(dt safetensors.DType) string {
	switch dt {
	case safetensors.DType("BF16"):
		return "bfloat16"
	case safetensors.DType("F16"):
		return "float16"
	}
	return "float32"
}

// SaveWeights writes every weight of model (a tagged struct) into dir as safetensors, sharded
// when opt.ShardBytes is set. A tied weight that shares its twin's tensor is not written, as
// Hugging Face does with tie_word_embeddings.
func SaveWeights(model any, dir string, opt SaveOptions) error {
	return saveParams(weights.Walk(model), dir, opt)
}

// saveParams writes an explicit list of weights (a model whose weights span several structs).
func saveParams(params []weights.Param, dir string, opt SaveOptions) error {
	var srcs []safetensors.TensorSource
	for _, p := range params {
		if *p.Ptr == nil {
			return fmt.Errorf("save: tensor %q is not loaded", p.Name)
		}
		if weights.IsTied(params, p) {
			continue
		}
		t := *p.Ptr
		shape := make([]int, 0, 4)
		for _, d := range t.MustSize() {
			shape = append(shape, int(d))
		}
		srcs = append(srcs, safetensors.TensorSource{Name: p.Name, DType: opt.DType, Shape: shape,
			Bytes: func() ([]byte, error) { return safetensors.EncodeFloat32(tensor.Float32s(t), opt.DType) }})
	}
	meta := map[string]string{"format": "pt"}
	if opt.ShardBytes > 0 {
		return safetensors.WriteShardedSources(dir, srcs, opt.ShardBytes, meta)
	}
	return safetensors.WriteSources(filepath.Join(dir, safetensors.SingleFileName), srcs, meta)
}

// WriteJSON writes v as indented JSON to path, atomically.
func WriteJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return atomic.WriteFile(path, append(b, '\n'))
}

// CopyFile copies src to dst.
func CopyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// Save writes m as a Hugging Face folder: config.json and the weights as m's architecture lays
// them out (a CoLA in the released layout), in safetensors (sharded when opt.ShardBytes is set),
// and the tokenizer file.
func (m *Model) Save(dir string, opt SaveOptions) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("save: %w", err)
	}
	cfg, params := m.architecture().Layout(m, StoredDType(opt.DType))
	if err := WriteJSON(filepath.Join(dir, "config.json"), cfg); err != nil {
		return fmt.Errorf("save: %w", err)
	}
	if err := saveParams(params, dir, opt); err != nil {
		return fmt.Errorf("save %s: %w", dir, err)
	}
	if err := copyLicenses(m.Path, dir); err != nil {
		return err
	}
	return copyTokenizer(m.TokenizerPath, dir)
}

// copyLicenses copies the LICENSE* files beside the loaded checkpoint into dir: a saved model
// carries its licence along.
func copyLicenses(from, dir string) error {
	if st, err := os.Stat(from); err == nil && !st.IsDir() {
		from = filepath.Dir(from)
	}
	if same(from, dir) {
		return nil
	}
	files, _ := filepath.Glob(filepath.Join(from, "LICENSE*"))
	for _, p := range files {
		if err := CopyFile(p, filepath.Join(dir, filepath.Base(p))); err != nil {
			return fmt.Errorf("save: licence: %w", err)
		}
	}
	return nil
}

// same reports whether two paths name the same file or folder.
func same(a, b string) bool {
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}

// copyTokenizer puts the tokenizer file into dir under the name Load looks for.
func copyTokenizer(tokPath, dir string) error {
	if tokPath == "" {
		return nil
	}
	name := filepath.Base(tokPath)
	switch filepath.Ext(name) {
	case ".bin":
		name = "tokenizer.bin"
	case ".json":
		name = "tokenizer.json"
	case ".model":
		name = "tokenizer.model"
	}
	dst := filepath.Join(dir, name)
	if same(tokPath, dst) {
		return nil
	}
	if err := CopyFile(tokPath, dst); err != nil {
		return fmt.Errorf("save: tokenizer: %w", err)
	}
	return nil
}
