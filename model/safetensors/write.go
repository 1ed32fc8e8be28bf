package safetensors

import (
	"bytes"
	"colash/model/atomic"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"sort"
)

// Tensor is an in-memory tensor to be written. Data holds the little-endian
// element bytes (see EncodeFloat32).
type Tensor struct {
	Name  string
	DType DType
	Shape []int
	Data  []byte
}

// TensorSource describes a tensor whose bytes are produced only when it is
// written, so a checkpoint can be saved without holding every tensor in
// memory at once.
type TensorSource struct {
	Name  string
	DType DType
	Shape []int
	// Bytes is called exactly once, when the tensor's data is written, and
	// must return product(Shape) * DType.Size() bytes.
	Bytes func() ([]byte, error)
}

// Source adapts an in-memory tensor to a TensorSource.
func (t Tensor) Source() TensorSource {
	data := t.Data
	return TensorSource{Name: t.Name, DType: t.DType, Shape: t.Shape,
		Bytes: func() ([]byte, error) { return data, nil }}
}

func sourcesOf(tensors []Tensor) []TensorSource {
	sources := make([]TensorSource, len(tensors))
	for i, t := range tensors {
		sources[i] = t.Source()
	}
	return sources
}

// Write stores tensors in a single safetensors file, replacing path
// atomically (temporary file in the same directory, fsync, rename).
func Write(path string, tensors []Tensor, metadata map[string]string) error {
	return WriteSources(path, sourcesOf(tensors), metadata)
}

// WriteSources is Write for tensors whose bytes are produced on demand.
func WriteSources(path string, sources []TensorSource, metadata map[string]string) error {
	placed, err := layoutFile(sources)
	if err != nil {
		return fmt.Errorf("safetensors: %s: %w", path, err)
	}
	return writeFileAtomic(path, func(w io.Writer) error {
		return writeSafetensors(w, placed, metadata)
	})
}

// placedTensor is a validated source with its offsets in the data region.
type placedTensor struct {
	TensorSource
	Begin, End int64
}

// validateSource checks a source's name, dtype and shape and returns its size.
func validateSource(s TensorSource) (int64, error) {
	if s.Name == "" || s.Name == metadataKey {
		return 0, fmt.Errorf("invalid tensor name %q", s.Name)
	}
	if err := checkDType(s.DType); err != nil {
		return 0, fmt.Errorf("tensor %q: %w", s.Name, err)
	}
	if s.Bytes == nil {
		return 0, fmt.Errorf("tensor %q: no Bytes function", s.Name)
	}
	dims := make([]int64, len(s.Shape))
	for i, d := range s.Shape {
		dims[i] = int64(d)
	}
	size, err := byteSize(s.DType, dims)
	if err != nil {
		return 0, fmt.Errorf("tensor %q: shape %v: %w", s.Name, s.Shape, err)
	}
	return size, nil
}

// layoutFile assigns offsets. Larger elements go first (then by name), so
// with the 8-byte aligned data start every tensor is aligned to its element
// size, matching the reference implementation's layout.
func layoutFile(sources []TensorSource) ([]placedTensor, error) {
	placed := make([]placedTensor, len(sources))
	seen := make(map[string]bool, len(sources))
	for i, s := range sources {
		if _, err := validateSource(s); err != nil {
			return nil, err
		}
		if seen[s.Name] {
			return nil, fmt.Errorf("tensor %q given twice", s.Name)
		}
		seen[s.Name] = true
		placed[i].TensorSource = s
	}
	sort.SliceStable(placed, func(i, j int) bool {
		si, sj := placed[i].DType.Size(), placed[j].DType.Size()
		if si != sj {
			return si > sj
		}
		return placed[i].Name < placed[j].Name
	})
	var offset int64
	for i := range placed {
		size, _ := validateSource(placed[i].TensorSource)
		placed[i].Begin, placed[i].End = offset, offset+size
		offset += size
	}
	return placed, nil
}

type headerEntry struct {
	DType       DType    `json:"dtype"`
	Shape       []int    `json:"shape"`
	DataOffsets [2]int64 `json:"data_offsets"`
}

// encodeHeader renders the JSON header with sorted keys, padded with spaces
// so that the data region starts at a multiple of 8 bytes.
func encodeHeader(placed []placedTensor, metadata map[string]string) ([]byte, error) {
	obj := make(map[string]any, len(placed)+1)
	if len(metadata) > 0 {
		obj[metadataKey] = metadata
	}
	for _, p := range placed {
		shape := append([]int{}, p.Shape...) // never null, even for scalars
		obj[p.Name] = headerEntry{DType: p.DType, Shape: shape, DataOffsets: [2]int64{p.Begin, p.End}}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(obj); err != nil {
		return nil, err
	}
	header := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	for len(header)%8 != 0 {
		header = append(header, ' ')
	}
	return header, nil
}

func writeSafetensors(w io.Writer, placed []placedTensor, metadata map[string]string) error {
	header, err := encodeHeader(placed, metadata)
	if err != nil {
		return err
	}
	var prefix [lengthPrefixSize]byte
	binary.LittleEndian.PutUint64(prefix[:], uint64(len(header)))
	if _, err := w.Write(prefix[:]); err != nil {
		return err
	}
	if _, err := w.Write(header); err != nil {
		return err
	}
	for _, p := range placed {
		data, err := p.Bytes()
		if err != nil {
			return fmt.Errorf("tensor %q: %w", p.Name, err)
		}
		if int64(len(data)) != p.End-p.Begin {
			return fmt.Errorf("tensor %q: got %d bytes, %s %v needs %d", p.Name, len(data), p.DType, p.Shape, p.End-p.Begin)
		}
		if _, err := w.Write(data); err != nil {
			return err
		}
	}
	return nil
}

// writeFileAtomic writes path so that readers never observe a partially written checkpoint.
func writeFileAtomic(path string, fill func(w io.Writer) error) error {
	if err := atomic.Write(path, fill); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	return nil
}
