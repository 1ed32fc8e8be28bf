package safetensors

import (
	"math"
	"testing"
)

func TestFloat16KnownBits(t *testing.T) {
	cases := []struct {
		in   float32
		want uint16
	}{
		{1, 0x3C00},
		{-2, 0xC000},
		{0.5, 0x3800},
		{65504, 0x7BFF},                           // largest finite
		{65519, 0x7BFF},                           // below the midpoint to infinity
		{65520, 0x7C00},                           // midpoint 65504..65536 ties to even (infinity)
		{1e9, 0x7C00},                             // overflow
		{float32(math.Inf(-1)), 0xFC00},           // -inf
		{float32(math.Copysign(0, -1)), 0x8000},   // -0
		{0x1p-24, 0x0001},                         // smallest subnormal
		{0x1p-25, 0x0000},                         // half of it: tie to even gives 0
		{0x1.8p-24, 0x0002},                       // 1.5 units: tie to even gives 2
		{0x1.4p-24, 0x0001},                       // 1.25 units rounds down
		{0x3FFp-24, 0x03FF},                       // largest subnormal
		{0x1p-14, 0x0400},                         // smallest normal
		{0x1.FFFp-15, 0x0400},                     // rounds up from subnormal into normal
		{1 + 0x1p-11, 0x3C00},                     // tie between 1 and next: even is 1
		{1 + 0x3p-11, 0x3C02},                     // tie between odd 0x3C01 and 0x3C02
		{1 + 0x1p-11 + 0x1p-20, 0x3C01},           // just above the tie
		{float32(math.SmallestNonzeroFloat32), 0}, // f32 subnormal underflows
	}
	for _, c := range cases {
		if got := Float32ToFloat16(c.in); got != c.want {
			t.Errorf("Float32ToFloat16(%g) = %#04x, want %#04x", c.in, got, c.want)
		}
	}
	for _, nan := range []uint32{0x7FC00000, 0x7F800001, 0xFF800001, 0x7FA00000} {
		h := Float32ToFloat16(math.Float32frombits(nan))
		if h&0x7C00 != 0x7C00 || h&0x03FF == 0 {
			t.Errorf("NaN %#08x became %#04x, not a NaN", nan, h)
		}
	}
}

func TestBFloat16KnownBits(t *testing.T) {
	cases := []struct {
		in   float32
		want uint16
	}{
		{1, 0x3F80},
		{-2, 0xC000},
		{math.Pi, 0x4049},
		{1 + 0x1p-8, 0x3F80},           // tie: even is 1
		{1 + 0x3p-8, 0x3F82},           // tie between odd 0x3F81 and 0x3F82
		{1 + 0x1p-8 + 0x1p-20, 0x3F81}, // just above the tie
		{math.MaxFloat32, 0x7F80},      // rounds up to infinity
		{float32(math.Inf(1)), 0x7F80}, // inf
		{0x1p-133, 0x0001},             // subnormal keeps its bits
		{float32(math.Copysign(0, -1)), 0x8000},
	}
	for _, c := range cases {
		if got := Float32ToBFloat16(c.in); got != c.want {
			t.Errorf("Float32ToBFloat16(%g) = %#04x, want %#04x", c.in, got, c.want)
		}
	}
	for _, nan := range []uint32{0x7FC00000, 0x7F800001, 0xFF800001, 0x7F80FFFF} {
		if got := BFloat16ToFloat32(Float32ToBFloat16(math.Float32frombits(nan))); !isNaN32(got) {
			t.Errorf("NaN %#08x became %v", nan, got)
		}
	}
	if got := BFloat16ToFloat32(0x3F80); got != 1 {
		t.Errorf("BFloat16ToFloat32(0x3F80) = %v", got)
	}
}

// float16Reference computes a binary16 value from its fields with float64
// arithmetic, independently of the bit manipulation under test.
func float16Reference(h uint16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	exp, mant := int(h>>10)&0x1f, float64(h&0x3ff)
	switch {
	case exp == 0x1f && mant == 0:
		return math.Inf(int(sign))
	case exp == 0x1f:
		return math.NaN()
	case exp == 0:
		return sign * math.Ldexp(mant, -24)
	default:
		return sign * math.Ldexp(1+mant/1024, exp-15)
	}
}

func isNaN32(f float32) bool { return f != f }

