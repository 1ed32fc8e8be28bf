package recipes

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"colash/internal/testenv"
)

// loadShipped loads a shipped recipe for a test. The DSP recipes read their data (CC BY-NC, not
// shipped) from ../shared beside the checkout, by paths relative to the recipe file; those are
// pointed at testenv's shared folder ($COLASH_SHARED when set), and the test is skipped (failed
// under CI) when the data is not there, as every test that reads ../shared is.
func loadShipped(t *testing.T, f string) (*Recipe, error) {
	t.Helper()
	abs, err := filepath.Abs(f)
	if err != nil {
		t.Fatal(err)
	}
	beside, err := filepath.Rel(filepath.Dir(abs), filepath.Join(filepath.Dir(testenv.Root(t)), "shared"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Stages []map[string]any `toml:"stage"`
	}
	text, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := toml.Decode(string(text), &doc); err != nil {
		return nil, err
	}
	var sets []string
	for _, st := range doc.Stages {
		name, _ := st["name"].(string)
		for _, v := range st {
			table, _ := v.(map[string]any)
			for key, x := range table {
				s, _ := x.(string)
				if rel, ok := strings.CutPrefix(filepath.ToSlash(s), filepath.ToSlash(beside)+"/"); ok {
					sets = append(sets, name+"."+key+"="+testenv.Shared(t, rel))
				}
			}
		}
	}
	sort.Strings(sets)
	return LoadWith(f, sets)
}

// Every test that reads ../shared skips without it: loadShipped skips a DSP recipe whose data is
// missing, where a plain Load fails.
func TestLoadShippedSkipsWithoutSharedData(t *testing.T) {
	t.Setenv("COLASH_SHARED", filepath.Join(t.TempDir(), "none"))
	t.Setenv("CI", "")
	skipped := false
	t.Run("dsp-academy", func(t *testing.T) {
		defer func() { skipped = t.Skipped() }()
		loadShipped(t, "dsp-academy.toml")
		t.Error("loaded without the shared data")
	})
	if !skipped {
		t.Error("the DSP recipe did not skip without the shared data")
	}
}
