package colash

import (
	"bytes"
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// HeatMap is a grid of values with labelled rows and columns (layers by positions, say), drawn
// by gonum/plot as engine/plot draws curves.
type HeatMap struct {
	Title      string
	Values     [][]float64 // Values[row][col]
	Rows, Cols []string
}

// Heatmap makes a heat map of values, one label per row and per column. It renders in a
// notebook as a PNG (blue below zero, red above, on a scale symmetric about zero, each cell
// written in) and as a text table.
//
//	colash.Heatmap("patching", effects, []string{"0", "1"}, c.Pieces)
func Heatmap(title string, values [][]float64, rows, cols []string) *HeatMap {
	if len(values) == 0 || len(values) != len(rows) {
		fail("heatmap", fmt.Errorf("%d rows of values and %d row labels", len(values), len(rows)))
	}
	for i, r := range values {
		if len(r) != len(cols) {
			fail("heatmap", fmt.Errorf("row %d has %d values and there are %d column labels", i, len(r), len(cols)))
		}
	}
	return &HeatMap{Title: title, Values: values, Rows: rows, Cols: cols}
}

// grid is the heat map as gonum's GridXYZ: row 0 drawn at the top.
type grid struct{ h *HeatMap }

func (g grid) Dims() (c, r int)   { return len(g.h.Cols), len(g.h.Rows) }
func (g grid) Z(c, r int) float64 { return g.h.Values[len(g.h.Rows)-1-r][c] }
func (g grid) X(c int) float64    { return float64(c) }
func (g grid) Y(r int) float64    { return float64(r) }

// String is the values as a table, two decimals.
func (h *HeatMap) String() string {
	rows := make([][]string, len(h.Rows))
	for i, r := range h.Values {
		rows[i] = []string{h.Rows[i]}
		for _, v := range r {
			rows[i] = append(rows[i], fmt.Sprintf("%.2f", v))
		}
	}
	return h.Title + "\n" + renderTable(append([]string{""}, h.Cols...), rows)
}

// PNG draws the heat map.
func (h *HeatMap) PNG() ([]byte, error) {
	span := 0.0
	for _, r := range h.Values {
		for _, v := range r {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				span = max(span, math.Abs(v))
			}
		}
	}
	if span == 0 {
		span = 1
	}
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s (colour scale ±%.3g)", h.Title, span)
	hm := plotter.NewHeatMap(grid{h}, moreland.SmoothBlueRed().Palette(255))
	hm.Min, hm.Max = -span, span
	p.Add(hm)
	var pts plotter.XYs
	var labels []string
	for i, r := range h.Values {
		for j, v := range r {
			pts = append(pts, plotter.XY{X: float64(j), Y: float64(len(h.Rows) - 1 - i)})
			labels = append(labels, fmt.Sprintf("%.2f", v))
		}
	}
	l, err := plotter.NewLabels(plotter.XYLabels{XYs: pts, Labels: labels})
	if err != nil {
		return nil, err
	}
	for i := range l.TextStyle {
		l.TextStyle[i].XAlign, l.TextStyle[i].YAlign = text.XCenter, text.YCenter
		l.TextStyle[i].Font.Size = vg.Points(7)
	}
	p.Add(l)
	p.X.Tick.Marker = labelTicks(h.Cols, func(i int) float64 { return float64(i) })
	p.Y.Tick.Marker = labelTicks(h.Rows, func(i int) float64 { return float64(len(h.Rows) - 1 - i) })
	p.X.Tick.Label.Rotation = math.Pi / 2
	p.X.Tick.Label.XAlign, p.X.Tick.Label.YAlign = draw.XRight, draw.YCenter
	p.X.Min, p.X.Max = -0.5, float64(len(h.Cols))-0.5
	p.Y.Min, p.Y.Max = -0.5, float64(len(h.Rows))-0.5
	w := vg.Length(max(4, 0.55*float64(len(h.Cols))+1.5)) * vg.Inch
	ht := vg.Length(max(2.5, 0.4*float64(len(h.Rows))+1.8)) * vg.Inch
	// a margin left and below: gonum measures the tick labels short of what it draws
	c := vgimg.New(w, ht)
	p.Draw(draw.Crop(draw.New(c), vg.Points(8), 0, vg.Points(10), 0))
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func labelTicks(labels []string, at func(int) float64) plot.ConstantTicks {
	ticks := make(plot.ConstantTicks, len(labels))
	for i, s := range labels {
		ticks[i] = plot.Tick{Value: at(i), Label: s}
	}
	return ticks
}

// Display renders the heat map as a PNG, with the table as text.
func (h *HeatMap) Display() map[string][]byte {
	out := map[string][]byte{"text/plain": []byte(h.String())}
	if png, err := h.PNG(); err == nil {
		out["image/png"] = png
	}
	return out
}
