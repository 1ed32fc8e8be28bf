package safetensors

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// objectMember is one key/value pair of a JSON object, in document order.
type objectMember struct {
	Key   string
	Value json.RawMessage
}

// duplicateKeyError is returned by decodeObject so callers can name the key.
type duplicateKeyError struct{ Key string }

func (e *duplicateKeyError) Error() string { return fmt.Sprintf("key %q appears twice", e.Key) }

// decodeObject parses data as a single JSON object and returns its members.
// Unlike unmarshalling into a map it rejects duplicate keys, which would
// otherwise silently hide a tensor, and it rejects trailing non-space bytes.
func decodeObject(data []byte) ([]objectMember, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if delim, ok := tok.(json.Delim); !ok || delim != '{' {
		return nil, errors.New("invalid JSON: expected an object")
	}
	seen := make(map[string]bool)
	var members []objectMember
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("invalid JSON: %w", err)
		}
		key, ok := tok.(string)
		if !ok {
			return nil, errors.New("invalid JSON: expected an object key")
		}
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil, fmt.Errorf("invalid JSON in value of %q: %w", key, err)
		}
		if seen[key] {
			return nil, &duplicateKeyError{Key: key}
		}
		seen[key] = true
		members = append(members, objectMember{Key: key, Value: value})
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("invalid JSON: unexpected data after the object")
	}
	return members, nil
}

// isJSONNull reports whether a raw value is the literal null, which
// json.Unmarshal would otherwise accept silently for slices and maps.
func isJSONNull(raw json.RawMessage) bool {
	return string(bytes.TrimSpace(raw)) == "null"
}
