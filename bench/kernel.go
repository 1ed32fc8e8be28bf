package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"colash/kernel"
)

// KernelStart measures `colash kernel` from process start to its first kernel_info_reply, as
// Jupyter sees it (no model is loaded until a cell asks), against the start of the same binary
// evaluating one expression (`colash -e 1`), best of 3. It needs the colash binary itself.
func KernelStart(ctx context.Context) ([]Result, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	if filepath.Base(exe) != "colash" {
		return []Result{{Name: "kernel start", Note: "run by `colash bench --run kernel` (it starts the colash binary)"}}, nil
	}
	var shell, kern time.Duration = 1 << 62, 1 << 62
	for i := 0; i < 3; i++ {
		start := time.Now()
		if out, err := exec.CommandContext(ctx, exe, "-e", "1").CombinedOutput(); err != nil {
			return nil, fmt.Errorf("colash -e 1: %v: %s", err, out)
		}
		shell = min(shell, time.Since(start))
		d, err := kernelToInfo(ctx, exe)
		if err != nil {
			return nil, err
		}
		kern = min(kern, d)
	}
	return []Result{
		{Name: "kernel start to first kernel_info_reply", Value: kern.Seconds() * 1000, Unit: "ms", Note: "best of 3; no model loaded"},
		{Name: "colash -e 1 (process start, same binary)", Value: shell.Seconds() * 1000, Unit: "ms", Note: "baseline, same run"},
		{Name: "kernel start / colash -e 1", Value: kern.Seconds() / shell.Seconds(), Unit: "x"},
	}, nil
}

// kernelToInfo starts a kernel and asks kernel_info until it answers; then shuts it down.
func kernelToInfo(ctx context.Context, exe string) (time.Duration, error) {
	c, err := kernel.LocalConnection("bench-key")
	if err != nil {
		return 0, err
	}
	dir, err := os.MkdirTemp("", "colash-kernel-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "connection.json")
	b, _ := json.Marshal(c)
	if err := os.WriteFile(file, b, 0o600); err != nil {
		return 0, err
	}
	start := time.Now()
	cmd := exec.CommandContext(ctx, exe, "kernel", "-f", file)
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	var cl *kernel.Client
	for cl == nil && time.Since(start) < 30*time.Second {
		if cl, err = kernel.Dial(c, c.Key); err != nil {
			time.Sleep(2 * time.Millisecond) // not listening yet
		}
	}
	if cl == nil {
		return 0, fmt.Errorf("kernel: not listening after 30 s: %v", err)
	}
	defer cl.Close()
	for time.Since(start) < 30*time.Second {
		if _, err := cl.Send(cl.Shell, "kernel_info_request", map[string]any{}); err != nil {
			return 0, err
		}
		if m, err := cl.Recv(cl.Shell, 100*time.Millisecond); err == nil && m.Header.MsgType == "kernel_info_reply" {
			d := time.Since(start)
			cl.Send(cl.Control, "shutdown_request", map[string]any{"restart": false})
			cl.Recv(cl.Control, time.Second)
			return d, nil
		}
	}
	return 0, fmt.Errorf("kernel: no kernel_info_reply in 30 s")
}
