package atomic

import (
	"bytes"
	"testing"
)

// recorder keeps what it was given and the length of every write.
type recorder struct {
	bytes.Buffer
	writes []int
}

func (r *recorder) Write(p []byte) (int, error) {
	r.writes = append(r.writes, len(p))
	return r.Buffer.Write(p)
}

// Every write but the last is one whole chunk, so every write starts at a multiple of chunkSize,
// whatever the sizes the caller writes; the bytes arrive unchanged.
func TestChunkWriterWritesWholeAlignedChunks(t *testing.T) {
	var want []byte
	r := &recorder{}
	c := newChunkWriter(r)
	for i, n := range []int{8, 301, 5*chunkSize + 17, chunkSize - 326, 0, 3*chunkSize + 5, chunkSize, 3} {
		p := bytes.Repeat([]byte{byte(i + 1)}, n)
		want = append(want, p...)
		if k, err := c.Write(p); k != n || err != nil {
			t.Fatalf("write %d: %d, %v", i, k, err)
		}
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(r.Bytes(), want) {
		t.Fatalf("the file differs from what was written (%d bytes, want %d)", r.Len(), len(want))
	}
	for i, n := range r.writes[:len(r.writes)-1] {
		if n != chunkSize {
			t.Fatalf("write %d of %d is %d bytes, want a whole chunk (%d): %v", i, len(r.writes), n, chunkSize, r.writes)
		}
	}
	if last := r.writes[len(r.writes)-1]; last != len(want)%chunkSize {
		t.Fatalf("last write %d bytes, want the tail %d", last, len(want)%chunkSize)
	}
}
