package cola

import (
	"testing"

	"colash/model/weights"
)

// direct is a weights.Direct over named tensors' dtypes (no data).
type direct map[string]string

func (d direct) Names() []string {
	var out []string
	for n := range d {
		out = append(out, n)
	}
	return out
}
func (d direct) Shape(string) ([]int64, bool)          { return []int64{1}, true }
func (d direct) Read(n string) ([]byte, string, error) { return []byte{0, 0, 0, 0}, d[n], nil }
func (d direct) StoredDType(n string) (string, bool)   { dt, ok := d[n]; return dt, ok }
func (d direct) ReadInto(n string, dst []byte) error   { dst[0] = 1; return nil }

// A CoLA checkpoint's two halves (backbone, modules) read straight into tensor storage when the
// file can: filter keeps the Direct reader and hides the other half's tensors from it.
func TestFilterKeepsDirectReads(t *testing.T) {
	src := direct{"model.policy_head.weight": "F32", "model.norm.weight": "BF16"}
	mods, ok := filter(src, true).(weights.Direct)
	if !ok {
		t.Fatal("the modules' source lost ReadInto")
	}
	bb := filter(src, false).(weights.Direct)
	if _, ok := mods.StoredDType("model.policy_head.weight"); !ok {
		t.Error("a module tensor is hidden from the modules")
	}
	if _, ok := mods.StoredDType("model.norm.weight"); ok {
		t.Error("a backbone tensor shows among the modules")
	}
	if dt, ok := bb.StoredDType("model.norm.weight"); !ok || dt != "BF16" {
		t.Error("a backbone tensor is hidden from the backbone")
	}
	if _, ok := filter(filtered{src, true}, true).(weights.Direct); ok {
		t.Error("a source that cannot read directly became Direct")
	}
}
