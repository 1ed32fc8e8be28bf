package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"colash/kernel"
)

func init() {
	register("kernel", "the Jupyter kernel: colash kernel -f CONNECTION_FILE; colash kernel install [--user]", runKernel).
		withUsage("colash kernel -f CONNECTION_FILE [--device D] [--dtype T] [--threads N]",
			"colash kernel install [--user] [--prefix DIR] [--device D]").
		withDoc("Jupyter starts 'colash kernel -f FILE' itself once 'colash kernel install' has written the\n"+
			"kernelspec; cells run in the colash shell's language (docs/notebooks.md).").
		withExample("colash kernel install --user", "jupyter nbconvert --to notebook --execute examples/notebooks/rl.ipynb")
	register("kernel install", "write the colash kernelspec so that Jupyter lists the kernel", installKernel).
		withUsage("colash kernel install [--user] [--prefix DIR] [--device D]").
		withExample("colash kernel install --user", "colash kernel install --prefix /opt/jupyter --device cuda")
}

func runKernel(args []string) error {
	if len(args) > 0 && args[0] == "install" {
		return installKernel(args[1:])
	}
	fs := newFlags("kernel")
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
	fs := newFlags("kernel install")
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
