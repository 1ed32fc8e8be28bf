package safetensors

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Float16ToFloat32 widens an IEEE 754 binary16 value exactly, including
// subnormals, infinities and NaN payloads.
func Float16ToFloat32(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h & 0x3ff)
	switch {
	case exp == 0x1f: // inf or NaN; the payload moves to the top of the f32 mantissa
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case exp != 0:
		return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
	default:
		// Zero or subnormal: mant * 2^-24, exact in float32.
		v := float32(mant) * (1.0 / (1 << 24))
		return math.Float32frombits(sign | math.Float32bits(v))
	}
}

// Float32ToFloat16 narrows to binary16 with round-to-nearest-even.
// Overflow gives infinity and NaN stays NaN (quiet).
func Float32ToFloat16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int32(b>>23) & 0xff
	mant := b & 0x7fffff
	if exp == 0xff {
		if mant != 0 {
			return sign | 0x7e00 | uint16(mant>>13)
		}
		return sign | 0x7c00
	}
	halfExp := exp - 127 + 15
	if halfExp >= 0x1f {
		return sign | 0x7c00
	}
	if halfExp > 0 {
		// Normal result; a mantissa carry correctly bumps the exponent,
		// and from the largest exponent it yields exactly infinity.
		return sign + roundShift(uint32(halfExp)<<23|mant, 13)
	}
	if exp == 0 {
		return sign // f32 subnormals are far below the f16 range
	}
	// Subnormal result: the full 24-bit significand scaled to units of 2^-24.
	shift := uint(126 - exp)
	if shift > 24 {
		return sign
	}
	return sign + roundShift(mant|0x800000, shift)
}

// roundShift returns v >> shift rounded to nearest, ties to even.
func roundShift(v uint32, shift uint) uint16 {
	kept := v >> shift
	rest := v & (1<<shift - 1)
	half := uint32(1) << (shift - 1)
	if rest > half || (rest == half && kept&1 == 1) {
		kept++
	}
	return uint16(kept)
}

// BFloat16ToFloat32 widens a bfloat16 value exactly.
func BFloat16ToFloat32(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

// Float32ToBFloat16 narrows to bfloat16 with round-to-nearest-even.
// NaN stays NaN even when its payload lives only in the dropped bits.
func Float32ToBFloat16(f float32) uint16 {
	b := math.Float32bits(f)
	if b&0x7fffffff > 0x7f800000 {
		return uint16(b>>16) | 0x0040
	}
	return uint16((b + 0x7fff + (b>>16)&1) >> 16)
}

// DecodeToFloat32 converts little-endian F32, F16, BF16 or F64 bytes to
// float32. F64 values are rounded to nearest; the others convert exactly.
func DecodeToFloat32(data []byte, dt DType) ([]float32, error) {
	if !dt.isFloat() {
		return nil, fmt.Errorf("cannot convert dtype %s to float32", dt)
	}
	size := dt.Size()
	if len(data)%size != 0 {
		return nil, fmt.Errorf("%d bytes is not a whole number of %s elements", len(data), dt)
	}
	out := make([]float32, len(data)/size)
	for i := range out {
		elem := data[i*size : (i+1)*size]
		switch dt {
		case F32:
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(elem))
		case F16:
			out[i] = Float16ToFloat32(binary.LittleEndian.Uint16(elem))
		case BF16:
			out[i] = BFloat16ToFloat32(binary.LittleEndian.Uint16(elem))
		case F64:
			out[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(elem)))
		}
	}
	return out, nil
}

// EncodeFloat32 converts values to little-endian bytes of dtype F32, F16,
// BF16 or F64, rounding to nearest even where precision is lost.
func EncodeFloat32(vals []float32, dt DType) ([]byte, error) {
	if !dt.isFloat() {
		return nil, fmt.Errorf("cannot encode float32 values as dtype %s", dt)
	}
	size := dt.Size()
	out := make([]byte, len(vals)*size)
	for i, v := range vals {
		elem := out[i*size : (i+1)*size]
		switch dt {
		case F32:
			binary.LittleEndian.PutUint32(elem, math.Float32bits(v))
		case F16:
			binary.LittleEndian.PutUint16(elem, Float32ToFloat16(v))
		case BF16:
			binary.LittleEndian.PutUint16(elem, Float32ToBFloat16(v))
		case F64:
			binary.LittleEndian.PutUint64(elem, math.Float64bits(float64(v)))
		}
	}
	return out, nil
}
