package recipes

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/BurntSushi/toml"
)

// applyOverrides returns the recipe text with `--set key=value` overrides applied. A key is
// name, out or model.KEY for the recipe, or STAGE.KEY for a setting of the stage named STAGE
// (STAGE.model and STAGE.kind for the stage itself). A value is read as TOML (3, 1e-4, true,
// ["a", "b"]) and otherwise taken as a string.
func applyOverrides(text []byte, sets []string) ([]byte, error) {
	if len(sets) == 0 {
		return text, nil
	}
	var doc map[string]any
	if _, err := toml.Decode(string(text), &doc); err != nil {
		return nil, err
	}
	for _, kv := range sets {
		key, raw, ok := strings.Cut(kv, "=")
		if !ok || key == "" {
			return nil, fmt.Errorf("--set %q: want key=value", kv)
		}
		if err := set(doc, strings.Split(key, "."), parseValue(raw)); err != nil {
			return nil, fmt.Errorf("--set %s: %w", key, err)
		}
	}
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func parseValue(raw string) any {
	var v struct{ V any }
	if _, err := toml.Decode("V = "+raw, &v); err == nil {
		return v.V
	}
	return raw
}

func set(doc map[string]any, path []string, v any) error {
	switch {
	case len(path) == 1 && (path[0] == "name" || path[0] == "out"):
		doc[path[0]] = v
		return nil
	case len(path) == 2 && path[0] == "model":
		m, _ := doc["model"].(map[string]any)
		if m == nil {
			m = map[string]any{}
			doc["model"] = m
		}
		m[path[1]] = v
		return nil
	case len(path) != 2:
		return fmt.Errorf("want name, out, model.KEY or STAGE.KEY")
	}
	stages, _ := doc["stage"].([]map[string]any)
	var names []string
	for _, st := range stages {
		name, _ := st["name"].(string)
		names = append(names, name)
		if name != path[0] {
			continue
		}
		if path[1] == "model" || path[1] == "kind" {
			st[path[1]] = v
			return nil
		}
		kind, _ := st["kind"].(string)
		table, _ := st[kind].(map[string]any)
		if table == nil {
			table = map[string]any{}
			st[kind] = table
		}
		table[path[1]] = v
		return nil
	}
	return fmt.Errorf("no stage is named %q (stages: %s)", path[0], strings.Join(names, ", "))
}
