// Package weights maps model structs onto checkpoint tensors. A model declares each weight once,
// as a *ts.Tensor field whose tags carry its checkpoint name and symbolic shape:
//
//	Q *ts.Tensor `st:"self_attn.q_proj.weight" shape:"q,d"`
//
// and one walker loads, checks, saves, initialises, lists and frees every model alike.
package weights

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/sugarme/gotch/ts"
)

// Param is one weight of a model: its full checkpoint name, where it lives, and what the tags say.
type Param struct {
	Name  string
	Ptr   **ts.Tensor
	Shape []string // symbolic dims, resolved with Dims
	Tied  string   // full name of the tensor this one may share when the checkpoint omits it
	Init  string   // "ones", "out" (residual output projection) or "" (normal)
}

// Dims gives the size of each symbolic dimension used in shape tags.
type Dims map[string]int64

// Resolve turns symbolic dims into sizes.
func (d Dims) Resolve(p Param) ([]int64, error) {
	out := make([]int64, len(p.Shape))
	for i, s := range p.Shape {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			out[i] = n
			continue
		}
		n, ok := d[s]
		if !ok {
			return nil, fmt.Errorf("tensor %q: shape dim %q is not defined", p.Name, s)
		}
		out[i] = n
	}
	return out, nil
}

var tensorType = reflect.TypeOf((*ts.Tensor)(nil))

// Leaf is a module that owns exactly one weight (nn.Linear, nn.RMSNorm, nn.Embedding). A field of
// a leaf type is walked as that weight: its tags name and shape the weight itself.
type Leaf interface{ WeightPtr() **ts.Tensor }

var leafType = reflect.TypeOf((*Leaf)(nil)).Elem()

// Walk lists the weights of model (a pointer to a struct) in declaration order.
// Fields tagged `st` are weights (*ts.Tensor or a Leaf module), sub-modules (a struct or a pointer
// to one, whose weights are named prefix.name...) or lists of them ([]*Struct, named prefix.0,
// prefix.1, ...). A sub-module's `dims:"in=d2,..."` tag renames the symbolic dims of its shapes,
// so one module type serves at several widths. Untagged fields are ignored.
func Walk(model any) []Param {
	var out []Param
	walk(reflect.ValueOf(model), "", nil, &out)
	return out
}

func walk(v reflect.Value, prefix string, rename map[string]string, out *[]Param) {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, ok := f.Tag.Lookup("st")
		if !ok {
			continue
		}
		fv := v.Field(i)
		var ptr **ts.Tensor
		switch {
		case f.Type == tensorType:
			ptr = fv.Addr().Interface().(**ts.Tensor)
		case reflect.PointerTo(f.Type).Implements(leafType):
			ptr = fv.Addr().Interface().(Leaf).WeightPtr()
		case f.Type.Kind() == reflect.Slice:
			for j := 0; j < fv.Len(); j++ {
				walk(fv.Index(j), prefix+name+"."+strconv.Itoa(j)+".", subDims(rename, f.Tag.Get("dims")), out)
			}
			continue
		case f.Type.Kind() == reflect.Struct && name == "":
			walk(fv, prefix, subDims(rename, f.Tag.Get("dims")), out) // st:"": its weights are named as the parent's
			continue
		case f.Type.Kind() == reflect.Struct || (f.Type.Kind() == reflect.Pointer && f.Type.Elem().Kind() == reflect.Struct):
			walk(fv, prefix+name+".", subDims(rename, f.Tag.Get("dims")), out)
			continue
		default:
			panic(fmt.Sprintf("weights: field %s.%s has tag st but type %s", t.Name(), f.Name, f.Type))
		}
		p := Param{Name: prefix + name, Ptr: ptr, Tied: f.Tag.Get("tied"), Init: f.Tag.Get("init")}
		if s := f.Tag.Get("shape"); s != "" {
			for _, d := range strings.Split(s, ",") {
				if r, ok := rename[d]; ok {
					d = r
				}
				p.Shape = append(p.Shape, d)
			}
		}
		*out = append(*out, p)
	}
}

// subDims composes a sub-module's dims tag ("in=d2,out=d") with the renames already in force.
func subDims(outer map[string]string, tag string) map[string]string {
	if tag == "" {
		return outer
	}
	m := map[string]string{}
	for _, kv := range strings.Split(tag, ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			panic(fmt.Sprintf("weights: dims tag %q: want name=dim,...", tag))
		}
		if r, ok := outer[v]; ok {
			v = r
		}
		m[k] = v
	}
	for k, v := range outer {
		if _, ok := m[k]; !ok {
			m[k] = v
		}
	}
	return m
}

// Free drops every tensor of model once (tied weights share one tensor) and clears the fields.
func Free(model any) {
	seen := map[*ts.Tensor]bool{}
	for _, p := range Walk(model) {
		if t := *p.Ptr; t != nil && !seen[t] {
			seen[t] = true
			t.MustDrop()
		}
		*p.Ptr = nil
	}
}

// IsTied reports whether p currently shares its tensor with the weight it is tied to.
func IsTied(params []Param, p Param) bool {
	if p.Tied == "" || *p.Ptr == nil {
		return false
	}
	for _, q := range params {
		if q.Name == p.Tied {
			return *q.Ptr == *p.Ptr
		}
	}
	return false
}
