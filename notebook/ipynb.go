package notebook

import (
	"encoding/json"
	"strings"
)

// IPynb is the document as a Jupyter notebook (nbformat 4) for the colash kernel: prose as
// markdown cells, go blocks as code cells, without outputs (Jupyter writes those when it runs).
func (d *Doc) IPynb() ([]byte, error) {
	var cells []map[string]any
	for _, p := range d.Parts {
		if p.Block == nil {
			if text := strings.Trim(p.Text, "\n"); text != "" {
				cells = append(cells, map[string]any{"cell_type": "markdown", "metadata": map[string]any{}, "source": lines(text)})
			}
			continue
		}
		cells = append(cells, map[string]any{"cell_type": "code", "execution_count": nil, "metadata": map[string]any{},
			"outputs": []any{}, "source": lines(p.Block.Code)})
	}
	nb := map[string]any{
		"cells": cells,
		"metadata": map[string]any{
			"kernelspec":    map[string]string{"name": "colash", "display_name": "colash (Go)", "language": "go"},
			"language_info": map[string]string{"name": "go", "file_extension": ".go", "mimetype": "text/x-go"},
		},
		"nbformat": 4, "nbformat_minor": 5,
	}
	b, err := json.MarshalIndent(nb, "", " ")
	return append(b, '\n'), err
}

// lines splits text the way nbformat stores sources: each line keeps its "\n" but the last.
func lines(text string) []string {
	out := strings.SplitAfter(text, "\n")
	if out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}
