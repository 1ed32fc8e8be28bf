package rl

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

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

// Progress draws a one-line progress bar (step, reward, KL, time per step) on a terminal stream.
type Progress struct {
	w     io.Writer
	total int
}

// NewProgress starts a bar for total steps.
func NewProgress(w io.Writer, total int) *Progress { return &Progress{w: w, total: total} }

// Update redraws the bar after step.
func (p *Progress) Update(step int, m Metrics, perStep time.Duration) {
	const width = 30
	n := width * step / max(p.total, 1)
	bar := strings.Repeat("=", n) + strings.Repeat(" ", width-n)
	eta := time.Duration(p.total-step) * perStep
	fmt.Fprintf(p.w, "\r[%s] %d/%d reward %.3f kl %.4f %.2fs/step eta %s ", bar, step, p.total,
		m["reward/mean"], m["kl"], perStep.Seconds(), eta.Round(time.Second))
}

// Done ends the bar's line.
func (p *Progress) Done() { fmt.Fprintln(p.w) }
