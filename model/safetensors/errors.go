package safetensors

import (
	"fmt"
	"strconv"
)

// FormatError describes a malformed or inconsistent safetensors file or
// index. Path and Tensor are empty when they do not apply (for example a
// header parsed with Parse has no path).
type FormatError struct {
	Path   string
	Tensor string
	Reason string
}

func (e *FormatError) Error() string {
	msg := "safetensors: "
	if e.Path != "" {
		msg += e.Path + ": "
	}
	if e.Tensor != "" {
		msg += "tensor " + strconv.Quote(e.Tensor) + ": "
	}
	return msg + e.Reason
}

func formatErr(path, tensor, format string, args ...any) *FormatError {
	return &FormatError{Path: path, Tensor: tensor, Reason: fmt.Sprintf(format, args...)}
}

// withPath fills in the file path of a FormatError produced by Parse.
func withPath(err error, path string) error {
	if fe, ok := err.(*FormatError); ok && fe.Path == "" {
		copied := *fe
		copied.Path = path
		return &copied
	}
	return err
}
