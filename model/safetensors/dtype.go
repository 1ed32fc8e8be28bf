// Package safetensors reads and writes checkpoints in the safetensors
// format: an 8-byte little-endian header length, a JSON header describing
// each tensor, then the raw little-endian tensor bytes.
//
// Headers are validated completely when a file is opened, so later reads
// can trust the offsets. Sharded Hugging Face checkpoints
// (model.safetensors.index.json plus shards) are opened through OpenDir.
package safetensors

import "fmt"

// DType is an element type as spelled in safetensors headers ("F32", "BF16", ...).
type DType string

// Element types with a fixed whole-byte size. Sub-byte formats (F4, F6) are
// not supported because their tensors cannot be addressed per element.
const (
	Bool   DType = "BOOL"
	U8     DType = "U8"
	I8     DType = "I8"
	F8E5M2 DType = "F8_E5M2"
	F8E4M3 DType = "F8_E4M3"
	F8E8M0 DType = "F8_E8M0"
	I16    DType = "I16"
	U16    DType = "U16"
	F16    DType = "F16"
	BF16   DType = "BF16"
	I32    DType = "I32"
	U32    DType = "U32"
	F32    DType = "F32"
	C64    DType = "C64"
	F64    DType = "F64"
	I64    DType = "I64"
	U64    DType = "U64"
)

var dtypeSizes = map[DType]int{
	Bool: 1, U8: 1, I8: 1, F8E5M2: 1, F8E4M3: 1, F8E8M0: 1,
	I16: 2, U16: 2, F16: 2, BF16: 2,
	I32: 4, U32: 4, F32: 4,
	C64: 8, F64: 8, I64: 8, U64: 8,
}

// Size returns the number of bytes per element, or 0 for an unknown dtype.
func (d DType) Size() int { return dtypeSizes[d] }

// Valid reports whether d is a dtype this package understands.
func (d DType) Valid() bool { return d.Size() > 0 }

func (d DType) String() string { return string(d) }

// isFloat reports whether ReadFloat32/DecodeToFloat32 can convert d.
func (d DType) isFloat() bool {
	switch d {
	case F32, F16, BF16, F64:
		return true
	}
	return false
}

func checkDType(d DType) error {
	if !d.Valid() {
		return fmt.Errorf("unknown dtype %q", string(d))
	}
	return nil
}
