package checkpoint

import (
	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"colash/model/mapped"
	"colash/model/safetensors"
	"colash/model/weights"
)

// stSource adapts a safetensors checkpoint to weights.Source. With maps set it is a
// weights.Mapper: tensors the loader keeps as stored are views of the mapped shards.
type stSource struct {
	c    *safetensors.Checkpoint
	maps *shardMaps // nil: every tensor is copied
}

// newSource reads c as opt says: mapped where the weights stay on the CPU, unless opt.NoMmap.
func newSource(c *safetensors.Checkpoint, opt Options) stSource {
	s := stSource{c: c}
	if !opt.NoMmap && opt.Device.Name == gotch.CPU.Name {
		s.maps = &shardMaps{files: map[string]*mapped.File{}}
	}
	return s
}

// close drops the source's references to its mappings; the mapped tensors keep their own.
func (s stSource) close() {
	if s.maps != nil {
		for _, f := range s.maps.files {
			f.Close()
		}
	}
}

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

func (s stSource) Mappable(name string) bool {
	if s.maps == nil {
		return false
	}
	span, err := s.c.Span(name)
	info, _ := s.c.Info(name)
	gdt, dtErr := weights.FileDType(string(info.DType))
	return err == nil && dtErr == nil && span.Offset%int64(gdt.Size()) == 0
}

func (s stSource) Map(name string, shape []int64) (*ts.Tensor, error) {
	span, err := s.c.Span(name)
	if err != nil {
		return nil, err
	}
	f, err := s.maps.open(span)
	if err != nil {
		return nil, err
	}
	info, _ := s.c.Info(name)
	gdt, err := weights.FileDType(string(info.DType))
	if err != nil {
		return nil, err
	}
	return f.Tensor(span.Offset, shape, gdt)
}

// shardMaps maps each shard once, when its first tensor is asked for.
type shardMaps struct{ files map[string]*mapped.File }

func (m *shardMaps) open(span safetensors.Span) (*mapped.File, error) {
	if f, ok := m.files[span.Path]; ok {
		return f, nil
	}
	f, err := mapped.Open(span.Path, span.FileSize)
	if err != nil {
		return nil, err
	}
	m.files[span.Path] = f
	return f, nil
}
