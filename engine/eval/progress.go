package eval

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// progress draws a single self-overwriting status line.
type progress struct {
	w          io.Writer
	total      int
	rep        *Report
	start      time.Time
	startCount int // problems already done (reused) when the clock started
	drawn      bool
}

func newProgress(w io.Writer, total int, rep *Report) *progress {
	return &progress{w: w, total: total, rep: rep, start: time.Now(), startCount: rep.Overall.Problems}
}

func (p *progress) draw() {
	if p.w == nil {
		return
	}
	done := p.rep.Overall.Problems
	const width = 24
	filled := 0
	if p.total > 0 {
		filled = width * done / p.total
	}
	bar := strings.Repeat("#", filled) + strings.Repeat(".", width-filled)
	line := fmt.Sprintf("\r[%s] %d/%d  acc %5.1f%%", bar, done, p.total, 100*p.rep.Overall.Accuracy())
	elapsed := time.Since(p.start).Seconds()
	if fresh := done - p.startCount; fresh > 0 && elapsed > 0 {
		rate := float64(fresh) / elapsed
		eta := time.Duration(float64(p.total-done) / rate * float64(time.Second)).Round(time.Second)
		line += fmt.Sprintf("  %.2f/s  ETA %s", rate, eta)
	}
	fmt.Fprint(p.w, line+"   ")
	p.drawn = true
}

func (p *progress) finish() {
	if p.w != nil && p.drawn {
		fmt.Fprintln(p.w)
	}
}
