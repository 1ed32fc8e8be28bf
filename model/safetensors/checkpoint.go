package safetensors

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Checkpoint is a model checkpoint made of one safetensors file or of the
// shards listed in a model.safetensors.index.json. Tensor names are unique
// across all its files.
type Checkpoint struct {
	files  []*File // sorted by path
	byName map[string]*File
	names  []string
}

// OpenDir opens a checkpoint. path may be a directory holding
// model.safetensors or model.safetensors.index.json (the single file wins
// when both exist), an index file, or a single .safetensors file.
func OpenDir(path string) (*Checkpoint, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	if !st.IsDir() {
		if strings.HasSuffix(path, ".json") {
			return openIndexed(path)
		}
		return openSingle(path)
	}
	single := filepath.Join(path, SingleFileName)
	if _, err := os.Stat(single); err == nil {
		return openSingle(single)
	}
	index := filepath.Join(path, IndexFileName)
	if _, err := os.Stat(index); err == nil {
		return openIndexed(index)
	}
	return nil, fmt.Errorf("safetensors: %s: neither %s nor %s found", path, SingleFileName, IndexFileName)
}

func openSingle(path string) (*Checkpoint, error) {
	f, err := Open(path)
	if err != nil {
		return nil, err
	}
	return newCheckpoint([]*File{f}), nil
}

func newCheckpoint(files []*File) *Checkpoint {
	c := &Checkpoint{files: files, byName: make(map[string]*File)}
	for _, f := range files {
		for _, name := range f.names {
			c.byName[name] = f
			c.names = append(c.names, name)
		}
	}
	sort.Strings(c.names)
	return c
}

// openIndexed opens every shard named in the index and checks that the
// index and the shard headers agree exactly.
func openIndexed(indexPath string) (*Checkpoint, error) {
	weightMap, err := readIndex(indexPath)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(indexPath)
	shardNames := distinctSorted(weightMap)
	var missing []string
	for _, shard := range shardNames {
		if _, err := os.Stat(filepath.Join(dir, shard)); errors.Is(err, os.ErrNotExist) {
			missing = append(missing, shard)
		}
	}
	if len(missing) > 0 {
		return nil, formatErr(indexPath, "", "missing shard files: %s", strings.Join(missing, ", "))
	}
	shards := make(map[string]*File, len(shardNames))
	files := make([]*File, 0, len(shardNames))
	for _, shard := range shardNames {
		f, err := Open(filepath.Join(dir, shard))
		if err != nil {
			closeAll(files)
			return nil, err
		}
		shards[shard] = f
		files = append(files, f)
	}
	if err := checkIndexAgainstShards(indexPath, weightMap, shardNames, shards); err != nil {
		closeAll(files)
		return nil, err
	}
	return newCheckpoint(files), nil
}

func checkIndexAgainstShards(indexPath string, weightMap map[string]string, shardNames []string, shards map[string]*File) error {
	foundIn := make(map[string]string)
	for _, shard := range shardNames {
		for _, name := range shards[shard].names {
			if other, dup := foundIn[name]; dup {
				return formatErr(shards[shard].path, name, "also present in shard %s", other)
			}
			foundIn[name] = shard
			if _, listed := weightMap[name]; !listed {
				return formatErr(shards[shard].path, name, "present in the shard but not listed in %s", indexPath)
			}
		}
	}
	for _, name := range sortedKeys(weightMap) {
		want := weightMap[name]
		got, ok := foundIn[name]
		switch {
		case !ok:
			return formatErr(indexPath, name, "not found in shard %s", want)
		case got != want:
			return formatErr(indexPath, name, "index points at shard %s but the tensor is in %s", want, got)
		}
	}
	return nil
}

func distinctSorted(weightMap map[string]string) []string {
	seen := make(map[string]bool)
	var out []string
	for _, shard := range weightMap {
		if !seen[shard] {
			seen[shard] = true
			out = append(out, shard)
		}
	}
	sort.Strings(out)
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func closeAll(files []*File) {
	for _, f := range files {
		f.Close()
	}
}

// Names returns all tensor names in sorted order.
func (c *Checkpoint) Names() []string { return append([]string(nil), c.names...) }

// Files returns the paths of the safetensors files, sorted.
func (c *Checkpoint) Files() []string {
	paths := make([]string, len(c.files))
	for i, f := range c.files {
		paths[i] = f.path
	}
	return paths
}

// Info describes the named tensor; offsets are relative to its own file.
func (c *Checkpoint) Info(name string) (TensorInfo, bool) {
	if f, ok := c.byName[name]; ok {
		return f.Info(name)
	}
	return TensorInfo{}, false
}

// Path returns the file that holds the named tensor.
func (c *Checkpoint) Path(name string) (string, bool) {
	if f, ok := c.byName[name]; ok {
		return f.path, true
	}
	return "", false
}

// Metadata merges the "__metadata__" of all files; for a key present in
// several shards with different values, the first file in path order wins.
func (c *Checkpoint) Metadata() map[string]string {
	merged := make(map[string]string)
	for _, f := range c.files {
		for k, v := range f.metadata {
			if _, ok := merged[k]; !ok {
				merged[k] = v
			}
		}
	}
	return merged
}

func (c *Checkpoint) file(name string) (*File, error) {
	if f, ok := c.byName[name]; ok {
		return f, nil
	}
	return nil, fmt.Errorf("safetensors: checkpoint %s: tensor %q: %w", c.where(), name, ErrNotFound)
}

// where names the checkpoint in errors: its directory, or its single file.
func (c *Checkpoint) where() string {
	if len(c.files) == 1 {
		return c.files[0].path
	}
	if len(c.files) == 0 {
		return "(empty)"
	}
	return filepath.Dir(c.files[0].path)
}

// ReadRaw returns the named tensor's little-endian bytes.
func (c *Checkpoint) ReadRaw(name string) ([]byte, error) {
	f, err := c.file(name)
	if err != nil {
		return nil, err
	}
	return f.ReadRaw(name)
}

// ReadInto copies the named tensor's bytes into dst, which must be exactly its size.
func (c *Checkpoint) ReadInto(name string, dst []byte) error {
	f, err := c.file(name)
	if err != nil {
		return err
	}
	return f.ReadInto(name, dst)
}

// ReadFloat32 reads the named F32, F16, BF16 or F64 tensor as float32.
func (c *Checkpoint) ReadFloat32(name string) ([]float32, error) {
	f, err := c.file(name)
	if err != nil {
		return nil, err
	}
	return f.ReadFloat32(name)
}

// Section returns a reader over the named tensor's bytes.
func (c *Checkpoint) Section(name string) (*io.SectionReader, error) {
	f, err := c.file(name)
	if err != nil {
		return nil, err
	}
	return f.Section(name)
}

// Close closes every file of the checkpoint.
func (c *Checkpoint) Close() error {
	var errs []error
	for _, f := range c.files {
		errs = append(errs, f.Close())
	}
	return errors.Join(errs...)
}

// Span is where a tensor's bytes lie, for mapping them: the file, the absolute offset of the
// first byte, and the file's size when its header was checked (a mapping checks it again).
type Span struct {
	Path             string
	Offset, FileSize int64
}

// Span locates the named tensor's bytes.
func (c *Checkpoint) Span(name string) (Span, error) {
	f, err := c.file(name)
	if err != nil {
		return Span{}, err
	}
	t := f.tensors[name]
	return Span{Path: f.path, Offset: f.dataStart + t.Begin, FileSize: f.dataStart + f.dataSize}, nil
}
