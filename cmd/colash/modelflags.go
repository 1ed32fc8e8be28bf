package main

import (
	"flag"
	"fmt"
	"os"

	"colash/engine/generate"
	"colash/model/checkpoint"
	"colash/model/cola"
	"colash/model/tensor"
	"colash/model/tokenizer"
	"colash/models"
)

// modelFlags are the flags of every command that loads a model.
type modelFlags struct {
	path, tokenizer, device, dtype string
	threads                        int
}

func (m *modelFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&m.path, "model", "", "model: a Hugging Face folder or a llama2.c .bin file (default: the shipped "+models.DefaultName+")")
	fs.StringVar(&m.tokenizer, "tokenizer", "", "tokenizer file (default: the one beside the model)")
	fs.StringVar(&m.device, "device", "cpu", "cpu, cuda, cuda:N or auto")
	fs.StringVar(&m.dtype, "dtype", "f32", "compute dtype: f32, f16 or bf16")
	fs.IntVar(&m.threads, "threads", 0, "CPU threads for libtorch (0: one per core)")
}

// options applies the thread count (before any tensor work) and resolves the model path.
func (m *modelFlags) options() (string, checkpoint.Options, error) {
	tensor.SetThreads(m.threads)
	dev, err := tensor.ParseDevice(m.device)
	if err != nil {
		return "", checkpoint.Options{}, err
	}
	dt, err := tensor.ParseDType(m.dtype)
	if err != nil {
		return "", checkpoint.Options{}, err
	}
	path := m.path
	if path == "" {
		if path, err = models.Path(models.DefaultName); err != nil {
			return "", checkpoint.Options{}, err
		}
	}
	return path, checkpoint.Options{Device: dev, DType: dt, Tokenizer: m.tokenizer}, nil
}

func (m *modelFlags) loadLlama() (*checkpoint.Llama, error) {
	path, opt, err := m.options()
	if err != nil {
		return nil, err
	}
	l, err := checkpoint.LoadLlama(path, opt)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "loaded %s: %s\n", path, l.Model)
	return l, nil
}

// loaded is a model ready to decode: a plain Llama or a CoLA (exactly one is set).
type loaded struct {
	llama *checkpoint.Llama
	cola  *checkpoint.CoLA
	tok   tokenizer.Tokenizer
}

// load loads the model at --model, as CoLA when its config.json has the CoLA fields.
func (m *modelFlags) load() (*loaded, error) {
	path, opt, err := m.options()
	if err != nil {
		return nil, err
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() && cola.IsCoLA(path) {
		c, err := checkpoint.LoadCoLA(path, opt)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(os.Stderr, "loaded %s: %s\n", path, c.Model)
		return &loaded{cola: c, tok: c.Tok}, nil
	}
	l, err := checkpoint.LoadLlama(path, opt)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "loaded %s: %s\n", path, l.Model)
	return &loaded{llama: l, tok: l.Tok}, nil
}

// session opens a decoding session; latent is how a CoLA samples its codes.
func (l *loaded) session(capacity int, latent generate.Sampling) generate.Session {
	if l.cola != nil {
		return generate.NewCoLASession(l.cola.Model, capacity, latent)
	}
	return generate.NewLlamaSession(l.llama.Model, capacity, false)
}

func (l *loaded) Free() {
	if l.cola != nil {
		l.cola.Free()
	} else {
		l.llama.Free()
	}
}
