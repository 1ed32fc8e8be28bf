package checkpoint

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"colash/model/atomic"
	"colash/model/safetensors"
	"colash/model/weights"
	"colash/models"
)

// PolicyArchitecture names a policy checkpoint: the trained policy of a CoLA, stored alone with
// a pointer to the CoLA it was trained from. Latent-action RL changes only the policy, so its
// result is the base CoLA with these tensors in place of the base's policy.
const PolicyArchitecture = "CoLAPolicy"

// PolicyFile holds a policy checkpoint's tensors, under the CoLA's tensor names.
const PolicyFile = "policy.safetensors"

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
	base, err := resolveBase(dir, cfg.BaseModel)
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
	if err := loadPolicy(m, filepath.Join(dir, PolicyFile)); err != nil {
		m.Free()
		return nil, fmt.Errorf("load %s: %w", dir, err)
	}
	m.Path, m.Base = dir, cfg.BaseModel
	if rel := filepath.Join(dir, cfg.BaseModel); !filepath.IsAbs(cfg.BaseModel) && exists(rel) {
		m.Base, _ = filepath.Abs(rel)
	}
	return m, nil
}

// resolveBase finds the base model: a path relative to dir first, then as given (absolute, or a
// shipped model's name).
func resolveBase(dir, base string) (string, error) {
	if base == "" {
		return "", fmt.Errorf("load %s: config.json's base_model is empty", dir)
	}
	if !filepath.IsAbs(base) {
		if p := filepath.Join(dir, base); exists(p) {
			return p, nil
		}
	}
	p, err := models.Resolve(base)
	if err == nil && !exists(p) {
		err = fmt.Errorf("no such folder, and no shipped model of that name")
	}
	if err != nil {
		return "", fmt.Errorf("load %s: base model %q: %w", dir, base, err)
	}
	return p, nil
}

// loadPolicy copies the file's tensors into m's policy weights.
func loadPolicy(m *Model, path string) error {
	f, err := safetensors.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	names := f.Names()
	want := policyParams(m)
	byName := map[string]weights.Param{}
	for _, p := range want {
		byName[p.Name] = p
	}
	var unknown, missing []string
	for _, n := range names {
		p, ok := byName[n]
		if !ok {
			unknown = append(unknown, n)
			continue
		}
		info, _ := f.Info(n)
		if shape := (*p.Ptr).MustSize(); !slices.Equal(int64s(info.Shape), shape) {
			return fmt.Errorf("%s: tensor %s has shape %v, the base's policy %v", path, n, info.Shape, shape)
		}
	}
	for _, p := range want {
		if !slices.Contains(names, p.Name) {
			missing = append(missing, p.Name)
		}
	}
	if len(unknown)+len(missing) > 0 {
		return fmt.Errorf("%s: not the base's policy: %d tensors it lacks (%s), %d of its policy missing (%s)",
			path, len(unknown), first(unknown), len(missing), first(missing))
	}
	return weights.LoadFile(path, want)
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

func int64s(v []int) []int64 {
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return out
}

func first(names []string) string {
	if len(names) > 3 {
		return strings.Join(names[:3], ", ") + ", ..."
	}
	return strings.Join(names, ", ")
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
	if err := weights.SaveFile(filepath.Join(dir, PolicyFile), policyParams(m)); err != nil {
		return err
	}
	if err := WriteJSON(filepath.Join(dir, "config.json"), policyConfig{Architectures: []string{PolicyArchitecture}, BaseModel: base}); err != nil {
		return err
	}
	if m.TokenizerPath == "" {
		return nil
	}
	tok, err := os.ReadFile(m.TokenizerPath)
	if err != nil {
		return err
	}
	return atomic.WriteFile(filepath.Join(dir, filepath.Base(m.TokenizerPath)), tok)
}
