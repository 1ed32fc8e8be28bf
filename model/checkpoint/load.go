package checkpoint

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/sugarme/gotch"

	"colash/model/llama"
	"colash/model/llama2c"
	"colash/model/safetensors"
	"colash/model/tensor"
	"colash/model/tokenizer"
	"colash/model/weights"
)

// Options choose where and how a model is loaded.
// The zero Options loads on the CPU in the dtype the checkpoint stores.
type Options struct {
	Device    gotch.Device
	DType     gotch.DType // compute dtype; weights stored in another float type are cast
	Tokenizer string      // tokenizer file or folder; "" = the one beside the checkpoint
	// NoMmap copies every weight into memory of the model's own. Without it, safetensors weights
	// that stay on the CPU in their stored dtype are views of the mapped file (see model/mapped).
	NoMmap bool
}

// ForTraining is o for a job that trains what it loads: its weights are copies of their own
// (NoMmap), as an optimizer that writes them every step would make them anyway, and float32
// unless another dtype was asked for (a bf16 release trains with float32 weights and moments).
func (o Options) ForTraining() Options {
	o.NoMmap = true
	if o.DType == tensor.AsStored {
		o.DType = gotch.Float
	}
	return o
}

// WithDefaults fills the zero device (which gotch does not know) with the CPU. The zero dtype
// (tensor.AsStored) stays: it means "as stored" (see dtypeFor).
func (o Options) WithDefaults() Options {
	if o.Device.Name == "" {
		o.Device = gotch.CPU
	}
	return o
}

// dtypeFor is the compute dtype for src: the one asked for, else the dtype src stores the tensor
// named probe in (a bf16 checkpoint stays bf16 unless the caller asks for another), else float32.
func (o Options) dtypeFor(src weights.Source, probe string) (gotch.DType, error) {
	if o.DType != tensor.AsStored {
		return o.DType, nil
	}
	if _, ok := src.Shape(probe); !ok {
		return gotch.Float, nil
	}
	stored, err := weights.StoredDType(src, probe)
	if err != nil {
		return gotch.Float, err
	}
	return weights.FileDType(stored)
}

// OpenLlama loads the weights of a llama2.c .bin file or a Hugging Face folder (config.json with
// model.safetensors or a sharded index), without a tokenizer. Safetensors are mapped, or read
// straight into the tensors' storage (see Options.NoMmap); with opt.DType unset, the model
// computes in the dtype the checkpoint stores.
func OpenLlama(path string, opt Options) (*llama.Model, error) {
	opt = opt.WithDefaults()
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("load model: %w", err)
	}
	var (
		cfg *llama.Config
		src weights.Source
	)
	switch {
	case st.IsDir():
		if cfg, err = llama.ReadConfig(path); err != nil {
			return nil, fmt.Errorf("load %s: %w", path, err)
		}
		c, err := safetensors.OpenDir(path)
		if err != nil {
			return nil, fmt.Errorf("load %s: %w", path, err)
		}
		defer c.Close()
		s := newSource(c, opt)
		defer s.close()
		src = s
	case strings.HasSuffix(path, ".bin"):
		var mem *weights.Mem
		if cfg, mem, err = llama2c.Read(path); err != nil {
			return nil, err
		}
		src = mem
	default:
		return nil, fmt.Errorf("load %s: not a model: want a folder with config.json and safetensors, or a llama2.c .bin file", path)
	}
	dt, err := opt.dtypeFor(src, "model.embed_tokens.weight")
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	m, err := llama.New(cfg, opt.Device, dt)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	if err := m.LoadWeights(src); err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	return m, nil
}

// tokenizerFiles are the names a tokenizer may have beside a checkpoint, in order of preference.
var tokenizerFiles = []string{"tokenizer.model", "tokenizer.json", "tokenizer.bin"}

// loadTokenizer finds the tokenizer: the one named, else one beside the checkpoint (llama2.c
// folders call theirs tok<vocab>.bin).
func loadTokenizer(dir, named string, vocab int) (string, tokenizer.Tokenizer, error) {
	if named == "" {
		for _, n := range append(tokenizerFiles, fmt.Sprintf("tok%d.bin", vocab)) {
			if p := filepath.Join(dir, n); exists(p) {
				named = p
				break
			}
		}
		if named == "" {
			return "", nil, fmt.Errorf("no tokenizer in %s (looked for %s, tok%d.bin); name one with --tokenizer",
				dir, strings.Join(tokenizerFiles, ", "), vocab)
		}
	}
	if st, err := os.Stat(named); err == nil && st.IsDir() {
		tok, err := tokenizer.Load(named)
		return named, tok, err
	}
	tok, err := tokenizer.LoadFile(named, vocab)
	return named, tok, err
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
