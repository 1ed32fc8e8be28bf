package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"colash/kernel"
)

func init() {
	register("kernel", "the Jupyter kernel: colash kernel -f CONNECTION_FILE; colash kernel install [--user]", runKernel)
}

func runKernel(args []string) error {
	if len(args) > 0 && args[0] == "install" {
		return installKernel(args[1:])
	}
	fs := flag.NewFlagSet("kernel", flag.ContinueOnError)
	var sf sessionFlags
	sf.register(fs)
	file := fs.String("f", "", "the connection file Jupyter wrote for this kernel")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *file == "" {
		return fmt.Errorf("usage: colash kernel -f CONNECTION_FILE (Jupyter starts it; colash kernel install writes the kernelspec)")
	}
	if err := sf.apply(); err != nil {
		return err
	}
	c, err := kernel.ReadConnection(*file)
	if err != nil {
		return err
	}
	k, err := kernel.Start(context.Background(), c, os.Stderr)
	if err != nil {
		return err
	}
	return k.Serve()
}

func installKernel(args []string) error {
	fs := flag.NewFlagSet("kernel install", flag.ContinueOnError)
	user := fs.Bool("user", false, "install for this user (~/.local/share/jupyter) rather than system-wide")
	prefix := fs.String("prefix", "", "install under PREFIX/share/jupyter (default /usr/local)")
	device := fs.String("device", "", "the kernel's --device (default: cpu)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	if exe, err = filepath.EvalSymlinks(exe); err != nil {
		return err
	}
	dir, err := kernel.SpecDir(*user, *prefix)
	if err != nil {
		return err
	}
	var extra []string
	if *device != "" {
		extra = append(extra, "--device", *device)
	}
	if err := kernel.Install(dir, exe, extra...); err != nil {
		return err
	}
	fmt.Printf("installed kernelspec colash in %s (jupyter kernelspec list shows it)\n", dir)
	return nil
}
