// Package checkpoint finds, loads and saves models: llama2.c files and Hugging Face folders
// (config.json + safetensors, single or sharded), each with the tokenizer it ships.
//
// Each architecture registers once, as ollama's models do: arch_llama.go and arch_cola.go call
// Register from their init with the class name config.json's "architectures" records
// (LlamaForCausalLM, IntentionForCausalLM) and an Arch, which says how a checkpoint of it is
// recognised (confirming that name, or where there is none), how it loads, what Save writes,
// and which network answers NumParams, String, HookNames and Free (a *llama.Model or a
// *cola.Model: both are a Net). Open asks the registry which Arch a path is and loads through
// it; a Model remembers its Arch, so nothing else branches on whether it is a CoLA. A config.json
// naming an architecture no one registered is refused with the file's name and the registered
// ones.
package checkpoint

import (
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"colash/model/weights"
)

// Kinds of model, as Model.Kind answers.
const (
	KindLlama = "llama"
	KindCoLA  = "cola"
)

// Arch is one architecture: everything about a checkpoint that differs between a plain Llama
// and a CoLA.
type Arch interface {
	// Kind is what Model.Kind answers.
	Kind() string
	// Recognise scores how much the checkpoint p looks like this architecture's: 0 not at all.
	// It confirms config.json's "architectures", and where that names none (a llama2.c file, a
	// config written without it) or none that recognises p, the highest score loads p.
	Recognise(p *Probe) int
	// Load reads the weights at path into a Model (Path, Llama and the architecture's own
	// fields set); Open adds the tokenizer.
	Load(path string, opt Options) (*Model, error)
	// Net is m's whole network.
	Net(m *Model) Net
	// Layout is what Save writes: config.json's content, with torch_dtype torchDType, and the
	// weights in checkpoint order.
	Layout(m *Model, torchDType string) (config any, params []weights.Param)
}

// Net is a loaded network, whatever its architecture: *llama.Model and *cola.Model are Nets.
type Net interface {
	NumParams() int64
	String() string
	HookNames() []string
	Free()
}

// registry maps config.json's architecture names to their Arch.
var registry = map[string]Arch{}

// Register makes an architecture loadable under name, the class name config.json's
// "architectures" records. Registering a name twice is a programming error.
func Register(name string, a Arch) {
	if _, dup := registry[name]; dup {
		panic("checkpoint: architecture " + name + " registered twice")
	}
	registry[name] = a
}

// Architectures lists the registered architecture names, sorted.
func Architectures() []string { return slices.Sorted(maps.Keys(registry)) }

// recognise finds the registered architecture of the checkpoint at path: the first one named in
// config.json's "architectures" that recognises it, else the one whose Recognise scores highest.
// A name needs its recogniser's assent because a Llama saved with a CoLA's backbone config (a
// Q-network's body) is named IntentionForCausalLM but has no CoLA fields.
func recognise(path string) (*Probe, Arch, error) {
	p, err := probe(path)
	if err != nil {
		return nil, nil, err
	}
	cfg := filepath.Join(path, "config.json")
	var names []string
	if raw, ok := p.Config["architectures"]; ok {
		if err := json.Unmarshal(raw, &names); err != nil {
			return nil, nil, fmt.Errorf("load %s: %s: architectures: want a list of names: %w", path, cfg, err)
		}
	}
	known := false
	for _, n := range names {
		a, ok := registry[n]
		if ok && a.Recognise(p) > 0 {
			return p, a, nil
		}
		known = known || ok
	}
	registered := strings.Join(Architectures(), ", ")
	if len(names) > 0 && !known {
		return nil, nil, fmt.Errorf("load %s: %s: unknown architecture %s (registered architectures: %s)",
			path, cfg, strings.Join(names, ", "), registered)
	}
	var best []string
	top := 0
	for _, n := range Architectures() {
		switch s := registry[n].Recognise(p); {
		case s > top:
			best, top = []string{n}, s
		case s == top && s > 0:
			best = append(best, n)
		}
	}
	switch {
	case len(best) == 1:
		return p, registry[best[0]], nil
	case len(best) > 1:
		return nil, nil, fmt.Errorf("load %s: recognised as each of %s; name one in config.json's architectures",
			path, strings.Join(best, ", "))
	case p.Dir:
		return nil, nil, fmt.Errorf("load %s: %s (model_type %q) is none of the registered architectures (%s)",
			path, cfg, p.Str("model_type"), registered)
	}
	return nil, nil, fmt.Errorf("load %s: not a model: want a folder with config.json and safetensors, or a llama2.c .bin file", path)
}
