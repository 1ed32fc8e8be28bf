package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"colash/engine/dist"
	"colash/model/checkpoint"
	"colash/model/tensor"
	"colash/models"
)

// modelFlags are the flags of every command that loads a model.
type modelFlags struct {
	path, tokenizer, device, dtype string
	threads                        int
	noMmap                         bool
}

func (m *modelFlags) register(fs *flag.FlagSet) {
	m.registerModel(fs)
	fs.StringVar(&m.tokenizer, "tokenizer", "", "tokenizer file (default: the one beside the model)")
}

// registerModel registers the model's flags but --tokenizer, for a job that has its own.
func (m *modelFlags) registerModel(fs *flag.FlagSet) {
	fs.StringVar(&m.path, "model", "", "model: a Hugging Face or CoLA folder, a llama2.c .bin file, or a shipped one: "+
		models.DefaultName+" (the default), "+models.DefaultCoLA+" (also: cola), "+models.Testbed+" or "+models.TestbedCoLA)
	fs.StringVar(&m.device, "device", "cpu", "cpu, cuda, cuda:N or auto")
	fs.StringVar(&m.dtype, "dtype", "auto", "compute dtype: auto (as the checkpoint stores it: a bf16 release stays bf16), f32, f16 or bf16")
	fs.IntVar(&m.threads, "threads", 0, "CPU threads for libtorch (0: one per core)")
	fs.BoolVar(&m.noMmap, "no-mmap", false, "copy the weights into memory of the model's own instead of mapping the file\n"+
		"(mapped: safetensors weights kept on the CPU in their stored dtype)")
}

// options applies the thread count (before any tensor work) and resolves the model path.
func (m *modelFlags) options() (string, checkpoint.Options, error) {
	tensor.SetThreads(m.threads)
	device := m.device
	if e, err := dist.ReadEnv(); err == nil && e.Size > 1 {
		device = tensor.OnLocalRank(device, e.LocalRank) // one GPU per process of a machine
	}
	dev, err := tensor.ParseDevice(device)
	if err != nil {
		return "", checkpoint.Options{}, err
	}
	dt, err := tensor.ParseDType(m.dtype)
	if err != nil {
		return "", checkpoint.Options{}, err
	}
	path, err := models.Resolve(m.path)
	if err != nil {
		return "", checkpoint.Options{}, err
	}
	return path, checkpoint.Options{Device: dev, DType: dt, Tokenizer: m.tokenizer, NoMmap: m.noMmap}, nil
}

// load loads the model at --model (a Llama or a CoLA).
func (m *modelFlags) load() (*checkpoint.Model, error) {
	path, opt, err := m.options()
	if err != nil {
		return nil, err
	}
	g, err := checkpoint.Open(path, opt)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "loaded %s: %s\n", path, g)
	return g, nil
}

// with loads the model at --model and calls f with it and a context that Ctrl-C cancels; the
// model is freed when f returns.
func (m *modelFlags) with(f func(ctx context.Context, g *checkpoint.Model) error) error {
	g, err := m.load()
	if err != nil {
		return err
	}
	defer g.Free()
	ctx, stop := stopContext()
	defer stop()
	return f(ctx, g)
}
