package main

import (
	"flag"

	"colash/stdlib/backend"
)

// sessionFlags choose where the shell's and scripts' models go (colash.Load and friends); a
// script can still choose per model with colash.LoadWith.
type sessionFlags struct {
	device, dtype string
	threads       int
}

func (f *sessionFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.device, "device", "cpu", "where models load: cpu, cuda, cuda:N or auto")
	fs.StringVar(&f.dtype, "dtype", "auto", "dtype models load in: auto (as each checkpoint stores it), f32, f16 or bf16")
	fs.IntVar(&f.threads, "threads", 0, "CPU threads for libtorch (0: one per core)")
}

// apply sets the session's defaults, checking the device (a missing GPU is an error now, not at
// the first Load).
func (f *sessionFlags) apply() error {
	rt, err := backend.Current()
	if err != nil {
		return err
	}
	if f.threads > 0 {
		rt.SetThreads(f.threads)
	}
	return rt.SetDefaults(f.device, f.dtype)
}
