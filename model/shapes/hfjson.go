package shapes

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Object is a JSON object that keeps its keys in the order given, as a Hugging Face config.json
// has them (sorted by save_pretrained, or in the order a person wrote them).
type Object []Field

// Field is one key of an Object.
type Field struct {
	Key   string
	Value any
}

// MarshalJSON writes the fields in order.
func (o Object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(f.Key)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(f.Value)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Get returns the value of key.
func (o Object) Get(key string) (any, bool) {
	for _, f := range o {
		if f.Key == key {
			return f.Value, true
		}
	}
	return nil, false
}

// With returns a copy of o with key set to v: in its place if o has it, else inserted where a
// sorted object keeps it (after the last key that sorts before it).
func (o Object) With(key string, v any) Object {
	out := slices.Clone(o)
	for i := range out {
		if out[i].Key == key {
			out[i].Value = v
			return out
		}
	}
	i := len(out)
	for i > 0 && out[i-1].Key > key {
		i--
	}
	return slices.Insert(out, i, Field{key, v})
}

// File renders o as a config.json file: indented by two spaces, one key per line, ending in a
// newline, as transformers writes it (json.dumps(indent=2) + "\n").
func (o Object) File() ([]byte, error) {
	b, err := json.MarshalIndent(o, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Float is a JSON number written as Python's json module writes a float: always with a decimal
// point or an exponent (500000.0, 8.0, 0.02, 1e-05), so that a config.json reads the same here as
// in the file Hugging Face publishes.
type Float float64

// MarshalJSON writes f as Python's repr(float) does: the shortest digits that read back as f,
// in positional notation for exponents -4..15 and in scientific notation otherwise.
func (f Float) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return nil, &json.UnsupportedValueError{Str: strconv.FormatFloat(v, 'g', -1, 64)}
	}
	e := strconv.FormatFloat(v, 'e', -1, 64) // d.ddde±XX: Go, like Python, writes two exponent digits at least
	exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	if v != 0 && (exp < -4 || exp >= 16) {
		return []byte(e), nil
	}
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return []byte(s), nil
}
