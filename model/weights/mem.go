package weights

import (
	"encoding/binary"
	"fmt"
	"math"
	"sort"
)

// Mem is an in-memory Source of float32 tensors, for converted formats and tests.
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
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	return b, "F32", nil
}
