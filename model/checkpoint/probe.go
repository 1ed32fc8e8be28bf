package checkpoint

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Probe is what recognising a checkpoint looks at: its path and, for a folder, config.json.
type Probe struct {
	Path   string
	Dir    bool                       // Path is a folder
	Config map[string]json.RawMessage // config.json's keys; nil for a file
}

// Has reports whether config.json sets key.
func (p *Probe) Has(key string) bool {
	_, ok := p.Config[key]
	return ok
}

// Str is config.json's string at key: "" when it is absent or not a string.
func (p *Probe) Str(key string) string {
	var s string
	json.Unmarshal(p.Config[key], &s)
	return s
}

// probe stats path and reads the config.json of a folder.
func probe(path string) (*Probe, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("load model: %w", err)
	}
	p := &Probe{Path: path, Dir: st.IsDir()}
	if !p.Dir {
		return p, nil
	}
	cfg := filepath.Join(path, "config.json")
	b, err := os.ReadFile(cfg)
	if err != nil {
		return nil, fmt.Errorf("load %s: read config: %w", path, err)
	}
	if err := json.Unmarshal(b, &p.Config); err != nil {
		return nil, fmt.Errorf("load %s: %s: %w", path, cfg, err)
	}
	return p, nil
}
