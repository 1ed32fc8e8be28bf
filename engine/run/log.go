package run

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
)

// metricsLog appends one JSON line per step to metrics.jsonl.
type metricsLog struct{ f *os.File }

// openLog opens path for appending after cutting it back to the lines of steps <= done: the
// lines a killed run wrote after its last checkpoint are written again by the resumed one.
func openLog(path string, done int) (*metricsLog, error) {
	data, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	keep := 0
	for off := 0; off < len(data); {
		end := bytes.IndexByte(data[off:], '\n')
		if end < 0 {
			break // a line cut short by a crash
		}
		var line struct {
			Step *int `json:"step"`
		}
		if json.Unmarshal(data[off:off+end], &line) != nil || line.Step == nil || *line.Step > done {
			break
		}
		off += end + 1
		keep = off
	}
	if err := os.WriteFile(path, data[:keep], 0o644); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	return &metricsLog{f: f}, nil
}

// write logs m with "step" set to step.
func (l *metricsLog) write(step int, m any) error {
	if l.f == nil {
		return nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("metrics of step %d: %w", step, err)
	}
	var fields map[string]any
	if err := json.Unmarshal(b, &fields); err != nil {
		return fmt.Errorf("metrics of step %d are not a JSON object: %w", step, err)
	}
	fields["step"] = step
	b, _ = json.Marshal(fields)
	_, err = l.f.Write(append(b, '\n'))
	return err
}

// Close closes the log.
func (l *metricsLog) Close() error {
	if l.f == nil {
		return nil
	}
	return l.f.Close()
}

// ReadMetrics reads a metrics.jsonl file: one map per step.
func ReadMetrics(path string) ([]map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []map[string]any
	for i, line := range bytes.Split(bytes.TrimSpace(data), []byte{'\n'}) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, i+1, err)
		}
		out = append(out, m)
	}
	return out, nil
}

// MovingMean is the mean of the last N values added (all of them while there are fewer): how
// curves are smoothed and how a target "reached" is judged over metrics.jsonl.
type MovingMean struct {
	N      int
	window []float64
}

// Add takes v and returns the mean of the window that now ends with it.
func (m *MovingMean) Add(v float64) float64 {
	m.window = append(m.window, v)
	if len(m.window) > max(m.N, 1) {
		m.window = m.window[1:]
	}
	sum := 0.0
	for _, w := range m.window {
		sum += w
	}
	return sum / float64(len(m.window))
}
