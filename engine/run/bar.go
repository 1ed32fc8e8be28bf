package run

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
)

// bar is a loop's progress bar; a nil writer draws nothing.
type bar struct {
	pb     *progressbar.ProgressBar
	label  string
	first  int // the step the run started from
	closed bool
}

func newBar(w io.Writer, label string, total, done int) *bar {
	if w == nil {
		return &bar{}
	}
	if done > 0 {
		label = fmt.Sprintf("%s (from step %d)", label, done)
	}
	// The bar counts this run's steps, so that its rate and time left are this run's.
	return &bar{pb: NewBar(w, label, total-done), label: label, first: done}
}

// NewBar is the progress bar every long colash job draws on w: label, bar, count, rate and time
// left, redrawn at most ten times a second on a terminal and every redrawEvery into a file or
// pipe, where each redraw stays in the log.
func NewBar(w io.Writer, label string, total int) *progressbar.ProgressBar {
	return newProgressBar(w, label, int64(total), progressbar.OptionShowIts())
}

// NewBytesBar is NewBar counting bytes: sizes and rate in kB, MB, GB.
func NewBytesBar(w io.Writer, label string, total int64) *progressbar.ProgressBar {
	return newProgressBar(w, label, total, progressbar.OptionShowBytes(true))
}

func newProgressBar(w io.Writer, label string, total int64, more ...progressbar.Option) *progressbar.ProgressBar {
	if w == nil {
		w = io.Discard // no progress wanted: the bar still counts
	}
	return progressbar.NewOptions64(total, append([]progressbar.Option{
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(label),
		progressbar.OptionSetWidth(24),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(throttle(w)),
		progressbar.OptionOnCompletion(func() { io.WriteString(w, "\n") }),
	}, more...)...)
}

// redrawEvery is how often a bar redraws into something that is not a terminal.
const redrawEvery = 10 * time.Second

// throttle is the least time between two redraws of a bar on w.
func throttle(w io.Writer) time.Duration {
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			return 100 * time.Millisecond
		}
	}
	return redrawEvery
}

func (b *bar) set(step int, summary string) {
	if b.pb == nil {
		return
	}
	if summary != "" {
		b.pb.Describe(b.label + " " + summary)
	}
	b.pb.Set(step - b.first)
}

func (b *bar) finish() {
	if b.pb == nil || b.closed {
		return
	}
	b.closed = true
	if !b.pb.IsFinished() {
		b.pb.Exit()
	}
}
