package colash

import (
	"fmt"
	"html"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot/plotter"

	"colash/engine/plot"
)

// Display is implemented by values that render themselves in notebooks (the Jupyter kernel and
// colash notebook run): MIME type -> content. "text/plain" and "text/html" hold text,
// "image/png" the bytes of a PNG; without "text/plain" the value's String (as the shell prints
// it) is used. A script's own type gets rich output by implementing it and being shown through
// Show:
//
//	type bold string
//	func (b bold) Display() map[string][]byte { return map[string][]byte{"text/html": []byte("<b>" + string(b) + "</b>")} }
//	colash.Show(bold("hi"))
type Display interface {
	Display() map[string][]byte
}

// Show returns d as a Display, so that a notebook renders a script's own type through its
// Display method (the interpreter only exposes methods through an interface of the API).
func Show(d Display) Display { return d }

// HTML is text/html for a notebook cell to show: colash.HTML("<b>bold</b>").
type HTML string

func (h HTML) Display() map[string][]byte {
	return map[string][]byte{"text/html": []byte(h), "text/plain": []byte(h)}
}

// htmlTable writes header and rows as an HTML table, cells escaped.
func htmlTable(header []string, rows [][]string) string {
	var b strings.Builder
	b.WriteString("<table>\n")
	if len(header) > 0 {
		b.WriteString("<tr>")
		for _, h := range header {
			fmt.Fprintf(&b, "<th>%s</th>", html.EscapeString(h))
		}
		b.WriteString("</tr>\n")
	}
	for _, r := range rows {
		b.WriteString("<tr>")
		for _, c := range r {
			fmt.Fprintf(&b, "<td>%s</td>", html.EscapeString(c))
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</table>\n")
	return b.String()
}

// Display renders the table as HTML.
func (t *TableView) Display() map[string][]byte {
	return map[string][]byte{"text/html": []byte(htmlTable(t.Header, t.Rows))}
}

// Display renders the code table as HTML: one row per code.
func (t CodeTable) Display() map[string][]byte {
	rows := make([][]string, len(t))
	for i, r := range t {
		var toks []string
		for j, p := range r.Tokens {
			toks = append(toks, fmt.Sprintf("%q %.0f%%", p, 100*r.Shares[j]))
		}
		rows[i] = []string{fmt.Sprint(r.Code), fmt.Sprintf("%.1f%%", 100*r.Policy), strings.Join(toks, ", "), r.Example}
	}
	return map[string][]byte{"text/html": []byte(htmlTable([]string{"code", "policy", "tokens it makes", "forced"}, rows))}
}

// Alignment is a text's tokens beside the latent code the IDM reads behind each.
type Alignment struct {
	Pieces []string
	Codes  []int // Codes[i] produced Pieces[i]
}

// Align reads the codes of text (Codes) and pairs each with its token.
func (m *Model) Align(text string) *Alignment {
	codes := m.Codes(text)
	pieces := m.Pieces(text)
	n := min(len(codes), len(pieces))
	return &Alignment{Pieces: pieces[:n], Codes: codes[:n]}
}

func (a *Alignment) rows() [][]string {
	toks, codes := []string{"token"}, []string{"code"}
	for i, p := range a.Pieces {
		toks = append(toks, fmt.Sprintf("%q", p))
		codes = append(codes, fmt.Sprint(a.Codes[i]))
	}
	return [][]string{toks, codes}
}

// String lays the tokens out over their codes, one column each.
func (a *Alignment) String() string { return renderTable(nil, a.rows()) }

// Display renders the alignment as an HTML table: tokens over codes.
func (a *Alignment) Display() map[string][]byte {
	return map[string][]byte{"text/html": []byte(htmlTable(nil, a.rows()))}
}

// Display draws the reward and KL curves of the run as a PNG (engine/plot), with the
// sparkline summary as text.
func (r *RLRun) Display() map[string][]byte {
	out := map[string][]byte{"text/plain": []byte(r.String())}
	if len(r.Rewards) == 0 {
		return out
	}
	series := []plot.Series{{Label: "reward", Points: steps(r.Rewards)}}
	if len(r.KL) == len(r.Rewards) {
		series = append(series, plot.Series{Label: "KL", Points: steps(r.KL)})
	}
	if png, err := plotPNG("RL run: mean reward and KL per step", "", series); err == nil {
		out["image/png"] = png
	}
	return out
}

func steps(ys []float64) plotter.XYs {
	pts := make(plotter.XYs, len(ys))
	for i, y := range ys {
		pts[i] = plotter.XY{X: float64(i + 1), Y: y}
	}
	return pts
}

// plotPNG draws series with plot.Lines (which writes files) and returns the PNG's bytes.
func plotPNG(title, ylabel string, series []plot.Series) ([]byte, error) {
	dir, err := os.MkdirTemp("", "colash-plot-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	p := filepath.Join(dir, "plot.png")
	if err := plot.Lines(p, title, ylabel, series); err != nil {
		return nil, err
	}
	return os.ReadFile(p)
}

// Display renders the chart as an HTML table whose bars are scaled blocks.
func (c *Chart) Display() map[string][]byte {
	mx := 0.0
	for _, v := range c.Values {
		mx = max(mx, v)
	}
	var b strings.Builder
	if c.Title != "" {
		fmt.Fprintf(&b, "<b>%s</b>\n", html.EscapeString(c.Title))
	}
	b.WriteString("<table>\n")
	for i, l := range c.Labels {
		w := 0.0
		if mx > 0 && c.Values[i] > 0 {
			w = 200 * c.Values[i] / mx
		}
		fmt.Fprintf(&b, "<tr><td>%s</td><td>%s</td><td><div style=\"background:#a6c;height:1em;width:%.0fpx\"></div></td></tr>\n",
			html.EscapeString(l), trimFloat(c.Values[i]), w)
	}
	b.WriteString("</table>\n")
	if c.More > 0 {
		fmt.Fprintf(&b, "<i>… %d more</i>\n", c.More)
	}
	return map[string][]byte{"text/html": []byte(b.String())}
}
