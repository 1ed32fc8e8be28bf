package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func sampleTensors(t *testing.T) []Tensor {
	f32 := []float32{1, -2.5, 3.25, 0, 1e-3, 7}
	return []Tensor{
		{Name: "model.embed.weight", DType: F32, Shape: []int{2, 3}, Data: mustEncode(t, f32, F32)},
		{Name: "half", DType: F16, Shape: []int{4}, Data: mustEncode(t, []float32{1, -1, 65504, 0.5}, F16)},
		{Name: "brain", DType: BF16, Shape: []int{2, 2}, Data: mustEncode(t, []float32{1, 2, 3, -4}, BF16)},
		{Name: "double", DType: F64, Shape: []int{1, 2}, Data: mustEncode(t, []float32{1.5, -0.25}, F64)},
		{Name: "ids", DType: I64, Shape: []int{3}, Data: binary.LittleEndian.AppendUint64(
			binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint64(nil, 7), 1<<40), ^uint64(0))},
		{Name: "ints", DType: I32, Shape: []int{1, 1, 2}, Data: []byte{1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff}},
		{Name: "bytes", DType: U8, Shape: []int{5}, Data: []byte{1, 2, 3, 4, 5}},
		{Name: "flags", DType: Bool, Shape: []int{2}, Data: []byte{1, 0}},
		{Name: "scalar", DType: F32, Shape: []int{}, Data: mustEncode(t, []float32{42}, F32)},
		{Name: "empty", DType: F32, Shape: []int{0, 3}, Data: nil},
		{Name: "empty.half", DType: F16, Shape: []int{4, 0}, Data: []byte{}},
	}
}

func TestWriteOpenRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "model.safetensors")
	tensors := sampleTensors(t)
	meta := map[string]string{"format": "pt", "note": "<&> unicode ü"}
	mustWrite(t, path, tensors, meta)

	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var wantNames []string
	for _, tn := range tensors {
		wantNames = append(wantNames, tn.Name)
	}
	slices.Sort(wantNames)
	if got := f.Names(); !reflect.DeepEqual(got, wantNames) {
		t.Fatalf("Names() = %v, want %v", got, wantNames)
	}
	if got := f.Metadata(); !reflect.DeepEqual(got, meta) {
		t.Errorf("Metadata() = %v, want %v", got, meta)
	}
	for _, want := range tensors {
		info, ok := f.Info(want.Name)
		if !ok {
			t.Fatalf("Info(%q) missing", want.Name)
		}
		if info.DType != want.DType || !slices.Equal(info.Shape, want.Shape) || info.Name != want.Name {
			t.Errorf("Info(%q) = %+v, want dtype %s shape %v", want.Name, info, want.DType, want.Shape)
		}
		if (f.DataOffset()+info.Begin)%int64(want.DType.Size()) != 0 {
			t.Errorf("tensor %q at offset %d is not aligned to %d", want.Name, info.Begin, want.DType.Size())
		}
		raw, err := f.ReadRaw(want.Name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(raw, want.Data) || len(raw) != len(want.Data) {
			t.Errorf("ReadRaw(%q) = %v, want %v", want.Name, raw, want.Data)
		}
		if want.DType.isFloat() {
			got, err := f.ReadFloat32(want.Name)
			if err != nil {
				t.Fatal(err)
			}
			wantVals, _ := DecodeToFloat32(want.Data, want.DType)
			if !slices.Equal(got, wantVals) {
				t.Errorf("ReadFloat32(%q) = %v, want %v", want.Name, got, wantVals)
			}
		}
	}
	if got, _ := f.ReadFloat32("scalar"); !slices.Equal(got, []float32{42}) {
		t.Errorf("scalar = %v, want [42]", got)
	}
	if got, _ := f.ReadFloat32("half"); !slices.Equal(got, []float32{1, -1, 65504, 0.5}) {
		t.Errorf("half = %v", got)
	}
}

func TestWrittenHeaderIsSortedAndPadded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.safetensors")
	mustWrite(t, path, sampleTensors(t), map[string]string{"format": "pt"})
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := binary.LittleEndian.Uint64(raw)
	if n%8 != 0 {
		t.Errorf("header length %d is not a multiple of 8", n)
	}
	header := string(raw[8 : 8+n])
	if strings.TrimRight(header, " ") != strings.TrimSpace(header) || !strings.HasPrefix(header, "{") {
		t.Errorf("header should be JSON padded only with trailing spaces: %q", header)
	}
	last := -1
	for _, key := range []string{`"__metadata__"`, `"brain"`, `"bytes"`, `"double"`, `"empty"`, `"flags"`, `"half"`, `"ids"`, `"ints"`, `"model.embed.weight"`, `"scalar"`} {
		i := strings.Index(header, key+":")
		if i <= last {
			t.Fatalf("key %s at %d not after previous key (%d) in %s", key, i, last, header)
		}
		last = i
	}
	if !strings.Contains(header, `"scalar":{"dtype":"F32","shape":[],"data_offsets":[`) {
		t.Errorf("scalar entry not written with an empty shape: %s", header)
	}
}

func TestWriteRejectsBadTensors(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]Tensor{
		"wrong size":     {Name: "w", DType: F32, Shape: []int{3}, Data: make([]byte, 8)},
		"unknown dtype":  {Name: "w", DType: "F7", Shape: []int{1}, Data: make([]byte, 1)},
		"negative dim":   {Name: "w", DType: U8, Shape: []int{-1}},
		"reserved name":  {Name: "__metadata__", DType: U8, Shape: []int{1}, Data: []byte{0}},
		"empty name":     {Name: "", DType: U8, Shape: []int{1}, Data: []byte{0}},
		"overflow shape": {Name: "w", DType: F64, Shape: []int{1 << 40, 1 << 40}},
	}
	for label, tensor := range cases {
		path := filepath.Join(dir, "x.safetensors")
		if err := Write(path, []Tensor{tensor}, nil); err == nil {
			t.Errorf("%s: Write accepted %+v", label, tensor)
		}
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: a failed write left %s behind", label, path)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	dup := []Tensor{{Name: "a", DType: U8, Shape: []int{1}, Data: []byte{1}}, {Name: "a", DType: U8, Shape: []int{1}, Data: []byte{2}}}
	requireErrorContains(t, Write(filepath.Join(dir, "d.safetensors"), dup, nil), `"a"`, "twice")
}

func TestReadErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.safetensors")
	mustWrite(t, path, sampleTensors(t), nil)
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, err = f.ReadRaw("nope")
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("ReadRaw of a missing tensor: %v, want ErrNotFound", err)
	}
	requireErrorContains(t, err, path, `"nope"`)
	_, err = f.ReadFloat32("ids")
	requireErrorContains(t, err, path, `"ids"`, "I64")
}

func TestReadIntoFillsTheCallersBuffer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.safetensors")
	tensors := sampleTensors(t)
	mustWrite(t, path, tensors, nil)
	c, err := OpenDir(path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	want := tensors[0].Data
	dst := make([]byte, len(want))
	if err := c.ReadInto(tensors[0].Name, dst); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(dst, want) {
		t.Errorf("ReadInto = %v, want %v", dst, want)
	}
	requireErrorContains(t, c.ReadInto(tensors[0].Name, dst[1:]), path, tensors[0].Name, "destination holds 23 bytes, the tensor 24")
	if err := c.ReadInto("nope", dst); !errors.Is(err, ErrNotFound) {
		t.Errorf("ReadInto of a missing tensor: %v, want ErrNotFound", err)
	}
}
