package main

import (
	"cmp"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/sugarme/gotch"

	"colash/engine/dist"
)

// perMachine are the flags whose values may differ between the ranks of one job: how a machine
// runs its share, not what the job computes.
var perMachine = map[string]bool{"--threads": true, "-threads": true, "--device": true, "-device": true}

// jobLine is a command line without its per-machine flags.
func jobLine(args []string) string { return strings.Join(without(args, perMachine), " ") }

// without is args without the flags named in drop and their values (--flag v or --flag=v).
func without(args []string, drop map[string]bool) []string {
	var keep []string
	for i := 0; i < len(args); i++ {
		name, _, hasValue := strings.Cut(args[i], "=")
		if drop[name] {
			if !hasValue {
				i++ // the value is the next argument
			}
			continue
		}
		keep = append(keep, args[i])
	}
	return keep
}

// checkSameJob refuses to start when the ranks of g were not given the same command line (per-
// machine flags aside) or do not read the same files under the names it gives, or run different
// builds of colash: ranks that train with other settings, data or weights would sum gradients of
// different jobs, or fail later in a collective that disagrees. Every rank learns every other's
// line and files, so each returns the same error.
func checkSameJob(g *dist.Group, args []string) error {
	if g.Size() == 1 {
		return nil
	}
	mine := jobLine(args) + "\n" + inputs(args)
	all, err := g.AllGatherBytes([]byte(mine), gotch.CPU)
	if err != nil {
		return fmt.Errorf("comparing the ranks' command lines: %w", err)
	}
	line0, files0, _ := strings.Cut(string(all[0]), "\n")
	for r, b := range all {
		line, files, _ := strings.Cut(string(b), "\n")
		if line != line0 {
			return fmt.Errorf("the ranks run different commands: rank 0 runs `colash %s`, rank %d runs `colash %s`", line0, r, line)
		}
		if files != files0 {
			return fmt.Errorf("the ranks read different files: %s", firstDifference(files0, files, r))
		}
	}
	return nil
}

// inputs fingerprints what a command line reads, a line per file: colash itself, then every
// argument that names an existing file or folder (a folder's files, not its subfolders), the
// output folder aside. A file's line is its name as given, its size and a SHA-256 of its first
// and last MiB: enough to tell two versions of a model or a corpus apart without reading all of
// an 8B checkpoint.
func inputs(args []string) string {
	var lines []string
	add := func(name, path string) {
		if fp, err := fingerprint(path); err == nil {
			lines = append(lines, name+"\t"+fp)
		}
	}
	if exe, err := os.Executable(); err == nil {
		add("colash", exe)
	}
	for _, p := range without(args, map[string]bool{"--out": true, "-out": true}) {
		if _, v, ok := strings.Cut(p, "="); ok && strings.HasPrefix(p, "-") {
			p = v
		}
		st, err := os.Stat(p)
		switch {
		case err != nil:
		case st.IsDir():
			entries, _ := os.ReadDir(p)
			for _, e := range entries {
				if e.Type().IsRegular() {
					add(filepath.Join(p, e.Name()), filepath.Join(p, e.Name()))
				}
			}
		default:
			add(p, p)
		}
	}
	return strings.Join(lines, "\n")
}

// fingerprint is a file's size and the SHA-256 of its first and last MiB.
func fingerprint(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", err
	}
	const span = 1 << 20
	h := sha256.New()
	if _, err := io.Copy(h, io.LimitReader(f, span)); err != nil {
		return "", err
	}
	if st.Size() > span {
		if _, err := f.Seek(max(span, st.Size()-span), io.SeekStart); err != nil {
			return "", err
		}
		if _, err := io.Copy(h, f); err != nil {
			return "", err
		}
	}
	return fmt.Sprintf("%d bytes, sha256 %x", st.Size(), h.Sum(nil)[:8]), nil
}

// firstDifference names the first file whose fingerprint differs between rank 0's list and rank r's.
func firstDifference(files0, files string, r int) string {
	theirs := map[string]string{}
	for _, l := range strings.Split(files, "\n") {
		name, fp, _ := strings.Cut(l, "\t")
		theirs[name] = fp
	}
	for _, l := range strings.Split(files0, "\n") {
		name, fp, _ := strings.Cut(l, "\t")
		if got, ok := theirs[name]; !ok || got != fp {
			return fmt.Sprintf("%s is %s on rank 0 and %s on rank %d", name, fp, cmp.Or(got, "missing"), r)
		}
	}
	return fmt.Sprintf("rank %d reads files rank 0 does not (%s)", r, files)
}
