package safetensors

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestOpenTruncatedFile(t *testing.T) {
	dir := t.TempDir()
	full := filepath.Join(dir, "full.safetensors")
	mustWrite(t, full, sampleTensors(t), nil)
	raw, err := os.ReadFile(full)
	if err != nil {
		t.Fatal(err)
	}
	headerLen := int(binary.LittleEndian.Uint64(raw))

	f, err := Open(full)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dataStart := int(f.DataOffset())

	cases := []struct {
		label string
		size  int
		want  []string
	}{
		{"empty file", 0, []string{"too short"}},
		{"inside length prefix", 5, []string{"5 bytes", "too short"}},
		{"length prefix only", 8, []string{"runs past the end of the file"}},
		{"inside header", 8 + headerLen/2, []string{"header length", "runs past the end of the file"}},
		{"header without data", 8 + headerLen, []string{"run past the end of the file (0 bytes of data)"}},
		{"inside data", len(raw) - 3, []string{"run past the end of the file", "bytes of data"}},
	}
	for _, c := range cases {
		path := filepath.Join(dir, c.label+".safetensors")
		if err := os.WriteFile(path, raw[:c.size], 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Open(path)
		requireErrorContains(t, err, append([]string{path}, c.want...)...)
		if c.size < dataStart {
			continue
		}
		// A cut inside the data must name a tensor that really lies past it.
		var fe *FormatError
		if !errors.As(err, &fe) || fe.Tensor == "" {
			t.Fatalf("%s: error %v does not name a tensor", c.label, err)
		}
		info, _ := f.Info(fe.Tensor)
		if int(info.End) <= c.size-dataStart {
			t.Errorf("%s: named tensor %q ends at %d, inside the %d remaining bytes", c.label, fe.Tensor, info.End, c.size-dataStart)
		}
	}
}

func TestOpenMalformedHeaders(t *testing.T) {
	dir := t.TempDir()
	const tensor = "model.layers.0.self_attn.q_proj.weight"
	entry := func(dtype, shape, offsets string) string {
		return `"` + tensor + `":{"dtype":"` + dtype + `","shape":` + shape + `,"data_offsets":` + offsets + `}`
	}
	cases := []struct {
		label  string
		header string
		data   int
		want   []string
	}{
		{"bad json", `{"a": {`, 0, []string{"invalid JSON"}},
		{"not an object", `[1, 2]`, 0, []string{"expected an object"}},
		{"trailing data", `{} {}`, 0, []string{"after the object"}},
		{"unknown dtype", `{` + entry("F7", "[1]", "[0, 1]") + `}`, 1, []string{tensor, `unknown dtype "F7"`}},
		{"size mismatch", `{` + entry("F32", "[2, 2]", "[0, 8]") + `}`, 16, []string{tensor, "hold 8 bytes", "needs 16"}},
		{"past end", `{` + entry("F32", "[25]", "[100, 200]") + `}`, 150, []string{tensor, "data_offsets [100, 200] run past the end of the file (150 bytes of data)"}},
		{"negative dim", `{` + entry("F32", "[-1, 4]", "[0, 0]") + `}`, 0, []string{tensor, "negative dimension"}},
		{"fractional dim", `{` + entry("F32", "[1.5]", "[0, 4]") + `}`, 4, []string{tensor, "invalid entry"}},
		{"overflowing shape", `{` + entry("F64", "[4294967296, 4294967296, 16]", "[0, 8]") + `}`, 8, []string{tensor, "overflows"}},
		{"reversed offsets", `{` + entry("U8", "[0]", "[8, 4]") + `}`, 8, []string{tensor, "invalid data_offsets [8, 4]"}},
		{"negative offset", `{` + entry("U8", "[4]", "[-4, 0]") + `}`, 8, []string{tensor, "invalid data_offsets"}},
		{"three offsets", `{` + entry("U8", "[4]", "[0, 4, 8]") + `}`, 8, []string{tensor, "2 elements"}},
		{"missing dtype", `{"` + tensor + `":{"shape":[1],"data_offsets":[0,1]}}`, 1, []string{tensor, `missing "dtype"`}},
		{"entry not object", `{"` + tensor + `":[1]}`, 1, []string{tensor, "must be an object"}},
		{"duplicate tensor", `{` + entry("U8", "[1]", "[0, 1]") + `,` + entry("U8", "[1]", "[1, 2]") + `}`, 2, []string{tensor, "listed twice"}},
		{"overlap", `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},` + entry("F32", "[2]", "[4, 12]") + `}`, 12,
			[]string{tensor, `overlap tensor "a" [0, 8]`}},
		{"metadata not strings", `{"__metadata__":{"k":1}}`, 0, []string{"__metadata__"}},
	}
	for _, c := range cases {
		path := writeRawFile(t, dir, c.label+".safetensors", c.header, make([]byte, c.data))
		_, err := Open(path)
		requireErrorContains(t, err, append([]string{path}, c.want...)...)
	}
}

func TestOpenHeaderLengthBeyondFile(t *testing.T) {
	dir := t.TempDir()
	for label, n := range map[string]uint64{"larger than file": 1000, "over limit": MaxHeaderSize + 1, "huge": 1 << 63} {
		path := filepath.Join(dir, label)
		buf := binary.LittleEndian.AppendUint64(nil, n)
		buf = append(buf, "{}"...)
		if err := os.WriteFile(path, buf, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Open(path)
		requireErrorContains(t, err, path, "header length")
	}
}

func TestOpenAcceptsEdgeCases(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]struct {
		header string
		data   int
	}{
		"no tensors":             {`{}`, 0},
		"metadata only":          {`{"__metadata__":{"format":"pt"}}`, 0},
		"null metadata":          {`{"__metadata__":null}`, 0},
		"padded header":          {`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}     `, 1},
		"empty tensors share":    {`{"a":{"dtype":"F32","shape":[0],"data_offsets":[4,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, 4},
		"extra fields tolerated": {`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"extra":true}}`, 1},
	}
	for label, c := range cases {
		path := writeRawFile(t, dir, label, c.header, make([]byte, c.data))
		f, err := Open(path)
		if err != nil {
			t.Errorf("%s: %v", label, err)
			continue
		}
		f.Close()
	}
}
