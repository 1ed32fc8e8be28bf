//go:build linux

package mem

import (
	"errors"
	"syscall"
	"testing"
)

// Prefault makes a fresh buffer resident before it is written, and leaves its contents alone.
func TestPrefaultMapsTheBuffer(t *testing.T) {
	const size = 64 << 20
	b, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(b)
	b[100] = 7                 // one page already touched; the rest is fresh
	inner := b[123 : size-456] // not page-aligned at either end
	before, err := ResidentKB()
	if err != nil {
		t.Fatal(err)
	}
	if err := prefault(inner); errors.Is(err, syscall.EINVAL) {
		t.Skip("this kernel has no MADV_POPULATE_WRITE (Linux < 5.14)")
	} else if err != nil {
		t.Fatal(err)
	}
	after, _ := ResidentKB()
	grew := float64(after-before) * 1024 / size
	t.Logf("RSS grew by %.3f of the buffer", grew)
	if grew < 0.9 {
		t.Errorf("RSS grew by %.3f of the buffer after Prefault, want ~1", grew)
	}
	if b[100] != 7 || b[size-1] != 0 {
		t.Error("Prefault changed the buffer's contents")
	}
}
