package kernel

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Spec is a kernelspec (kernel.json): how Jupyter starts the kernel.
type Spec struct {
	Argv          []string `json:"argv"`
	DisplayName   string   `json:"display_name"`
	Language      string   `json:"language"`
	InterruptMode string   `json:"interrupt_mode"`
}

// SpecDir is where a kernelspec named colash goes: the user's Jupyter data folder (user), else
// PREFIX/share/jupyter (prefix "" is /usr/local, Jupyter's system-wide place).
func SpecDir(user bool, prefix string) (string, error) {
	if user {
		if d := os.Getenv("JUPYTER_DATA_DIR"); d != "" {
			return filepath.Join(d, "kernels", "colash"), nil
		}
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		return filepath.Join(home, ".local", "share", "jupyter", "kernels", "colash"), nil
	}
	if prefix == "" {
		prefix = "/usr/local"
	}
	return filepath.Join(prefix, "share", "jupyter", "kernels", "colash"), nil
}

// Install writes the kernelspec for the colash binary exe (an absolute path) into dir, with
// extra arguments for the kernel (e.g. --device cuda). Interrupts come as messages on the
// control channel.
func Install(dir, exe string, extra ...string) error {
	argv := append([]string{exe, "kernel"}, extra...)
	argv = append(argv, "-f", "{connection_file}")
	b, err := json.MarshalIndent(Spec{Argv: argv, DisplayName: "colash (Go)", Language: "go", InterruptMode: "message"}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("kernelspec: %w", err)
	}
	return os.WriteFile(filepath.Join(dir, "kernel.json"), append(b, '\n'), 0o644)
}
