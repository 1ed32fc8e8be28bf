package checkpoint

import (
	"fmt"

	"colash/model/cola"
	"colash/model/safetensors"
	"colash/model/weights"
)

func init() { Register(cola.Architecture, colaArch{}) }

// colaArch is a CoLA folder in the released layout: a Hugging Face Llama folder whose config.json
// has the CoLA fields (num_code, num_action_layer, num_dyna_layer, num_policy_layer, v) and whose
// safetensors hold the backbone and the CoLA modules.
type colaArch struct{}

// Recognise takes a folder whose config.json has num_code. A CoLA config is a Llama config with
// more fields, so it scores above the Llama's 1.
func (colaArch) Recognise(p *Probe) int {
	if p.Dir && p.Has("num_code") {
		return 2
	}
	return 0
}

// Load is strict: a missing, unexpected or misshapen tensor is an error naming it, never a
// random initialisation.
func (colaArch) Load(dir string, opt Options) (*Model, error) {
	cfg, err := cola.ReadConfig(dir)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", dir, err)
	}
	c, err := safetensors.OpenDir(dir)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", dir, err)
	}
	defer c.Close()
	src := newSource(c, opt)
	defer src.close()
	dt, err := opt.dtypeFor(src, "model.embed_tokens.weight")
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", dir, err)
	}
	m, err := cola.New(cfg, opt.Device, dt)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", dir, err)
	}
	if err := m.LoadWeights(src); err != nil {
		m.Rope.Free()
		return nil, fmt.Errorf("load %s: %w", dir, err)
	}
	return &Model{Llama: m.Model, CoLA: m, Path: dir}, nil
}

func (colaArch) Kind() string { return KindCoLA }

func (colaArch) Net(m *Model) Net { return m.CoLA }

// Layout writes the released layout: architectures IntentionForCausalLM, backbone then modules.
func (colaArch) Layout(m *Model, torchDType string) (any, []weights.Param) {
	c := *m.CoLA.Config
	c.Architectures = []string{cola.Architecture}
	c.TorchDType = torchDType
	return &c, m.CoLA.Params()
}

// OpenCoLA loads a CoLA checkpoint. A plain Llama is wrapped in fresh modules of the sizes in
// wrap, initialised from seed (weights.Init), when wrap is given, and is an error otherwise.
func OpenCoLA(path string, opt Options, wrap *cola.Modules, seed uint64) (*Model, error) {
	m, err := Open(path, opt)
	if err != nil || m.CoLA != nil {
		return m, err
	}
	if wrap == nil {
		m.Free()
		return nil, fmt.Errorf("%s is a plain Llama, not a CoLA checkpoint (colash init-cola wraps one in fresh CoLA modules)", path)
	}
	if err := m.WrapCoLA(*wrap, seed); err != nil {
		m.Free()
		return nil, err
	}
	return m, nil
}

// WrapCoLA puts a plain Llama into fresh CoLA modules of the given sizes, initialised from seed.
func (m *Model) WrapCoLA(mod cola.Modules, seed uint64) error {
	if m.CoLA != nil {
		return fmt.Errorf("%s is already a CoLA model", m.Path)
	}
	c, err := cola.Wrap(m.Llama, mod)
	if err != nil {
		return err
	}
	if err := c.InitModules(seed); err != nil {
		return err
	}
	m.CoLA, m.arch = c, colaArch{}
	return nil
}
