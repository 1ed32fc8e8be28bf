// Package llama2c reads Karpathy's llama2.c checkpoints (the legacy format and version 1) into
// Hugging Face tensor names and layout, so that they load like any other Llama.
package llama2c

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"

	"colash/model/llama"
	"colash/model/weights"
)

const magicV1 = 0x616b3432 // "ak42"

type header struct {
	Dim, Hidden, Layers, Heads, KVHeads, Vocab, SeqLen int32
}

// Read loads a llama2.c checkpoint. q and k projections are permuted from Meta's interleaved
// RoPE layout to the Hugging Face rotate-half layout that model/llama uses.
func Read(path string) (*llama.Config, *weights.Mem, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("llama2c: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("llama2c: %w", err)
	}
	var magic uint32
	if err := binary.Read(f, binary.LittleEndian, &magic); err != nil {
		return nil, nil, fmt.Errorf("llama2c: %s: too short for a header: %w", path, err)
	}
	var h header
	shared, version := true, 0
	if magic == magicV1 {
		version = 1
		var v int32
		if err := binary.Read(f, binary.LittleEndian, &v); err != nil || v != 1 {
			return nil, nil, fmt.Errorf("llama2c: %s: unsupported version %d (want 1)", path, v)
		}
		if err := binary.Read(f, binary.LittleEndian, &h); err != nil {
			return nil, nil, fmt.Errorf("llama2c: %s: truncated header: %w", path, err)
		}
		var sc uint8
		if err := binary.Read(f, binary.LittleEndian, &sc); err != nil {
			return nil, nil, fmt.Errorf("llama2c: %s: truncated header: %w", path, err)
		}
		shared = sc == 1
		if _, err := f.Seek(256, io.SeekStart); err != nil {
			return nil, nil, err
		}
	} else {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, nil, err
		}
		if err := binary.Read(f, binary.LittleEndian, &h); err != nil {
			return nil, nil, fmt.Errorf("llama2c: %s: truncated header: %w", path, err)
		}
		if h.Vocab < 0 {
			shared, h.Vocab = false, -h.Vocab
		}
	}
	cfg := &llama.Config{
		Architectures: []string{llama.Architecture}, ModelType: "llama",
		Dim: int(h.Dim), FFN: int(h.Hidden), Layers: int(h.Layers), Heads: int(h.Heads), KVHeads: int(h.KVHeads),
		Vocab: int(h.Vocab), NormEps: 1e-5, RopeTheta: 10000, MaxPositions: int(h.SeqLen),
		TieEmbeddings: shared, BOS: 1, EOS: llama.IDs{2}, TorchDType: "float32",
	}
	if err := validate(h); err != nil {
		return nil, nil, fmt.Errorf("llama2c: %s: %w", path, err)
	}
	if err := cfg.Validate(); err != nil {
		return nil, nil, fmt.Errorf("llama2c: %s: %w", path, err)
	}
	r := &reader{f: f, path: path, size: st.Size()}
	mem, err := readTensors(r, cfg, version, shared)
	if err != nil {
		return nil, nil, err
	}
	return cfg, mem, nil
}

func validate(h header) error {
	for _, v := range []int32{h.Dim, h.Hidden, h.Layers, h.Heads, h.KVHeads, h.Vocab, h.SeqLen} {
		if v <= 0 || v > 1<<20 {
			return fmt.Errorf("implausible header %+v", h)
		}
	}
	return nil
}

// reader reads float32 blocks and reports truncation with the tensor's name.
type reader struct {
	f    *os.File
	path string
	size int64
}

func (r *reader) floats(name string, n int) ([]float32, error) {
	b := make([]byte, 4*n)
	if _, err := io.ReadFull(r.f, b); err != nil {
		return nil, fmt.Errorf("llama2c: %s: tensor %s (%d floats): file is truncated (%d bytes): %w", r.path, name, n, r.size, err)
	}
	out := make([]float32, n)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out, nil
}

func (r *reader) skip(n int64) error {
	_, err := r.f.Seek(n, io.SeekCurrent)
	return err
}
