// Package plot draws the curves of colash runs (reward, KL, loss, accuracy against step) as PNG
// files with gonum/plot, from the metrics.jsonl files engine/run writes.
package plot

import (
	"fmt"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"colash/engine/run"
)

// Series is one labelled curve.
type Series struct {
	Label  string
	Points plotter.XYs
}

// Metric reads one metric of a run's metrics.jsonl against "step", as a moving average over
// the last smooth steps (1: raw). Steps without the metric are skipped.
func Metric(metricsPath, key string, smooth int) (plotter.XYs, error) {
	lines, err := run.ReadMetrics(metricsPath)
	if err != nil {
		return nil, err
	}
	mean := run.MovingMean{N: smooth}
	var pts plotter.XYs
	for _, m := range lines {
		v, ok := m[key].(float64)
		if !ok {
			continue
		}
		step, _ := m["step"].(float64)
		pts = append(pts, plotter.XY{X: step, Y: mean.Add(v)})
	}
	if len(pts) == 0 {
		return nil, fmt.Errorf("%s: no %q values", metricsPath, key)
	}
	return pts, nil
}

// Lines draws series on one plot against step and saves it as a 7x4 inch PNG (or any format
// gonum/plot knows by the path's extension).
func Lines(path, title, ylabel string, series []Series) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "step"
	p.Y.Label.Text = ylabel
	p.Legend.Top = true
	for i, s := range series {
		l, err := plotter.NewLine(s.Points)
		if err != nil {
			return fmt.Errorf("plot %s: %s: %w", path, s.Label, err)
		}
		l.Color = plotutil.Color(i)
		l.Width = vg.Points(1.5)
		p.Add(l)
		p.Legend.Add(s.Label, l)
	}
	return p.Save(7*vg.Inch, 4*vg.Inch, path)
}
