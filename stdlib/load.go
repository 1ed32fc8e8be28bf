package colash

import (
	"fmt"
	"path/filepath"
	"sync"

	"colash/models"
	"colash/stdlib/backend"
)

var (
	loadedMu sync.Mutex
	loaded   []*Model
)

// Load loads a model: "" or "default" is the shipped model (stories260K), "cola" the shipped
// CoLA trained on it (stories260K-cola), otherwise a Hugging Face or CoLA folder or a llama2.c
// .bin file. It goes to the session's device and dtype (Device, DType; `colash shell --device
// cuda --dtype bf16` sets them). Loading the same path twice returns the same model.
func Load(path string) *Model { return LoadWith(path, LoadOpts{}) }

// LoadOpts choose where and how LoadWith puts a model; empty fields take the session's defaults.
type LoadOpts struct {
	Device    string // "cpu", "cuda", "cuda:N" or "auto"
	DType     string // "f32", "f16" or "bf16"
	Threads   int    // CPU threads for tensor work (0: unchanged)
	Tokenizer string // a tokenizer file ("": the one beside the checkpoint)
	NoMmap    bool   // copy the weights into memory of the model's own instead of mapping the file
}

// LoadWith is Load on a chosen device and dtype, e.g.
//
//	m := colash.LoadWith("cola", colash.LoadOpts{Device: "cuda:0", DType: "bf16"})
func LoadWith(path string, o LoadOpts) *Model {
	m, err := TryLoadWith(path, o)
	fail("load "+displayPath(path), err)
	return m
}

// TryLoad is Load returning an error instead of panicking.
func TryLoad(path string) (*Model, error) { return TryLoadWith(path, LoadOpts{}) }

// TryLoadWith is LoadWith returning an error instead of panicking.
func TryLoadWith(path string, o LoadOpts) (*Model, error) {
	rt, err := backend.Current()
	if err != nil {
		return nil, err
	}
	name := path
	if name == "" || name == "default" {
		name = DefaultModel
	}
	if path, err = models.Resolve(path); err != nil {
		return nil, err
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	dev, dt := rt.Defaults()
	if o.Device != "" {
		dev = o.Device
	}
	if o.DType != "" {
		dt = o.DType
	}
	key := fmt.Sprintf("%s|%s|%s|%s", path, dev, dt, o.Tokenizer)
	loadedMu.Lock()
	defer loadedMu.Unlock()
	for _, m := range loaded {
		if m.key == key {
			return m, nil
		}
	}
	bm, err := rt.Load(path, backend.LoadOptions{Device: dev, DType: dt, Tokenizer: o.Tokenizer, Threads: o.Threads, NoMmap: o.NoMmap})
	if err != nil {
		return nil, err
	}
	m := &Model{m: bm, key: key, name: name}
	loaded = append(loaded, m)
	return m, nil
}

func displayPath(p string) string {
	if p == "" {
		return DefaultModel
	}
	return p
}

// Models lists the models loaded in this session.
func Models() []*Model {
	loadedMu.Lock()
	defer loadedMu.Unlock()
	return append([]*Model(nil), loaded...)
}

// Free releases the model's memory; Load loads it again.
func (m *Model) Free() {
	loadedMu.Lock()
	for i, x := range loaded {
		if x == m {
			loaded = append(loaded[:i], loaded[i+1:]...)
			break
		}
	}
	loadedMu.Unlock()
	m.m.Free()
}

// Device is where Load puts models ("cpu" or "cuda:N"); a model's own is in its Info.
func Device() string {
	rt, err := backend.Current()
	fail("device", err)
	d, _ := rt.Defaults()
	return d
}

// DType is the dtype Load gives models ("f32", "f16" or "bf16").
func DType() string {
	rt, err := backend.Current()
	fail("dtype", err)
	_, d := rt.Defaults()
	return d
}

// SetDevice makes Load put models on device ("cpu", "cuda", "cuda:N" or "auto") with dtype
// ("f32", "f16" or "bf16"; "" keeps the current one) from now on.
func SetDevice(device, dtype string) {
	rt, err := backend.Current()
	fail("device", err)
	if dtype == "" {
		_, dtype = rt.Defaults()
	}
	fail("device", rt.SetDefaults(device, dtype))
}

// SetThreads sets the number of CPU threads for tensor work (0: one per core).
func SetThreads(n int) {
	rt, err := backend.Current()
	fail("threads", err)
	rt.SetThreads(n)
}

// Threads is the number of CPU threads for tensor work.
func Threads() int {
	rt, err := backend.Current()
	fail("threads", err)
	return rt.Threads()
}
