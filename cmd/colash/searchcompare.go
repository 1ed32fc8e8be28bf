package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"colash/engine/search"
	"colash/model/checkpoint"
)

func init() {
	register("search compare", "pair two search results problem by problem: who solved what, and the exact sign test", searchCompare).
		withUsage("colash search compare A.json[:METHOD] B.json[:METHOD] [--out FILE.json]").
		withDoc("A and B are results.json files of colash search (or eval --search); a file with several\n" +
			"methods needs :METHOD to say which. Problems are paired by index: a difference of success\n" +
			"rates on the same problems is tested by the discordant pairs alone (solved by one method\n" +
			"and not the other), two-sided, exactly.").
		withExample("colash search compare results.json:mcts-q results.json:best-of-n")
}

func searchCompare(args []string) error {
	fs := newFlags("search compare")
	out := fs.String("out", "", "write the comparison as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return fmt.Errorf("search compare: two results files, A and B (colash search compare --help)")
	}
	var rs [2]*search.Results
	for i, arg := range fs.Args() {
		r, err := readSearchResults(arg)
		if err != nil {
			return err
		}
		rs[i] = r
	}
	p, err := search.Compare(rs[0], rs[1])
	if err != nil {
		return err
	}
	fmt.Println(p)
	if *out != "" {
		return checkpoint.WriteJSON(*out, p)
	}
	return nil
}

// readSearchResults reads FILE[:METHOD]: one method's results from a results.json that holds an
// object (one method) or a list (several).
func readSearchResults(arg string) (*search.Results, error) {
	path, method := arg, ""
	if _, err := os.Stat(arg); err != nil {
		if i := strings.LastIndex(arg, ":"); i > 0 {
			path, method = arg[:i], arg[i+1:]
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("search compare: %w", err)
	}
	var all []*search.Results
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '[' {
		err = json.Unmarshal(data, &all)
	} else {
		var one search.Results
		err = json.Unmarshal(data, &one)
		all = []*search.Results{&one}
	}
	if err != nil {
		return nil, fmt.Errorf("search compare: %s is not a search results file: %w", path, err)
	}
	var names []string
	for _, r := range all {
		if r.Method == method || (method == "" && len(all) == 1) {
			if len(r.Records) == 0 {
				return nil, fmt.Errorf("search compare: %s (%s) has no per-problem records", path, r.Method)
			}
			return r, nil
		}
		names = append(names, r.Method)
	}
	if method == "" {
		return nil, fmt.Errorf("search compare: %s holds %s: name one as %s:METHOD", path, strings.Join(names, ", "), path)
	}
	return nil, fmt.Errorf("search compare: %s holds no %q (it holds %s)", path, method, strings.Join(names, ", "))
}
