package safetensors

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"sort"
)

// MaxHeaderSize bounds the JSON header so a corrupt length prefix cannot
// make Open allocate gigabytes. Real headers are well under 1 MB.
const MaxHeaderSize = 100 << 20

const metadataKey = "__metadata__"

// TensorInfo describes one tensor. Begin and End are byte offsets relative
// to the start of the data region (the byte after the header).
type TensorInfo struct {
	Name  string
	DType DType
	Shape []int
	Begin int64
	End   int64
}

// NumElements is the product of the shape (1 for a scalar).
func (t TensorInfo) NumElements() int64 {
	n := int64(1)
	for _, d := range t.Shape {
		n *= int64(d)
	}
	return n
}

// Size is the number of data bytes the tensor occupies.
func (t TensorInfo) Size() int64 { return t.End - t.Begin }

func (t TensorInfo) clone() TensorInfo {
	t.Shape = append([]int{}, t.Shape...)
	return t
}

// Header is a parsed and validated safetensors header.
type Header struct {
	tensors  map[string]TensorInfo
	names    []string
	metadata map[string]string
}

// Names returns the tensor names in sorted order.
func (h *Header) Names() []string { return append([]string(nil), h.names...) }

// Info returns the description of the named tensor.
func (h *Header) Info(name string) (TensorInfo, bool) {
	t, ok := h.tensors[name]
	if !ok {
		return TensorInfo{}, false
	}
	return t.clone(), true
}

// Metadata returns a copy of the free-form "__metadata__" map.
func (h *Header) Metadata() map[string]string {
	m := make(map[string]string, len(h.metadata))
	for k, v := range h.metadata {
		m[k] = v
	}
	return m
}

// rawTensorEntry uses pointers so that missing fields can be told apart
// from zero values.
type rawTensorEntry struct {
	DType       *string  `json:"dtype"`
	Shape       *[]int64 `json:"shape"`
	DataOffsets *[]int64 `json:"data_offsets"`
}

// Parse validates a header (the JSON bytes after the length prefix) against
// a data region of dataSize bytes. It never panics; every accepted header
// has known dtypes, non-negative dims, offsets inside the data region whose
// length matches the shape, and no two non-empty tensors overlapping.
func Parse(header []byte, dataSize int64) (*Header, error) {
	if dataSize < 0 {
		return nil, formatErr("", "", "negative data size %d", dataSize)
	}
	members, err := decodeObject(header)
	if err != nil {
		var dup *duplicateKeyError
		if errors.As(err, &dup) && dup.Key == metadataKey {
			return nil, formatErr("", "", "header: __metadata__ appears twice")
		}
		if errors.As(err, &dup) {
			return nil, formatErr("", dup.Key, "listed twice in the header")
		}
		return nil, formatErr("", "", "header: %v", err)
	}
	h := &Header{tensors: make(map[string]TensorInfo), metadata: map[string]string{}}
	for _, m := range members {
		if m.Key == metadataKey {
			if err := parseMetadata(m.Value, h.metadata); err != nil {
				return nil, err
			}
			continue
		}
		info, err := parseTensorEntry(m.Key, m.Value, dataSize)
		if err != nil {
			return nil, err
		}
		h.tensors[m.Key] = info
		h.names = append(h.names, m.Key)
	}
	sort.Strings(h.names)
	if err := checkOverlaps(h); err != nil {
		return nil, err
	}
	return h, nil
}

func parseMetadata(raw json.RawMessage, into map[string]string) error {
	if isJSONNull(raw) {
		return nil
	}
	if err := json.Unmarshal(raw, &into); err != nil {
		return formatErr("", "", "__metadata__ must be an object of strings: %v", err)
	}
	return nil
}

func parseTensorEntry(name string, raw json.RawMessage, dataSize int64) (TensorInfo, error) {
	var entry rawTensorEntry
	dec := json.NewDecoder(bytes.NewReader(raw))
	if !bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{")) {
		return TensorInfo{}, formatErr("", name, "entry must be an object, got %.40s", raw)
	}
	if err := dec.Decode(&entry); err != nil {
		return TensorInfo{}, formatErr("", name, "invalid entry: %v", err)
	}
	switch {
	case entry.DType == nil:
		return TensorInfo{}, formatErr("", name, "missing \"dtype\"")
	case entry.Shape == nil:
		return TensorInfo{}, formatErr("", name, "missing \"shape\"")
	case entry.DataOffsets == nil:
		return TensorInfo{}, formatErr("", name, "missing \"data_offsets\"")
	}
	info := TensorInfo{Name: name, DType: DType(*entry.DType)}
	if !info.DType.Valid() {
		return TensorInfo{}, formatErr("", name, "unknown dtype %q", *entry.DType)
	}
	want, err := byteSize(info.DType, *entry.Shape)
	if err != nil {
		return TensorInfo{}, formatErr("", name, "shape %v: %v", *entry.Shape, err)
	}
	info.Shape = make([]int, len(*entry.Shape))
	for i, d := range *entry.Shape {
		info.Shape[i] = int(d)
	}
	offsets := *entry.DataOffsets
	if len(offsets) != 2 {
		return TensorInfo{}, formatErr("", name, "data_offsets must have 2 elements, got %d", len(offsets))
	}
	info.Begin, info.End = offsets[0], offsets[1]
	switch {
	case info.Begin < 0 || info.End < info.Begin:
		return TensorInfo{}, formatErr("", name, "invalid data_offsets [%d, %d]", info.Begin, info.End)
	case info.End > dataSize:
		return TensorInfo{}, formatErr("", name, "data_offsets [%d, %d] run past the end of the file (%d bytes of data)", info.Begin, info.End, dataSize)
	case info.End-info.Begin != want:
		return TensorInfo{}, formatErr("", name, "data_offsets [%d, %d] hold %d bytes but %s %v needs %d",
			info.Begin, info.End, info.End-info.Begin, info.DType, info.Shape, want)
	}
	return info, nil
}

// byteSize computes product(shape) * dtype size, rejecting negative dims and
// anything that does not fit in an int64 (or an int, for slice lengths).
func byteSize(dt DType, shape []int64) (int64, error) {
	total := uint64(dt.Size())
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("negative dimension %d", d)
		}
		if d > math.MaxInt {
			return 0, fmt.Errorf("dimension %d too large", d)
		}
		hi, lo := bits.Mul64(total, uint64(d))
		if hi != 0 || lo > math.MaxInt64 {
			return 0, errors.New("size overflows int64")
		}
		total = lo
	}
	return int64(total), nil
}

// checkOverlaps rejects tensors whose byte ranges intersect. Empty tensors
// occupy no bytes and may sit anywhere. Gaps are tolerated on read.
func checkOverlaps(h *Header) error {
	var spans []TensorInfo
	for _, name := range h.names {
		if t := h.tensors[name]; t.End > t.Begin {
			spans = append(spans, t)
		}
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].Begin < spans[j].Begin })
	for i := 1; i < len(spans); i++ {
		prev, cur := spans[i-1], spans[i]
		if cur.Begin < prev.End {
			return formatErr("", cur.Name, "data_offsets [%d, %d] overlap tensor %q [%d, %d]",
				cur.Begin, cur.End, prev.Name, prev.Begin, prev.End)
		}
	}
	return nil
}
