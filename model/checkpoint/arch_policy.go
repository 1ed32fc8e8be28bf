package checkpoint

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"colash/model/safetensors"
	"colash/model/weights"
	"colash/models"
)

// PolicyArchitecture names a policy checkpoint: the trained policy of a CoLA, stored alone (in
// model.safetensors, under the CoLA's tensor names) with a pointer to the CoLA it was trained from. Latent-action RL changes only the policy, so its
// result is the base CoLA with these tensors in place of the base's policy.
const PolicyArchitecture = "CoLAPolicy"

func init() { Register(PolicyArchitecture, policyArch{}) }

// policyConfig is a policy checkpoint's config.json.
type policyConfig struct {
	Architectures []string `json:"architectures"`
	// BaseModel is the CoLA the policy belongs to: a folder (relative to this one's, or
	// absolute) or a shipped model's name.
	BaseModel string `json:"base_model"`
}

// policyArch loads as its own architecture and is a CoLA from then on (Kind, Net, Layout).
type policyArch struct{ colaArch }

// Recognise takes a folder whose config.json names a base model.
func (policyArch) Recognise(p *Probe) int {
	if p.Dir && p.Has("base_model") {
		return 3
	}
	return 0
}

// Load opens the base CoLA and puts the policy's tensors in place of its own, strictly: every
// tensor of the file must be one of the base's policy weights, with its shape, and every policy
// weight must be in the file. The result is a whole CoLA: saving it writes one.
func (policyArch) Load(dir string, opt Options) (*Model, error) {
	b, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", dir, err)
	}
	var cfg policyConfig
	if err := json.Unmarshal(b, &cfg); err != nil {
		return nil, fmt.Errorf("load %s: config.json: %w", dir, err)
	}
	base, pointer, err := resolveBase(dir, cfg.BaseModel)
	if err != nil {
		return nil, err
	}
	_, a, err := recognise(base)
	if err != nil {
		return nil, fmt.Errorf("load %s: base model: %w", dir, err)
	}
	if _, nested := a.(policyArch); nested {
		return nil, fmt.Errorf("load %s: base model %s is itself a policy checkpoint: point at the CoLA it was trained over", dir, base)
	}
	m, err := a.Load(base, opt)
	if err != nil {
		return nil, fmt.Errorf("load %s: base model: %w", dir, err)
	}
	if m.CoLA == nil {
		m.architecture().Net(m).Free()
		return nil, fmt.Errorf("load %s: base model %s is not a CoLA", dir, base)
	}
	if err := loadPolicy(m, dir, opt); err != nil {
		m.Free()
		return nil, fmt.Errorf("load %s: %w", dir, err)
	}
	m.Path, m.Base = dir, pointer
	return m, nil
}

// resolveBase finds the base model: a path relative to dir first, then as given (absolute, or a
// shipped model's name). pointer is what a policy trained over it records: the absolute folder
// when it was found beside dir, else base as given.
func resolveBase(dir, base string) (path, pointer string, err error) {
	if base == "" {
		return "", "", fmt.Errorf("load %s: config.json's base_model is empty", dir)
	}
	if !filepath.IsAbs(base) {
		if p := filepath.Join(dir, base); exists(p) {
			abs, err := filepath.Abs(p)
			return p, abs, err
		}
	}
	p, err := models.Resolve(base)
	if err == nil && !exists(p) {
		err = fmt.Errorf("no such folder, and no shipped model of that name")
	}
	if err != nil {
		return "", "", fmt.Errorf("load %s: base model %q: %w", dir, base, err)
	}
	return p, base, nil
}

// loadPolicy puts the policy's tensors of dir's model.safetensors into m's policy weights, as
// strictly as a whole model loads: none missing or unexpected, every shape the base's.
func loadPolicy(m *Model, dir string, opt Options) error {
	c, err := safetensors.OpenDir(dir)
	if err != nil {
		return err
	}
	defer c.Close()
	src := newSource(c, opt)
	defer src.close()
	return weights.LoadParams(policyParams(m), src, m.CoLA.Config.Dims(), m.CoLA.Device, m.CoLA.DType)
}

// policyParams are a CoLA's policy weights under their checkpoint names.
func policyParams(m *Model) []weights.Param {
	var out []weights.Param
	for _, p := range m.CoLA.Params() {
		if strings.HasPrefix(p.Name, "model.policy_") {
			out = append(out, p)
		}
	}
	return out
}

// SavePolicy writes m's policy alone as a policy checkpoint in dir, pointing at base (a folder
// or a shipped model's name, recorded as given), with m's tokenizer beside it.
func SavePolicy(m *Model, dir, base string) error {
	if m.CoLA == nil {
		return fmt.Errorf("save policy: %s is not a CoLA", m.Path)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := weights.SaveFile(filepath.Join(dir, safetensors.SingleFileName), policyParams(m)); err != nil {
		return err
	}
	if err := WriteJSON(filepath.Join(dir, "config.json"), policyConfig{Architectures: []string{PolicyArchitecture}, BaseModel: base}); err != nil {
		return err
	}
	return copyTokenizer(m.TokenizerPath, dir)
}
