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
	out, err := runTorch(dir, B, n, threads, false)
	if err != nil {
		return 0, err
	}
	return strconv.ParseFloat(out[0], 64)
}

// TorchGreedyTokens are the n tokens the PyTorch baseline decodes greedily from BOS: the check
// that it computes the same model as colash.
func TorchGreedyTokens(dir string, n int) ([]int, error) {
	out, err := runTorch(dir, 1, n, 1, true)
	if err != nil {
		return nil, err
	}
	if len(out) < 2 {
		return nil, fmt.Errorf("PyTorch baseline printed no tokens")
	}
	var toks []int
	for _, f := range strings.Fields(out[1]) {
		t, err := strconv.Atoi(f)
		if err != nil {
			return nil, err
		}
		toks = append(toks, t)
	}
	return toks, nil
}

// runTorch runs the baseline script and returns its output lines (tokens/s, then the tokens of
// sequence 0 when asked).
func runTorch(dir string, B, n, threads int, tokens bool) ([]string, error) {
	if err := exec.Command(TorchPython, "-c", "import torch").Run(); err != nil {
		return nil, fmt.Errorf("PyTorch baseline unavailable (%s -c 'import torch': %v)", TorchPython, err)
	}
	tmp, err := os.MkdirTemp("", "colash-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	script := filepath.Join(tmp, "torch_decode.py")
	if err := os.WriteFile(script, torchDecodeScript, 0o644); err != nil {
		return nil, err
	}
	args := []string{script, dir, strconv.Itoa(B), strconv.Itoa(n), strconv.Itoa(threads)}
	if tokens {
		args = append(args, "tokens")
	}
	out, err := exec.Command(TorchPython, args...).Output()
	if err != nil {
		return nil, fmt.Errorf("PyTorch baseline: %v: %s", err, out)
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n"), nil
}
