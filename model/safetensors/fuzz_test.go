package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"reflect"
	"sort"
	"testing"
)

func FuzzParseHeader(f *testing.F) {
	f.Add([]byte(`{}`), int64(0))
	f.Add([]byte(`{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`), int64(8))
	f.Add([]byte(`{"a":{"dtype":"BF16","shape":[],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[0],"data_offsets":[2,2]}}`), int64(2))
	f.Add([]byte(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`), int64(12))
	f.Add([]byte(`{"a":{"dtype":"F64","shape":[4294967296,4294967296,16],"data_offsets":[0,8]}}`), int64(8))
	f.Add([]byte(`{"a":{"dtype":"I64","shape":[-1],"data_offsets":[0,8]}}  `), int64(8))
	f.Fuzz(func(t *testing.T, header []byte, dataSize int64) {
		h, err := Parse(header, dataSize)
		if err != nil {
			return
		}
		checkHeaderInvariants(t, h, dataSize)
		// Re-encoding the accepted entries must parse to the same header.
		obj := map[string]any{}
		if len(h.metadata) > 0 {
			obj[metadataKey] = h.metadata
		}
		for _, name := range h.names {
			info := h.tensors[name]
			obj[name] = headerEntry{DType: info.DType, Shape: append([]int{}, info.Shape...), DataOffsets: [2]int64{info.Begin, info.End}}
		}
		again, err := json.Marshal(obj)
		if err != nil {
			t.Fatal(err)
		}
		h2, err := Parse(again, dataSize)
		if err != nil {
			t.Fatalf("re-encoded header rejected: %v\n%s", err, again)
		}
		if !reflect.DeepEqual(h.tensors, h2.tensors) || !reflect.DeepEqual(h.Metadata(), h2.Metadata()) {
			t.Fatalf("re-encoded header differs:\n%s", again)
		}
	})
}

// FuzzReadFile exercises the length prefix and ReadRaw on arbitrary bytes.
func FuzzReadFile(f *testing.F) {
	var valid bytes.Buffer
	placed, _ := layoutFile(sourcesOf([]Tensor{
		{Name: "w", DType: F16, Shape: []int{2}, Data: []byte{0, 0x3c, 0, 0xc0}},
		{Name: "s", DType: F32, Shape: []int{}, Data: []byte{0, 0, 0x80, 0x3f}},
	}))
	writeSafetensors(&valid, placed, map[string]string{"k": "v"})
	f.Add(valid.Bytes())
	f.Add(valid.Bytes()[:12])
	f.Add(binary.LittleEndian.AppendUint64(nil, 1<<62))
	f.Fuzz(func(t *testing.T, file []byte) {
		r := bytes.NewReader(file)
		header, dataStart, err := readHeader(r, int64(len(file)))
		if err != nil {
			return
		}
		if dataStart < 8 || dataStart > int64(len(file)) {
			t.Fatalf("data start %d outside file of %d bytes", dataStart, len(file))
		}
		h, err := Parse(header, int64(len(file))-dataStart)
		if err != nil {
			return
		}
		for _, name := range h.names {
			info := h.tensors[name]
			data := file[dataStart+info.Begin : dataStart+info.End] // must not panic
			if info.DType.isFloat() {
				if vals, err := DecodeToFloat32(data, info.DType); err != nil || int64(len(vals)) != info.NumElements() {
					t.Fatalf("tensor %q: %d values for %d elements, %v", name, len(vals), info.NumElements(), err)
				}
			}
		}
	})
}

func checkHeaderInvariants(t *testing.T, h *Header, dataSize int64) {
	t.Helper()
	if !sort.StringsAreSorted(h.names) || len(h.names) != len(h.tensors) {
		t.Fatalf("names not sorted or inconsistent: %q", h.names)
	}
	var spans []TensorInfo
	for i, name := range h.names {
		if i > 0 && h.names[i-1] == name {
			t.Fatalf("duplicate name %q", name)
		}
		info, ok := h.tensors[name]
		if !ok || info.Name != name || name == metadataKey {
			t.Fatalf("bad entry for %q: %+v", name, info)
		}
		if !info.DType.Valid() {
			t.Fatalf("%q: unknown dtype %q accepted", name, info.DType)
		}
		want := int64(info.DType.Size())
		for _, d := range info.Shape {
			if d < 0 {
				t.Fatalf("%q: negative dim in %v", name, info.Shape)
			}
			want *= int64(d)
		}
		if info.Begin < 0 || info.End < info.Begin || info.End > dataSize {
			t.Fatalf("%q: offsets [%d, %d] outside %d bytes", name, info.Begin, info.End, dataSize)
		}
		if info.Size() != want {
			t.Fatalf("%q: %d bytes for %s %v", name, info.Size(), info.DType, info.Shape)
		}
		if info.Size() > 0 {
			spans = append(spans, info)
		}
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].Begin < spans[j].Begin })
	for i := 1; i < len(spans); i++ {
		if spans[i].Begin < spans[i-1].End {
			t.Fatalf("%q overlaps %q", spans[i].Name, spans[i-1].Name)
		}
	}
}
