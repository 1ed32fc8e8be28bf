package job

import (
	"flag"
	"fmt"
	"reflect"
	"strings"
)

// FlagName is the command-line flag of a recipe key: the same name, with '-' for '_'
// ("max_tokens" is --max-tokens).
func FlagName(key string) string { return strings.ReplaceAll(key, "_", "-") }

// Flags registers on fs a flag for every field of the struct *v that has a toml key, named
// FlagName(key), with the field's `help` tag as its usage and the field's current value as its
// default: a job's defaults and its recipe keys are its flags. Embedded structs without a key
// are inlined, as TOML decodes them. A field tagged flag:"-" has no flag (a recipe-only setting);
// flag:"lines" reads a []string from a file, one entry a line (see ReadLines).
func Flags(fs *flag.FlagSet, v any) {
	for _, f := range fields(v) {
		if f.flag == "-" {
			continue
		}
		name := FlagName(f.key)
		switch p := basic(f.v).(type) { // the flag package's own kinds print their type
		case *int:
			fs.IntVar(p, name, *p, f.help)
		case *int64:
			fs.Int64Var(p, name, *p, f.help)
		case *uint64:
			fs.Uint64Var(p, name, *p, f.help)
		case *float64:
			fs.Float64Var(p, name, *p, f.help)
		case *bool:
			fs.BoolVar(p, name, *p, f.help)
		case *string:
			fs.StringVar(p, name, *p, f.help)
		default:
			fs.Var(&value{f.v, f.flag == "lines"}, name, f.help)
		}
	}
}

// Keys lists the toml keys of the struct *v, embedded structs inlined, in field order.
func Keys(v any) []string {
	var keys []string
	for _, f := range fields(v) {
		keys = append(keys, f.key)
	}
	return keys
}

// FlagKeys lists the keys of *v that have flags: every key, less those tagged flag:"-".
func FlagKeys(v any) []string {
	var keys []string
	for _, f := range fields(v) {
		if f.flag != "-" {
			keys = append(keys, f.key)
		}
	}
	return keys
}

// A Reference is a setting of a job that names a file, a model or an earlier stage's output: a
// string field tagged `ref` (see Ref).
type Reference struct {
	Key  string  // its toml key
	What Ref     // what it names
	P    *string // the setting itself, to read or rewrite
}

// References lists the `ref`-tagged fields of the struct *v, embedded structs inlined.
func References(v any) []Reference {
	var out []Reference
	for _, f := range fields(v) {
		if f.ref != "" {
			out = append(out, Reference{Key: f.key, What: Ref(f.ref), P: f.v.Addr().Interface().(*string)})
		}
	}
	return out
}

type field struct {
	key, help, flag, ref string
	v                    reflect.Value // addressable
}

func fields(v any) []field {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		panic(fmt.Sprintf("job: want a pointer to a struct, got %T", v))
	}
	return structFields(rv.Elem())
}

func structFields(s reflect.Value) []field {
	var out []field
	t := s.Type()
	for i := range t.NumField() {
		sf := t.Field(i)
		key, _, _ := strings.Cut(sf.Tag.Get("toml"), ",")
		switch {
		case key == "" && sf.Anonymous && sf.Type.Kind() == reflect.Struct: // inlined, as TOML does
			out = append(out, structFields(s.Field(i))...)
		case !sf.IsExported() || key == "-":
		case key != "":
			out = append(out, field{key: key, help: sf.Tag.Get("help"), flag: sf.Tag.Get("flag"), ref: sf.Tag.Get("ref"), v: s.Field(i)})
		}
	}
	return out
}

// basic is a pointer to the field as its basic type (*string for a train.BCLoss: the job's
// Validate checks the value), or to the field itself when it is not of a basic kind.
func basic(v reflect.Value) any {
	var t reflect.Type
	switch v.Kind() {
	case reflect.Int:
		t = reflect.TypeFor[int]()
	case reflect.Int64:
		t = reflect.TypeFor[int64]()
	case reflect.Uint64:
		t = reflect.TypeFor[uint64]()
	case reflect.Float64:
		t = reflect.TypeFor[float64]()
	case reflect.Bool:
		t = reflect.TypeFor[bool]()
	case reflect.String:
		t = reflect.TypeFor[string]()
	default:
		return v.Addr().Interface()
	}
	return v.Addr().Convert(reflect.PointerTo(t)).Interface()
}

// value is a flag.Value over a list of strings: comma-separated, or a file's lines.
type value struct {
	v     reflect.Value
	lines bool // a []string read from the file the flag names
}

func (f *value) String() string {
	if !f.v.IsValid() || f.lines {
		return ""
	}
	return strings.Join(f.v.Interface().([]string), ",")
}

func (f *value) Set(s string) error {
	if f.v.Kind() != reflect.Slice || f.v.Type().Elem().Kind() != reflect.String {
		return fmt.Errorf("job: a %s field has no flag form", f.v.Type())
	}
	list, err := f.list(s)
	if err != nil {
		return err
	}
	f.v.Set(reflect.ValueOf(list).Convert(f.v.Type()))
	return nil
}

func (f *value) list(s string) ([]string, error) {
	if f.lines {
		return ReadLines(s)
	}
	if s == "" {
		return nil, nil
	}
	return strings.Split(s, ","), nil
}
