package checkpoint_test

import "colash/model/llama"

func newBatch(B int) *llama.Batch { return &llama.Batch{Pad: make([]int, B)} }
