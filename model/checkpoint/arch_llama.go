package checkpoint

import (
	"strings"

	"colash/model/llama"
	"colash/model/weights"
)

func init() { Register(llama.Architecture, llamaArch{}) }

// llamaArch is the plain Llama: a Hugging Face folder or a llama2.c .bin file. It is also the
// architecture of a Model built by hand around a bare Llama (a trainer's, a Q-network's body).
type llamaArch struct{}

func (llamaArch) Kind() string { return KindLlama }

// Recognise takes a llama2.c .bin file and a folder whose config.json says model_type llama or
// nothing (configs written by hand or by older tools).
func (llamaArch) Recognise(p *Probe) int {
	if !p.Dir {
		return b2i(strings.HasSuffix(p.Path, ".bin"))
	}
	t := p.Str("model_type")
	return b2i(t == "llama" || t == "")
}

func (llamaArch) Load(path string, opt Options) (*Model, error) {
	m, err := OpenLlama(path, opt)
	if err != nil {
		return nil, err
	}
	return &Model{Llama: m, Path: path}, nil
}

func (llamaArch) Net(m *Model) Net { return m.Llama }

// Layout keeps the config as loaded (architectures included, or absent), torch_dtype aside.
func (llamaArch) Layout(m *Model, torchDType string) (any, []weights.Param) {
	c := *m.Llama.Config
	c.TorchDType = torchDType
	return &c, weights.Walk(m.Llama)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
