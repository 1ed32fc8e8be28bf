package recipes

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strings"

	"github.com/BurntSushi/toml"

	"colash/engine/job"
)

// tables maps each table path of a recipe to the Go struct it decodes into: the schema that
// unknown-key errors suggest from and docs/recipes.md is generated from.
var tables = tableTypes()

func tableTypes() map[string]reflect.Type {
	t := map[string]reflect.Type{"": reflect.TypeFor[Recipe](), "model": reflect.TypeFor[Model](), "stage": reflect.TypeFor[Stage]()}
	for _, k := range kinds {
		t["stage."+k.name] = reflect.TypeOf(k.blank()).Elem()
	}
	return t
}

// knownKeys are the keys of a table; a stage's include its kinds' tables.
func knownKeys(table string) []string {
	keys := tomlKeys(tables[table])
	if table == "stage" {
		keys = append(keys, Kinds...)
	}
	return keys
}

// tomlKeys lists the keys a struct decodes, embedded structs' included.
func tomlKeys(t reflect.Type) []string { return job.Keys(reflect.New(t).Interface()) }

// unknownKeys is the error for keys no struct decodes: each with its line and, when a known
// key of the same table is one or two edits away, the fix.
func unknownKeys(path string, text []byte, keys []toml.Key) error {
	var msgs []string
	for _, k := range keys {
		table, name := strings.Join(k[:len(k)-1], "."), k[len(k)-1]
		msg := fmt.Sprintf("%s:%d: unknown key %s", path, lineOf(text, table, name), k)
		if _, ok := tables[table]; ok {
			if near := nearest(name, knownKeys(table)); near != "" {
				msg += fmt.Sprintf(" (did you mean %s?)", near)
			} else {
				msg += fmt.Sprintf(" (known: %s)", strings.Join(knownKeys(table), ", "))
			}
		}
		msgs = append(msgs, msg)
	}
	return fmt.Errorf("%s", strings.Join(msgs, "\n"))
}

var header = regexp.MustCompile(`^\s*\[\[?\s*([^\]]+?)\s*\]\]?`)

// lineOf finds the first line that sets key in table (0 when none is found).
func lineOf(text []byte, table, key string) int {
	set := regexp.MustCompile(`^\s*"?` + regexp.QuoteMeta(key) + `"?\s*=`)
	current := ""
	sc := bufio.NewScanner(bytes.NewReader(text))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if m := header.FindStringSubmatch(line); m != nil {
			current = m[1]
			continue
		}
		if current == table && set.MatchString(line) {
			return n
		}
	}
	return 0
}

// nearest returns the known key within two edits of name, if there is one.
func nearest(name string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if d := editDistance(name, k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// checkFiles finds the models and data files the recipe names before any work starts.
func (r *Recipe) checkFiles() error {
	e := &env{r: r}
	var missing []string
	model := func(ref string) {
		if strings.HasPrefix(ref, "@") {
			return
		}
		p, err := e.modelPath(ref)
		if err == nil {
			_, err = os.Stat(p)
		}
		if err != nil {
			missing = append(missing, fmt.Sprintf("model: %v", err))
		}
	}
	data := func(ref string) {
		if !strings.HasPrefix(ref, "@") {
			if _, err := os.Stat(e.file(ref)); err != nil {
				missing = append(missing, fmt.Sprintf("data: %v", err))
			}
		}
	}
	model(r.Model.Path)
	for i := range r.Stages {
		for _, rf := range r.Stages[i].refs() {
			switch {
			case *rf.P == "":
			case rf.What.IsModel():
				model(*rf.P)
			default:
				data(*rf.P)
			}
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s", strings.Join(missing, "; "))
	}
	return nil
}
