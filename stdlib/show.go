package colash

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/lipgloss/table"
)

// styles are fixed ANSI colours (no terminal queries, so start-up never waits on the terminal);
// lipgloss drops them when the output is not a colour terminal or NO_COLOR is set.
var styles = struct {
	faint, header, label, bar, border lipgloss.Style
}{
	faint:  lipgloss.NewStyle().Faint(true),
	header: lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("6")).Padding(0, 1),
	label:  lipgloss.NewStyle().Padding(0, 1),
	bar:    lipgloss.NewStyle().Foreground(lipgloss.Color("5")),
	border: lipgloss.NewStyle().Foreground(lipgloss.Color("8")),
}

func renderTable(header []string, rows [][]string) string {
	t := table.New().Border(lipgloss.RoundedBorder()).BorderStyle(styles.border).
		StyleFunc(func(row, col int) lipgloss.Style {
			if row == table.HeaderRow {
				return styles.header
			}
			return styles.label
		})
	if len(header) > 0 {
		t.Headers(header...)
	}
	t.Rows(rows...)
	return t.String()
}

func bar(v, max float64, width int) string {
	if max <= 0 || v <= 0 || math.IsNaN(v) {
		return ""
	}
	eighths := int(math.Round(v / max * float64(width*8)))
	s := strings.Repeat("█", eighths/8)
	if r := eighths % 8; r > 0 {
		s += string([]rune("▏▎▍▌▋▊▉")[r-1])
	}
	return styles.bar.Render(s)
}

// Chart is a horizontal bar chart: one labelled bar per row.
type Chart struct {
	Title  string
	Labels []string
	Values []float64
	Width  int // bar width in cells (0: 30)
	More   int // rows left out (shown as a count)
}

func (c *Chart) String() string {
	w := c.Width
	if w <= 0 {
		w = 30
	}
	mx := 0.0
	for _, v := range c.Values {
		mx = math.Max(mx, v)
	}
	rows := make([][]string, len(c.Labels))
	for i, l := range c.Labels {
		rows[i] = []string{l, trimFloat(c.Values[i]), bar(c.Values[i], mx, w)}
	}
	s := renderTable(nil, rows)
	if c.Title != "" {
		s = styles.header.Render(c.Title) + "\n" + s
	}
	if c.More > 0 {
		s += "\n" + styles.faint.Render(fmt.Sprintf("… %d more", c.More))
	}
	return s
}

// Top keeps the n largest rows (they are already sorted by Histogram).
func (c *Chart) Top(n int) *Chart {
	if n >= len(c.Labels) {
		return c
	}
	return &Chart{Title: c.Title, Labels: c.Labels[:n], Values: c.Values[:n], Width: c.Width, More: c.More + len(c.Labels) - n}
}

func trimFloat(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return fmt.Sprint(int64(v))
	}
	return fmt.Sprintf("%.4g", v)
}

// Histogram charts data, largest first (at most 40 rows; Top(n) for fewer):
//   - a map from anything to numbers: one bar per key;
//   - a slice of ints or strings: how often each value occurs;
//   - a slice of floats: counts in 10 equal-width bins, in order.
func Histogram(data any) *Chart {
	v := reflect.ValueOf(data)
	var labels []string
	var values []float64
	sorted := true
	switch v.Kind() {
	case reflect.Map:
		for _, k := range v.MapKeys() {
			labels = append(labels, fmt.Sprint(k.Interface()))
			values = append(values, number(v.MapIndex(k)))
		}
	case reflect.Slice, reflect.Array:
		ek := v.Type().Elem().Kind()
		if ek == reflect.Float32 || ek == reflect.Float64 {
			labels, values = bins(v, 10)
			sorted = false
			break
		}
		counts := map[string]float64{}
		for i := 0; i < v.Len(); i++ {
			k := fmt.Sprint(v.Index(i).Interface())
			if ek == reflect.String {
				k = fmt.Sprintf("%q", v.Index(i).String())
			}
			if _, ok := counts[k]; !ok {
				labels = append(labels, k)
			}
			counts[k]++
		}
		for _, l := range labels {
			values = append(values, counts[l])
		}
	default:
		fail("histogram", fmt.Errorf("want a map or a slice, got %T", data))
	}
	if sorted {
		idx := make([]int, len(labels))
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, b int) bool {
			if values[idx[a]] != values[idx[b]] {
				return values[idx[a]] > values[idx[b]]
			}
			return labels[idx[a]] < labels[idx[b]]
		})
		l2, v2 := make([]string, len(idx)), make([]float64, len(idx))
		for i, j := range idx {
			l2[i], v2[i] = labels[j], values[j]
		}
		labels, values = l2, v2
	}
	return (&Chart{Labels: labels, Values: values}).Top(40)
}

