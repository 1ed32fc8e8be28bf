package atomic

import "io"

// chunkSize is the size and alignment of every write but the last: a transparent huge page.
const chunkSize = 2 << 20

// chunkWriter passes a file's bytes on in whole chunks of chunkSize, each at an offset that is a
// multiple of it. ext4 and xfs then keep the written file in the page cache as 2 MiB folios,
// and a later process that maps it (colash loads weights so) takes a page fault per 2 MiB
// instead of one per few pages: a 633 MB model written in tensor-sized writes cost 0.06 s more
// to map and read once than the same file written in aligned 2 MiB writes, on the VMs measured
// (docs/performance.md, Loading). bufio.Writer would hand a large write straight to the file at
// whatever offset it starts.
type chunkWriter struct {
	w   io.Writer
	buf []byte
}

func newChunkWriter(w io.Writer) *chunkWriter {
	return &chunkWriter{w: w, buf: make([]byte, 0, chunkSize)}
}

func (c *chunkWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		k := copy(c.buf[len(c.buf):cap(c.buf)], p)
		c.buf, p = c.buf[:len(c.buf)+k], p[k:]
		if len(c.buf) == cap(c.buf) {
			if err := c.Flush(); err != nil {
				return n - len(p), err
			}
		}
	}
	return n, nil
}

// Flush writes what is buffered: a whole chunk, or the file's tail.
func (c *chunkWriter) Flush() error {
	if len(c.buf) == 0 {
		return nil
	}
	_, err := c.w.Write(c.buf)
	c.buf = c.buf[:0]
	return err
}
