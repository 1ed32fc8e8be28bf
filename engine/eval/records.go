package eval

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
)

// loadRecords reads an existing results file for resuming. A last line that
// does not decode (a run killed mid-write) is cut off so that its problem is
// generated again; a bad line anywhere else is an error.
func loadRecords(path string, k int) (map[string]Record, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]Record{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("eval: read results: %w", err)
	}
	recs := map[string]Record{}
	offset := 0
	for line := 1; offset < len(data); line++ {
		end := bytes.IndexByte(data[offset:], '\n')
		last := end < 0 || offset+end+1 == len(data)
		if end < 0 {
			end = len(data) - offset
		}
		raw := data[offset : offset+end]
		if len(bytes.TrimSpace(raw)) == 0 {
			offset += end + 1
			continue
		}
		var rec Record
		if err := json.Unmarshal(raw, &rec); err != nil || rec.ID == "" {
			if !last {
				return nil, fmt.Errorf("eval: %s:%d: bad record: %v", path, line, err)
			}
			if err := os.Truncate(path, int64(offset)); err != nil {
				return nil, fmt.Errorf("eval: drop partial last line of %s: %w", path, err)
			}
			break
		}
		if len(rec.Completions) != k || len(rec.Correct) != k || len(rec.Extracted) != k {
			return nil, fmt.Errorf("eval: %s:%d: record has %d samples, this run wants %d; use another OutPath",
				path, line, len(rec.Completions), k)
		}
		recs[rec.ID] = rec
		if offset+end == len(data) {
			// Complete record without its newline: add it before appending.
			if err := appendNewline(path); err != nil {
				return nil, err
			}
		}
		offset += end + 1
	}
	return recs, nil
}

func appendNewline(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("eval: open results: %w", err)
	}
	defer f.Close()
	if _, err := f.Write([]byte{'\n'}); err != nil {
		return fmt.Errorf("eval: write results: %w", err)
	}
	return nil
}
