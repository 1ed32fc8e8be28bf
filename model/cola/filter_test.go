package cola

import (
	"testing"

	"colash/model/safetensors"
	"colash/model/weights"
)

// A CoLA checkpoint's two halves (backbone, modules) read straight into tensor storage when the
// file can: filter keeps the Direct reader and hides the other half's tensors from it.
func TestFilterKeepsDirectReads(t *testing.T) {
	ck, err := safetensors.OpenDir("../../models/stories260K-cola")
	if err != nil {
		t.Fatal(err)
	}
	defer ck.Close()
	mods, ok := filter(ck, true).(weights.Direct)
	if !ok {
		t.Fatal("the modules' source lost ReadInto")
	}
	bb := filter(ck, false).(weights.Direct)
	if _, ok := mods.StoredDType("model.policy_head.weight"); !ok {
		t.Error("a module tensor is hidden from the modules")
	}
	if _, ok := mods.StoredDType("model.norm.weight"); ok {
		t.Error("a backbone tensor shows among the modules")
	}
	if _, ok := bb.StoredDType("model.norm.weight"); !ok {
		t.Error("a backbone tensor is hidden from the backbone")
	}
}
