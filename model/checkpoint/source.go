package checkpoint

import (
	"colash/model/safetensors"
)

// stSource adapts a safetensors checkpoint to weights.Source.
type stSource struct{ c *safetensors.Checkpoint }

func (s stSource) Names() []string { return s.c.Names() }

func (s stSource) Shape(name string) ([]int64, bool) {
	info, ok := s.c.Info(name)
	if !ok {
		return nil, false
	}
	out := make([]int64, len(info.Shape))
	for i, d := range info.Shape {
		out[i] = int64(d)
	}
	return out, true
}

func (s stSource) Read(name string) ([]byte, string, error) {
	info, _ := s.c.Info(name)
	b, err := s.c.ReadRaw(name)
	return b, string(info.DType), err
}

func (s stSource) StoredDType(name string) (string, bool) {
	info, ok := s.c.Info(name)
	return string(info.DType), ok
}

func (s stSource) ReadInto(name string, dst []byte) error { return s.c.ReadInto(name, dst) }
