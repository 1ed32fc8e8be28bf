package job

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// ReadLines reads one entry per non-empty line of a file ("": none). A line that starts with a
// double quote is a JSON string, for entries (prompts) that hold newlines or end in spaces.
func ReadLines(path string) ([]string, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, `"`) {
			if err := json.Unmarshal([]byte(line), &line); err != nil {
				return nil, fmt.Errorf("%s:%d: a line in quotes must be a JSON string: %w", path, n, err)
			}
		}
		if line != "" {
			out = append(out, line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no entries", path)
	}
	return out, nil
}
