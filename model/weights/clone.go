package weights

import (
	"reflect"

	"github.com/sugarme/gotch/ts"

	"colash/model/tensor"
)

// Clone returns a new module of src's type whose weights are fresh copies of src's, with no
// gradient history: a frozen reference of a module about to train. Weights that share a tensor
// in src share one in the copy. Untagged fields (a block's fused projections, say) are left zero,
// so a clone of a fused block is an unfused one with the same values. Call inside tensor.Guard.
// src may also be a Leaf module (an nn.Linear, say).
func Clone[T any](src *T) *T {
	dst := new(T)
	done := map[*ts.Tensor]*ts.Tensor{}
	if leaf, ok := any(src).(Leaf); ok {
		*any(dst).(Leaf).WeightPtr() = cloneTensor(*leaf.WeightPtr(), done)
		return dst
	}
	cloneInto(reflect.ValueOf(dst).Elem(), reflect.ValueOf(src).Elem(), done)
	return dst
}

func cloneInto(dst, src reflect.Value, done map[*ts.Tensor]*ts.Tensor) {
	t := src.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if _, ok := f.Tag.Lookup("st"); !ok {
			continue
		}
		sv, dv := src.Field(i), dst.Field(i)
		switch {
		case f.Type == tensorType:
			dv.Set(reflect.ValueOf(cloneTensor(sv.Interface().(*ts.Tensor), done)))
		case reflect.PointerTo(f.Type).Implements(leafType):
			w := sv.Addr().Interface().(Leaf).WeightPtr()
			*dv.Addr().Interface().(Leaf).WeightPtr() = cloneTensor(*w, done)
		case f.Type.Kind() == reflect.Slice:
			dv.Set(reflect.MakeSlice(f.Type, sv.Len(), sv.Len()))
			for j := 0; j < sv.Len(); j++ {
				cloneElem(dv.Index(j), sv.Index(j), done)
			}
		default: // a sub-module by value or pointer, named or not
			cloneElem(dv, sv, done)
		}
	}
}

// cloneElem clones a sub-module held by value or by pointer.
func cloneElem(dst, src reflect.Value, done map[*ts.Tensor]*ts.Tensor) {
	if src.Kind() == reflect.Pointer {
		if src.IsNil() {
			return
		}
		dst.Set(reflect.New(src.Type().Elem()))
		dst, src = dst.Elem(), src.Elem()
	}
	cloneInto(dst, src, done)
}

func cloneTensor(t *ts.Tensor, done map[*ts.Tensor]*ts.Tensor) *ts.Tensor {
	if t == nil {
		return nil
	}
	if c, ok := done[t]; ok {
		return c
	}
	c := tensor.Clone(t)
	done[t] = c
	return c
}
