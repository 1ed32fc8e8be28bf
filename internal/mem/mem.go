// Package mem reads the process's resident memory, for memory-growth checks and the shell's
// :mem command. Linux only (/proc); elsewhere it reports an error.
package mem

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// ResidentKB is the process's resident set size in KiB (VmRSS): private memory and the pages of
// mapped files it has touched.
func ResidentKB() (int, error) { return status("VmRSS") }

// PrivateKB is the process's resident private memory in KiB (RssAnon): what is its alone, not
// the page cache's pages of a mapped file.
func PrivateKB() (int, error) { return status("RssAnon") }

func status(field string) (int, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			f := strings.Fields(v)
			if len(f) == 0 {
				break
			}
			return strconv.Atoi(f[0])
		}
	}
	return 0, fmt.Errorf("no %s in /proc/self/status", field)
}
