package weights

import (
	"fmt"
	"sort"
	"strings"

	"github.com/sugarme/gotch"
)

// Source is a set of named tensors, such as a safetensors checkpoint or a converted llama2.c file.
type Source interface {
	// Names lists every tensor the source holds.
	Names() []string
	// Shape gives a tensor's shape.
	Shape(name string) ([]int64, bool)
	// Read returns a tensor's values in dtype (one of F32, F16, BF16) with their raw bytes.
	Read(name string) (data []byte, dtype string, err error)
}

// FileDType maps safetensors dtype names to gotch dtypes.
func FileDType(s string) (gotch.DType, error) {
	switch s {
	case "F32":
		return gotch.Float, nil
	case "F16":
		return gotch.Half, nil
	case "BF16":
		return gotch.BFloat16, nil
	}
	return gotch.Float, fmt.Errorf("dtype %s is not a float type colash loads", s)
}

// Load fills every weight of model from src, moved to dev and cast to dt. A weight that already
// holds a tensor (a preallocated destination, such as a row view of a fused matrix) is filled in
// place, keeping its dtype and device; the others get new tensors. It is strict: every
// weight must be present with its declared shape (a tied weight may be absent, and then shares
// its twin's tensor), and every tensor of src must be used. On error nothing stays allocated and
// the message lists all missing, unexpected and misshapen tensors at once.
func Load(model any, src Source, dims Dims, dev gotch.Device, dt gotch.DType) (err error) {
	defer func() {
		if err != nil {
			Free(model)
		}
	}()
	return LoadParams(Walk(model), src, dims, dev, dt)
}

// LoadParams is Load for an explicit list of weights (part of a model: a CoLA's policy over a
// loaded base), as strict; on error it frees nothing, which the caller owns.
func LoadParams(params []Param, src Source, dims Dims, dev gotch.Device, dt gotch.DType) error {
	var missing, badShape []string
	used := map[string]bool{}
	byName := map[string]Param{}
	for _, p := range params {
		byName[p.Name] = p
	}
	for _, p := range params {
		want, err := dims.Resolve(p)
		if err != nil {
			return err
		}
		got, ok := src.Shape(p.Name)
		if !ok {
			if p.Tied == "" {
				missing = append(missing, fmt.Sprintf("%s %v", p.Name, want))
			}
			continue
		}
		used[p.Name] = true
		if !sameShape(got, want) {
			badShape = append(badShape, fmt.Sprintf("%s: checkpoint has %v, model expects %v", p.Name, got, want))
		}
		if t := *p.Ptr; t != nil && !sameShape(t.MustSize(), want) {
			badShape = append(badShape, fmt.Sprintf("%s: preallocated as %v, model expects %v", p.Name, t.MustSize(), want))
		}
	}
	var unused []string
	for _, n := range src.Names() {
		if !used[n] {
			s, _ := src.Shape(n)
			unused = append(unused, fmt.Sprintf("%s %v", n, s))
		}
	}
	if len(missing)+len(badShape)+len(unused) > 0 {
		return describe(missing, unused, badShape)
	}
	for _, p := range params {
		if !used[p.Name] {
			continue
		}
		if *p.Ptr != nil {
			if err := readInto(src, p.Name, *p.Ptr); err != nil {
				return err
			}
			continue
		}
		shape, _ := src.Shape(p.Name)
		t, err := read(src, p.Name, shape, dev, dt)
		if err != nil {
			return err
		}
		*p.Ptr = t
	}
	for _, p := range params {
		if !used[p.Name] {
			twin, ok := byName[p.Tied]
			if !ok || *twin.Ptr == nil {
				return fmt.Errorf("tensor %q is missing and its tied twin %q is not loaded", p.Name, p.Tied)
			}
			*p.Ptr = *twin.Ptr
		}
	}
	return nil
}

func sameShape(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func describe(missing, unused, badShape []string) error {
	var b strings.Builder
	b.WriteString("checkpoint does not match the model:")
	for _, part := range []struct {
		what  string
		names []string
	}{{"missing tensors", missing}, {"unexpected tensors", unused}, {"wrong shapes", badShape}} {
		if len(part.names) == 0 {
			continue
		}
		sort.Strings(part.names)
		fmt.Fprintf(&b, "\n  %s (%d):", part.what, len(part.names))
		for i, n := range part.names {
			if i == 20 {
				fmt.Fprintf(&b, "\n    ... and %d more", len(part.names)-20)
				break
			}
			b.WriteString("\n    " + n)
		}
	}
	return fmt.Errorf("%s", b.String())
}
