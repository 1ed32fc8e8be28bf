package safetensors

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// readIndex parses model.safetensors.index.json and returns its weight_map.
// Duplicate tensor names and shard paths leaving the directory are errors.
func readIndex(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxHeaderSize+1))
	if err != nil {
		return nil, fmt.Errorf("safetensors: reading %s: %w", path, err)
	}
	if len(data) > MaxHeaderSize {
		return nil, formatErr(path, "", "index is larger than %d bytes", MaxHeaderSize)
	}
	top, err := decodeObject(data)
	if err != nil {
		return nil, formatErr(path, "", "%v", err)
	}
	var rawMap json.RawMessage
	for _, m := range top {
		if m.Key == "weight_map" {
			rawMap = m.Value
		}
	}
	if rawMap == nil || isJSONNull(rawMap) {
		return nil, formatErr(path, "", "no \"weight_map\" object")
	}
	entries, err := decodeObject(rawMap)
	if err != nil {
		var dup *duplicateKeyError
		if errors.As(err, &dup) {
			return nil, formatErr(path, dup.Key, "listed twice in weight_map")
		}
		return nil, formatErr(path, "", "weight_map: %v", err)
	}
	if len(entries) == 0 {
		return nil, formatErr(path, "", "weight_map is empty")
	}
	weightMap := make(map[string]string, len(entries))
	for _, e := range entries {
		var shard string
		if err := json.Unmarshal(e.Value, &shard); err != nil {
			return nil, formatErr(path, e.Key, "shard file name must be a string: %v", err)
		}
		if !filepath.IsLocal(shard) {
			return nil, formatErr(path, e.Key, "shard file name %q is not a file inside the checkpoint directory", shard)
		}
		weightMap[e.Key] = shard
	}
	return weightMap, nil
}
