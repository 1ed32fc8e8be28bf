package safetensors

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// lengthPrefixSize is the size of the little-endian uint64 header length.
const lengthPrefixSize = 8

// File is an open safetensors file whose header has been validated.
// Tensor data is read on demand with ReadAt, so a File is safe for
// concurrent reads.
type File struct {
	*Header
	path      string
	f         *os.File
	dataStart int64
	dataSize  int64
}

// Open reads and validates the header of a safetensors file. Tensor data is
// not read. The file stays open until Close.
func Open(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	file, err := newFile(path, f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return file, nil
}

func newFile(path string, f *os.File) (*File, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, formatErr(path, "", "not a regular file")
	}
	header, dataStart, err := readHeader(f, st.Size())
	if err != nil {
		return nil, withPath(err, path)
	}
	dataSize := st.Size() - dataStart
	h, err := Parse(header, dataSize)
	if err != nil {
		return nil, withPath(err, path)
	}
	return &File{Header: h, path: path, f: f, dataStart: dataStart, dataSize: dataSize}, nil
}

// readHeader returns the JSON header bytes and the offset where data starts.
func readHeader(r io.ReaderAt, fileSize int64) ([]byte, int64, error) {
	if fileSize < lengthPrefixSize {
		return nil, 0, formatErr("", "", "file is %d bytes, too short for the 8-byte header length (truncated?)", fileSize)
	}
	var prefix [lengthPrefixSize]byte
	if _, err := r.ReadAt(prefix[:], 0); err != nil {
		return nil, 0, formatErr("", "", "reading header length: %v", err)
	}
	n := binary.LittleEndian.Uint64(prefix[:])
	if n > MaxHeaderSize {
		return nil, 0, formatErr("", "", "header length %d exceeds the %d-byte limit", n, MaxHeaderSize)
	}
	if int64(n) > fileSize-lengthPrefixSize {
		return nil, 0, formatErr("", "", "header length %d runs past the end of the file (%d bytes after the length prefix; truncated?)",
			n, fileSize-lengthPrefixSize)
	}
	header := make([]byte, n)
	if _, err := r.ReadAt(header, lengthPrefixSize); err != nil {
		return nil, 0, formatErr("", "", "reading header: %v", err)
	}
	return header, lengthPrefixSize + int64(n), nil
}

// Path returns the path the file was opened with.
func (f *File) Path() string { return f.path }

// DataOffset returns the absolute file offset of the data region; add a
// TensorInfo's Begin to locate a tensor for memory mapping or direct I/O.
func (f *File) DataOffset() int64 { return f.dataStart }

// Close releases the underlying file.
func (f *File) Close() error { return f.f.Close() }

// Section returns a reader over the named tensor's bytes, for streaming
// large tensors without holding them in memory.
func (f *File) Section(name string) (*io.SectionReader, error) {
	t, ok := f.tensors[name]
	if !ok {
		return nil, f.notFound(name)
	}
	return io.NewSectionReader(f.f, f.dataStart+t.Begin, t.Size()), nil
}

// ReadRaw returns the named tensor's little-endian bytes.
func (f *File) ReadRaw(name string) ([]byte, error) {
	t, ok := f.tensors[name]
	if !ok {
		return nil, f.notFound(name)
	}
	buf := make([]byte, t.Size())
	if err := f.ReadInto(name, buf); err != nil {
		return nil, err
	}
	return buf, nil
}

// ReadInto copies the named tensor's little-endian bytes into dst, which must be exactly the
// tensor's size: the loader passes a tensor's own storage, so the weights are read once, from the
// page cache straight to where they are used.
func (f *File) ReadInto(name string, dst []byte) error {
	t, ok := f.tensors[name]
	if !ok {
		return f.notFound(name)
	}
	if int64(len(dst)) != t.Size() {
		return formatErr(f.path, name, "destination holds %d bytes, the tensor %d", len(dst), t.Size())
	}
	if _, err := f.f.ReadAt(dst, f.dataStart+t.Begin); err != nil {
		if errors.Is(err, io.EOF) {
			err = errors.New("file shrank after it was opened")
		}
		return fmt.Errorf("safetensors: %s: tensor %q: reading data: %w", f.path, name, err)
	}
	return nil
}

// ReadFloat32 reads the named F32, F16, BF16 or F64 tensor as float32.
func (f *File) ReadFloat32(name string) ([]float32, error) {
	t, ok := f.tensors[name]
	if !ok {
		return nil, f.notFound(name)
	}
	if !t.DType.isFloat() {
		return nil, fmt.Errorf("safetensors: %s: tensor %q: dtype %s cannot be read as float32", f.path, name, t.DType)
	}
	raw, err := f.ReadRaw(name)
	if err != nil {
		return nil, err
	}
	vals, err := DecodeToFloat32(raw, t.DType)
	if err != nil {
		return nil, formatErr(f.path, name, "%v", err)
	}
	return vals, nil
}

func (f *File) notFound(name string) error {
	return fmt.Errorf("safetensors: %s: tensor %q: %w", f.path, name, ErrNotFound)
}

// ErrNotFound is wrapped by lookups of tensor names that do not exist.
var ErrNotFound = errors.New("no such tensor")
