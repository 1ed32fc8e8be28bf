package rl

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"

	"colash/model/tensor"
	"colash/model/weights"
)

// HashParams is a SHA-256 over the names and exact float32 bits of params, to check that frozen
// weights stay bit-identical through training.
func HashParams(params []weights.Param) string {
	h := sha256.New()
	var buf [4]byte
	for _, p := range params {
		if *p.Ptr == nil {
			continue
		}
		h.Write([]byte(p.Name))
		var vals []float32
		if err := tensor.Guard(func() { vals = tensor.Float32s(*p.Ptr) }); err != nil {
			h.Write([]byte(err.Error()))
			continue
		}
		for _, v := range vals {
			binary.LittleEndian.PutUint32(buf[:], math.Float32bits(v))
			h.Write(buf[:])
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}
