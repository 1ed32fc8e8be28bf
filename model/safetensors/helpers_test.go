package safetensors

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeRawFile writes a length prefix, header and data exactly as given,
// for building malformed files.
func writeRawFile(t *testing.T, dir, name string, header string, data []byte) string {
	t.Helper()
	buf := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	buf = append(buf, header...)
	buf = append(buf, data...)
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// requireErrorContains fails unless err is non-nil and mentions every part.
func requireErrorContains(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("expected an error mentioning %q, got nil", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not mention %q", err, p)
		}
	}
}

func mustEncode(t *testing.T, vals []float32, dt DType) []byte {
	t.Helper()
	b, err := EncodeFloat32(vals, dt)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustWrite(t *testing.T, path string, tensors []Tensor, metadata map[string]string) {
	t.Helper()
	if err := Write(path, tensors, metadata); err != nil {
		t.Fatal(err)
	}
}
