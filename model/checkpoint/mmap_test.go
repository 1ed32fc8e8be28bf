package checkpoint_test

import (
	"math"
	"runtime"
	"testing"

	"github.com/sugarme/gotch"

	"colash/model/checkpoint"
	"colash/model/mapped"
	"colash/model/safetensors"
	"colash/model/tensor"
	"colash/models"
)

func open(t *testing.T, path string, opt checkpoint.Options) *checkpoint.Model {
	t.Helper()
	m, err := checkpoint.Open(path, opt)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func tensorsIn(t *testing.T, dir string) int {
	c, err := safetensors.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return len(c.Names())
}

func maxDiff(a, b []float32) float64 {
	d := 0.0
	for i := range a {
		d = max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}

// A safetensors model loaded onto the CPU in its stored dtype is mapped: its weights are views of
// the file, which stays mapped as long as the model lives and no longer; it computes what a
// copied load computes.
func TestLoadMapsTheFile(t *testing.T) {
	for _, name := range []string{models.Testbed, models.TestbedCoLA} {
		t.Run(name, func(t *testing.T) {
			path := shipped(t, name)
			base, tensors := mapped.Live(), mapped.Tensors()
			m := open(t, path, checkpoint.Options{Device: gotch.CPU})
			if got := mapped.Live(); got != base+1 {
				t.Fatalf("%d files mapped by the load, want 1", got-base)
			}
			want := tensorsIn(t, path) // every weight: none is tied, none fused
			if got := mapped.Tensors() - tensors; got != want {
				t.Fatalf("%d of %d weights are views of the file", got, want)
			}
			c := open(t, path, checkpoint.Options{Device: gotch.CPU, NoMmap: true})
			defer c.Free()
			if got := mapped.Live(); got != base+1 {
				t.Fatalf("NoMmap mapped %d files", got-base-1)
			}
			a, b := firstLogits(t, m, 6), firstLogits(t, c, 6)
			if len(a) != len(b) || maxDiff(a, b) > 1e-5 {
				t.Fatalf("mapped and copied loads differ by %g", maxDiff(a, b))
			}
			m.Free()
			runtime.GC()
			if got := mapped.Live(); got != base || mapped.Tensors() != tensors {
				t.Fatalf("%d files and %d tensors still mapped after Free", got-base, mapped.Tensors()-tensors)
			}
		})
	}
}

// Loads whose weights are not the file's bytes as they lie copy them: another dtype, and a model
// loaded to be trained.
func TestConversionsAndTrainingCopy(t *testing.T) {
	path := shipped(t, models.Testbed)
	for name, opt := range map[string]checkpoint.Options{
		"bf16":     {Device: gotch.CPU, DType: gotch.BFloat16},
		"training": checkpoint.Options{Device: gotch.CPU}.ForTraining(),
	} {
		base := mapped.Live()
		m := open(t, path, opt)
		if got := mapped.Live(); got != base {
			t.Errorf("%s: %d files mapped", name, got-base)
		}
		m.Free()
	}
}

// The load dtype "auto" (tensor.AsStored, the zero Options) computes in the stored type, so a bf16
// checkpoint stays bf16 and is mapped; the same load for training is a float32 copy.
func TestAsStoredKeepsBF16AndTrainingIsFloat32(t *testing.T) {
	m := open(t, shipped(t, models.Testbed), checkpoint.Options{Device: gotch.CPU, DType: gotch.Float})
	dir := t.TempDir()
	err := m.Save(dir, checkpoint.SaveOptions{DType: "BF16"})
	m.Free()
	if err != nil {
		t.Fatal(err)
	}
	auto, err := tensor.ParseDType("auto")
	if err != nil || auto != tensor.AsStored {
		t.Fatalf(`ParseDType("auto") = %v, %v`, auto, err)
	}
	for _, c := range []struct {
		name    string
		opt     checkpoint.Options
		dt      gotch.DType
		mapping bool
	}{
		{"auto", checkpoint.Options{Device: gotch.CPU, DType: auto}, gotch.BFloat16, true},
		{"auto for training", checkpoint.Options{Device: gotch.CPU, DType: auto}.ForTraining(), gotch.Float, false},
		{"bf16 for training", checkpoint.Options{Device: gotch.CPU, DType: gotch.BFloat16}.ForTraining(), gotch.BFloat16, false},
	} {
		base := mapped.Live()
		m := open(t, dir, c.opt)
		if m.DType() != c.dt || (mapped.Live() > base) != c.mapping {
			t.Errorf("%s: computes in %v with %d files mapped, want %v mapped %v", c.name, m.DType(), mapped.Live()-base, c.dt, c.mapping)
		}
		m.Free()
	}
}
