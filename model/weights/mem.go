package weights

import (
	"encoding/binary"
	"fmt"
	"math"
	"sort"
)

// Mem is an in-memory Direct source of float32 tensors, for converted formats and tests.
type Mem struct {
	data  map[string][]float32
	shape map[string][]int64
}

// NewMem makes an empty Mem.
func NewMem() *Mem { return &Mem{data: map[string][]float32{}, shape: map[string][]int64{}} }

// Put adds a tensor; len(v) must equal the product of shape.
func (m *Mem) Put(name string, v []float32, shape ...int64) {
	n := int64(1)
	for _, d := range shape {
		n *= d
	}
	if n != int64(len(v)) {
		panic(fmt.Sprintf("weights.Mem.Put %s: %d values for shape %v", name, len(v), shape))
	}
	m.data[name], m.shape[name] = v, shape
}

// Get returns a tensor's values.
func (m *Mem) Get(name string) []float32 { return m.data[name] }

func (m *Mem) Names() []string {
	out := make([]string, 0, len(m.data))
	for n := range m.data {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func (m *Mem) Shape(name string) ([]int64, bool) {
	s, ok := m.shape[name]
	return s, ok
}

func (m *Mem) Read(name string) ([]byte, string, error) {
	v, ok := m.data[name]
	if !ok {
		return nil, "", fmt.Errorf("tensor %q not found", name)
	}
	b := make([]byte, 4*len(v))
	if err := m.ReadInto(name, b); err != nil {
		return nil, "", err
	}
	return b, "F32", nil
}

// StoredDType makes Mem a Direct source: its tensors are float32.
func (m *Mem) StoredDType(name string) (string, bool) {
	_, ok := m.data[name]
	return "F32", ok
}

// ReadInto writes a tensor's little-endian float32 bytes into dst.
func (m *Mem) ReadInto(name string, dst []byte) error {
	v, ok := m.data[name]
	if !ok {
		return fmt.Errorf("tensor %q not found", name)
	}
	if len(dst) != 4*len(v) {
		return fmt.Errorf("tensor %q: destination holds %d bytes, the tensor %d", name, len(dst), 4*len(v))
	}
	for i, f := range v {
		binary.LittleEndian.PutUint32(dst[4*i:], math.Float32bits(f))
	}
	return nil
}
