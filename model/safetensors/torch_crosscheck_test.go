package safetensors

import (
	"colash/internal/testenv"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const python = testenv.Python

// torchReader parses a safetensors file with only json, struct and
// torch.frombuffer, an implementation independent of this package, and
// checks Go's encodings against torch's own float conversions.
const torchReader = `
import json, struct, sys, torch
path = sys.argv[1]
raw = open(path, "rb").read()
(n,) = struct.unpack("<Q", raw[:8])
assert n % 8 == 0, "header length %d not a multiple of 8" % n
header = json.loads(raw[8:8 + n])
data = raw[8 + n:]
dtypes = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "I64": torch.int64}
t = {}
for name, e in header.items():
    if name == "__metadata__":
        continue
    b, end = e["data_offsets"]
    dt = dtypes[e["dtype"]]
    if end > b:
        x = torch.frombuffer(bytearray(data[b:end]), dtype=dt)
    else:
        x = torch.empty(0, dtype=dt)
    t[name] = x.reshape(e["shape"])
bad = []
def same_bits(name, got, want, view):
    gn, wn = torch.isnan(got.float()), torch.isnan(want.float())
    if not torch.equal(gn, wn):
        bad.append("%s: NaN positions differ" % name)
    diff = ((got.view(view) != want.view(view)) & ~gn).nonzero().flatten()
    for i in diff[:5].tolist():
        bad.append("%s[%d]: go %#x torch %#x (from f32 %r)" % (name, i, got.view(view)[i] & 0xffff, want.view(view)[i] & 0xffff, t["values.f32"][i].item()))
f32 = t["values.f32"]
same_bits("f16", t["values.f16"], f32.to(torch.float16), torch.int16)
same_bits("bf16", t["values.bf16"], f32.to(torch.bfloat16), torch.int16)
same_bits("f16 widened", t["values.f16.widened"], t["values.f16"].to(torch.float32), torch.int32)
if not torch.equal(t["ids"], torch.tensor([[0, -1, 2], [1 << 40, 4, -(1 << 62)]])):
    bad.append("ids: %s" % t["ids"])
if not torch.equal(t["matrix"], torch.arange(24, dtype=torch.float32).reshape(2, 3, 4)):
    bad.append("matrix: %s" % t["matrix"])
if t["scalar"].shape != () or t["scalar"].item() != 42.0:
    bad.append("scalar: %r" % t["scalar"])
if t["empty"].shape != (0, 5):
    bad.append("empty: shape %s" % (t["empty"].shape,))
if header.get("__metadata__") != {"format": "pt"}:
    bad.append("metadata: %r" % header.get("__metadata__"))
print("\n".join(bad) if bad else "ok")
sys.exit(1 if bad else 0)
`

func torchAvailable(t *testing.T) {
	t.Helper()
	testenv.PythonWith(t, "torch")
}

// crossCheckValues mixes special values, f16 edge cases and random bit
// patterns covering every float32 class.
func crossCheckValues() []float32 {
	vals := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 65504, 65519, 65520, 1e9,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()),
		0x1p-24, 0x1p-25, 0x1.8p-24, 0x1p-14, 1 + 0x1p-11, 1 + 0x3p-11, 1 + 0x1p-8, 1 + 0x3p-8,
		math.MaxFloat32, math.SmallestNonzeroFloat32, math.Pi}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		vals = append(vals, math.Float32frombits(rng.Uint32()))
	}
	for range 20000 { // magnitudes inside the f16 range, including subnormals
		vals = append(vals, float32(math.Ldexp(rng.Float64()*2-1, rng.IntN(44)-26)))
	}
	for h := range 1 << 16 { // exact halves and the midpoints after them
		f := Float16ToFloat32(uint16(h))
		vals = append(vals, f, math.Nextafter32(f, float32(math.Inf(1))))
	}
	return vals
}

func TestCrossCheckWithTorch(t *testing.T) {
	torchAvailable(t)
	vals := crossCheckValues()
	f16 := mustEncode(t, vals, F16)
	widened, err := DecodeToFloat32(f16, F16)
	if err != nil {
		t.Fatal(err)
	}
	ids := []int64{0, -1, 2, 1 << 40, 4, -(1 << 62)}
	var idBytes []byte
	for _, v := range ids {
		idBytes = binary.LittleEndian.AppendUint64(idBytes, uint64(v))
	}
	matrix := make([]float32, 24)
	for i := range matrix {
		matrix[i] = float32(i)
	}
	n := len(vals)
	tensors := []Tensor{
		{Name: "values.f32", DType: F32, Shape: []int{n}, Data: mustEncode(t, vals, F32)},
		{Name: "values.f16", DType: F16, Shape: []int{n}, Data: f16},
		{Name: "values.bf16", DType: BF16, Shape: []int{n}, Data: mustEncode(t, vals, BF16)},
		{Name: "values.f16.widened", DType: F32, Shape: []int{n}, Data: mustEncode(t, widened, F32)},
		{Name: "ids", DType: I64, Shape: []int{2, 3}, Data: idBytes},
		{Name: "matrix", DType: F32, Shape: []int{2, 3, 4}, Data: mustEncode(t, matrix, F32)},
		{Name: "scalar", DType: F32, Shape: []int{}, Data: mustEncode(t, []float32{42}, F32)},
		{Name: "empty", DType: F16, Shape: []int{0, 5}},
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "model.safetensors")
	mustWrite(t, path, tensors, map[string]string{"format": "pt"})
	script := filepath.Join(dir, "check.py")
	if err := os.WriteFile(script, []byte(torchReader), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(python, script, path).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "ok" {
		t.Fatalf("torch cross-check failed: %v\n%s", err, out)
	}
}