func number(v reflect.Value) float64 {
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return float64(v.Uint())
	case reflect.Float32, reflect.Float64:
		return v.Float()
	case reflect.Interface:
		return number(v.Elem())
	case reflect.Slice:
		return float64(v.Len())
	}
	fail("histogram", fmt.Errorf("values must be numbers, got %s", v.Type()))
	return 0
}

func bins(v reflect.Value, n int) ([]string, []float64) {
	if v.Len() == 0 {
		return nil, nil
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := 0; i < v.Len(); i++ {
		x := v.Index(i).Float()
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	w := (hi - lo) / float64(n)
	if w == 0 {
		return []string{fmt.Sprintf("%.4g", lo)}, []float64{float64(v.Len())}
	}
	counts := make([]float64, n)
	for i := 0; i < v.Len(); i++ {
		b := int((v.Index(i).Float() - lo) / w)
		counts[min(b, n-1)]++
	}
	labels := make([]string, n)
	for i := range labels {
		labels[i] = fmt.Sprintf("[%.3g, %.3g)", lo+float64(i)*w, lo+float64(i+1)*w)
	}
	labels[n-1] = labels[n-1][:len(labels[n-1])-1] + "]" // the last bin holds the maximum

	return labels, counts
}

// TableView is a rendered table.
type TableView struct {
	Header []string
	Rows   [][]string
}

func (t *TableView) String() string { return renderTable(t.Header, t.Rows) }

// Table lays data out as a table:
//   - a slice of structs: one column per field;
//   - a slice of slices: one row each (header names the columns, optional);
//   - a map: key and value columns, sorted by key.
//   - a slice of anything else: index and value columns.
func Table(data any, header ...string) *TableView {
	v := reflect.ValueOf(data)
	t := &TableView{Header: header}
	for v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Map:
		keys := v.MapKeys()
		sort.Slice(keys, func(a, b int) bool {
			switch keys[a].Kind() {
			case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
				reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
				return number(keys[a]) < number(keys[b])
			}
			return fmt.Sprint(keys[a].Interface()) < fmt.Sprint(keys[b].Interface())
		})
		for _, k := range keys {
			t.Rows = append(t.Rows, []string{cell(k), cell(v.MapIndex(k))})
		}
		if len(t.Header) == 0 {
			t.Header = []string{"key", "value"}
		}
	case reflect.Slice, reflect.Array:
		et := v.Type().Elem()
		for et.Kind() == reflect.Pointer {
			et = et.Elem()
		}
		switch et.Kind() {
		case reflect.Struct:
			var fields []int
			for i := 0; i < et.NumField(); i++ {
				if et.Field(i).IsExported() {
					fields = append(fields, i)
					if len(header) == 0 {
						t.Header = append(t.Header, et.Field(i).Name)
					}
				}
			}
			for i := 0; i < v.Len(); i++ {
				e := reflect.Indirect(v.Index(i))
				row := make([]string, len(fields))
				for j, f := range fields {
					row[j] = cell(e.Field(f))
				}
				t.Rows = append(t.Rows, row)
			}
		case reflect.Slice, reflect.Array:
			for i := 0; i < v.Len(); i++ {
				r := v.Index(i)
				row := make([]string, r.Len())
				for j := range row {
					row[j] = cell(r.Index(j))
				}
				t.Rows = append(t.Rows, row)
			}
		default:
			for i := 0; i < v.Len(); i++ {
				t.Rows = append(t.Rows, []string{fmt.Sprint(i), cell(v.Index(i))})
			}
			if len(t.Header) == 0 {
				t.Header = []string{"#", "value"}
			}
		}
	default:
		fail("table", fmt.Errorf("want a slice or a map, got %T", data))
	}
	return t
}

func cell(v reflect.Value) string {
	if !v.IsValid() {
		return ""
	}
	if v.Kind() == reflect.Interface && !v.IsNil() {
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Float32, reflect.Float64:
		return fmt.Sprintf("%.4g", v.Float())
	case reflect.String:
		return v.String()
	}
	if v.CanInterface() {
		return fmt.Sprint(v.Interface())
	}
	return v.String()
}
