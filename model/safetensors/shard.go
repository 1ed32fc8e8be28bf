package safetensors

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// File names of the Hugging Face checkpoint layout.
const (
	SingleFileName = "model.safetensors"
	IndexFileName  = "model.safetensors.index.json"
)

// ShardFileName returns the name of shard k (1-based) of n.
func ShardFileName(k, n int) string {
	return fmt.Sprintf("model-%05d-of-%05d.safetensors", k, n)
}

// indexFile is the JSON layout of model.safetensors.index.json.
type indexFile struct {
	Metadata  map[string]any    `json:"metadata"`
	WeightMap map[string]string `json:"weight_map"`
}

// WriteSharded saves tensors into dir. If their data fits in maxShardBytes
// it writes a single model.safetensors; otherwise it writes
// model-0000K-of-0000N.safetensors shards plus model.safetensors.index.json.
// Every shard carries metadata in its header.
func WriteSharded(dir string, tensors []Tensor, maxShardBytes int64, metadata map[string]string) error {
	return WriteShardedSources(dir, sourcesOf(tensors), maxShardBytes, metadata)
}

// WriteShardedSources is WriteSharded for tensors produced on demand; at most
// one tensor's bytes are requested at a time.
//
// Shards are filled greedily in the given order, so tensors that belong
// together (one layer) stay together; a tensor larger than maxShardBytes
// gets a shard of its own. Shards are written before the index, so an
// interrupted write never leaves an index naming missing shards.
func WriteShardedSources(dir string, sources []TensorSource, maxShardBytes int64, metadata map[string]string) error {
	if maxShardBytes <= 0 {
		return fmt.Errorf("safetensors: %s: maxShardBytes must be positive, got %d", dir, maxShardBytes)
	}
	shards, totalSize, err := planShards(sources, maxShardBytes)
	if err != nil {
		return fmt.Errorf("safetensors: %s: %w", dir, err)
	}
	if len(shards) <= 1 {
		if err := refuseExisting(dir, IndexFileName); err != nil {
			return err
		}
		return WriteSources(filepath.Join(dir, SingleFileName), sources, metadata)
	}
	if err := refuseExisting(dir, SingleFileName); err != nil {
		return err
	}
	index := indexFile{
		Metadata:  map[string]any{"total_size": totalSize},
		WeightMap: make(map[string]string, len(sources)),
	}
	for k, shard := range shards {
		name := ShardFileName(k+1, len(shards))
		if err := WriteSources(filepath.Join(dir, name), shard, metadata); err != nil {
			return err
		}
		for _, s := range shard {
			index.WeightMap[s.Name] = name
		}
	}
	indexJSON, err := json.MarshalIndent(index, "", "  ")
	if err != nil {
		return fmt.Errorf("safetensors: %s: %w", dir, err)
	}
	return writeFileAtomic(filepath.Join(dir, IndexFileName), func(w io.Writer) error {
		_, err := w.Write(append(indexJSON, '\n'))
		return err
	})
}

// planShards splits sources into shards and returns the total data size.
func planShards(sources []TensorSource, maxShardBytes int64) ([][]TensorSource, int64, error) {
	var shards [][]TensorSource
	var current []TensorSource
	var currentSize, totalSize int64
	seen := make(map[string]bool, len(sources))
	for _, s := range sources {
		size, err := validateSource(s)
		if err != nil {
			return nil, 0, err
		}
		if seen[s.Name] {
			return nil, 0, fmt.Errorf("tensor %q given twice", s.Name)
		}
		seen[s.Name] = true
		if len(current) > 0 && currentSize+size > maxShardBytes {
			shards = append(shards, current)
			current, currentSize = nil, 0
		}
		current = append(current, s)
		currentSize += size
		totalSize += size
	}
	if len(current) > 0 || len(shards) == 0 {
		shards = append(shards, current)
	}
	return shards, totalSize, nil
}

// refuseExisting fails if a file of the other layout is present, because
// OpenDir would then load the stale checkpoint instead of the new one.
func refuseExisting(dir, name string) error {
	path := filepath.Join(dir, name)
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("safetensors: %s already exists; remove it before writing a checkpoint with a different layout", path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("safetensors: %w", err)
	}
	return nil
}