func TestFloat16AllValues(t *testing.T) {
	for i := 0; i < 1<<16; i++ {
		h := uint16(i)
		got := Float16ToFloat32(h)
		want := float16Reference(h)
		if math.IsNaN(want) {
			if !isNaN32(got) || Float32ToFloat16(got)&0x7FFF != h&0x7FFF|0x0200 {
				t.Errorf("NaN %#04x -> %v -> %#04x", h, got, Float32ToFloat16(got))
			}
			continue
		}
		if float64(got) != want || math.Signbit(float64(got)) != math.Signbit(want) {
			t.Fatalf("Float16ToFloat32(%#04x) = %v, want %v", h, got, want)
		}
		if back := Float32ToFloat16(got); back != h {
			t.Fatalf("round trip %#04x -> %v -> %#04x", h, got, back)
		}
	}
}

// TestFloat16Midpoints checks rounding at, just below and just above every
// midpoint between adjacent finite positive halves.
func TestFloat16Midpoints(t *testing.T) {
	for h := uint16(0); h < 0x7BFF; h++ {
		lo, hi := float64(Float16ToFloat32(h)), float64(Float16ToFloat32(h+1))
		mid := float32((lo + hi) / 2) // exact: needs at most 12 significant bits
		even := h
		if h&1 == 1 {
			even = h + 1
		}
		if got := Float32ToFloat16(mid); got != even {
			t.Fatalf("midpoint of %#04x and %#04x rounded to %#04x, want %#04x", h, h+1, got, even)
		}
		if got := Float32ToFloat16(math.Nextafter32(mid, 0)); got != h {
			t.Fatalf("just below midpoint of %#04x rounded to %#04x", h, got)
		}
		if got := Float32ToFloat16(math.Nextafter32(mid, 1e9)); got != h+1 {
			t.Fatalf("just above midpoint of %#04x rounded to %#04x", h, got)
		}
		if got := Float32ToFloat16(-mid); got != even|0x8000 {
			t.Fatalf("negative midpoint of %#04x rounded to %#04x", h, got)
		}
	}
}

func TestBFloat16AllValues(t *testing.T) {
	for i := 0; i < 1<<16; i++ {
		h := uint16(i)
		f := BFloat16ToFloat32(h)
		if math.Float32bits(f) != uint32(h)<<16 {
			t.Fatalf("BFloat16ToFloat32(%#04x) = %#08x", h, math.Float32bits(f))
		}
		if isNaN32(f) {
			if !isNaN32(BFloat16ToFloat32(Float32ToBFloat16(f))) {
				t.Fatalf("NaN %#04x lost", h)
			}
			continue
		}
		if back := Float32ToBFloat16(f); back != h {
			t.Fatalf("round trip %#04x -> %#04x", h, back)
		}
		if h&0x7FFF < 0x7F7F {
			next := float64(BFloat16ToFloat32(h + 1))
			mid := float32((float64(f) + next) / 2)
			even := h
			if h&1 == 1 {
				even = h + 1
			}
			if got := Float32ToBFloat16(mid); got != even {
				t.Fatalf("midpoint after %#04x rounded to %#04x, want %#04x", h, got, even)
			}
		}
	}
}

func TestEncodeDecodeFloat32(t *testing.T) {
	vals := []float32{0, 1, -1.5, 3.140625, 65504, 0x1p-24}
	for _, dt := range []DType{F32, F16, BF16, F64} {
		raw, err := EncodeFloat32(vals, dt)
		if err != nil {
			t.Fatal(err)
		}
		if len(raw) != len(vals)*dt.Size() {
			t.Fatalf("%s: %d bytes for %d values", dt, len(raw), len(vals))
		}
		got, err := DecodeToFloat32(raw, dt)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			want := v
			if dt == BF16 {
				want = BFloat16ToFloat32(Float32ToBFloat16(v))
			}
			if got[i] != want {
				t.Errorf("%s: value %d = %v, want %v", dt, i, got[i], want)
			}
		}
	}
	if raw := mustEncode(t, []float32{1}, F16); raw[0] != 0x00 || raw[1] != 0x3C {
		t.Errorf("F16 1.0 encoded as % x, want little-endian 00 3c", raw)
	}
	if _, err := DecodeToFloat32(make([]byte, 3), F16); err == nil {
		t.Error("DecodeToFloat32 accepted 3 bytes of F16")
	}
	if _, err := DecodeToFloat32(make([]byte, 8), I64); err == nil {
		t.Error("DecodeToFloat32 accepted I64")
	}
	if _, err := EncodeFloat32(vals, U8); err == nil {
		t.Error("EncodeFloat32 accepted U8")
	}
}
