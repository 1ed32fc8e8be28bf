// Package mem reads the process's resident memory, for memory-growth checks and the shell's
// :mem command. Linux only (/proc); elsewhere it reports an error.
package mem

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// ResidentKB is the process's resident set size in KiB (VmRSS).
func ResidentKB() (int, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(v)
			if len(f) == 0 {
				break
			}
			return strconv.Atoi(f[0])
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/self/status")
}
