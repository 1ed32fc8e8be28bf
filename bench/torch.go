package bench

import (
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

//go:embed testdata/torch_decode.py
var torchDecodeScript []byte

// TorchPython is the interpreter with PyTorch used as a baseline (Debian's python3-torch).
var TorchPython = "/usr/bin/python3"

// TorchDecode runs PyTorch eager greedy decoding of the model in dir (B sequences, n tokens,
// threads intra-op threads) and returns its tokens per second, or an error when PyTorch is
// not installed.
func TorchDecode(dir string, B, n, threads int) (float64, error) {
	if err := exec.Command(TorchPython, "-c", "import torch").Run(); err != nil {
		return 0, fmt.Errorf("PyTorch baseline unavailable (%s -c 'import torch': %v)", TorchPython, err)
	}
	tmp, err := os.MkdirTemp("", "colash-bench-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(tmp)
	script := filepath.Join(tmp, "torch_decode.py")
	if err := os.WriteFile(script, torchDecodeScript, 0o644); err != nil {
		return 0, err
	}
	out, err := exec.Command(TorchPython, script, dir, strconv.Itoa(B), strconv.Itoa(n), strconv.Itoa(threads)).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("PyTorch baseline: %v: %s", err, out)
	}
	return strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
}
