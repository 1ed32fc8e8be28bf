//go:build !linux

package mem

// Prefault does nothing where pages cannot be advised.
func Prefault(b []byte) {}
