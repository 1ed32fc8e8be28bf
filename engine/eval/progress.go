package eval

import (
	"fmt"
	"io"

	"github.com/schollz/progressbar/v3"

	"colash/engine/run"
)

// progress shows problems graded so far and the running accuracy. Problems reused from an
// earlier run count as done, but not towards the rate.
type progress struct {
	pb    *progressbar.ProgressBar
	first int // problems done before this run
}

func newProgress(w io.Writer, total int, rep *Report) *progress {
	if w == nil {
		return &progress{}
	}
	done := rep.Overall.Problems
	label := "eval"
	if done > 0 {
		label = fmt.Sprintf("eval (%d reused)", done)
	}
	p := &progress{pb: run.NewBar(w, label, total-done)}
	p.first = done
	return p
}

func (p *progress) update(rep *Report) {
	if p.pb == nil {
		return
	}
	p.pb.Describe(fmt.Sprintf("eval acc %5.1f%%", 100*rep.Overall.Accuracy()))
	p.pb.Set(rep.Overall.Problems - p.first)
}

func (p *progress) finish() {
	if p.pb != nil && !p.pb.IsFinished() {
		p.pb.Exit()
	}
}
