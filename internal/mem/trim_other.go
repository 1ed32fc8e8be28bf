//go:build !linux

package mem

// Trim does nothing where the C heap cannot be trimmed.
func Trim() {}
