// Package atomic writes files and folders so that a reader, or a run resumed after a crash or a
// kill -9, sees either the old version or the new one, never a half-written one: everything is
// written under a temporary name beside the target, synced to disk, then renamed over it, and
// the parent folder is synced so that the rename itself survives a power cut. Every checkpoint
// and model file colash writes goes through here.
package atomic

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Write creates path with the bytes fill writes (in aligned chunks, see chunkWriter), atomically.
func Write(path string, fill func(w io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			err = fmt.Errorf("write %s: %w", path, err)
		}
	}()
	bw := newChunkWriter(tmp)
	if err = fill(bw); err != nil {
		return err
	}
	if err = bw.Flush(); err != nil {
		return err
	}
	if err = tmp.Chmod(0o644); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	syncDir(dir)
	return nil
}

// WriteFile is Write for bytes already in memory.
func WriteFile(path string, data []byte) error {
	return Write(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteDir replaces the folder dir with the one fill writes into a fresh temporary folder. The
// swap takes two renames (dir to dir.old, then the new one to dir); Resolve finds dir.old if a
// crash falls between them. Files fill writes should be synced (Write does so).
func WriteDir(dir string, fill func(tmp string) error) error {
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".tmp-")
	if err != nil {
		return err
	}
	if err := fill(tmp); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	syncDir(tmp)
	old := dir + ".old"
	if err := os.RemoveAll(old); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	if _, err := os.Stat(dir); err == nil {
		if err := os.Rename(dir, old); err != nil {
			os.RemoveAll(tmp)
			return err
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		return err
	}
	syncDir(parent)
	return os.RemoveAll(old)
}

// Resolve returns the folder WriteDir last completed: dir, or dir.old when a crash came
// between WriteDir's two renames. ok is false when neither exists.
func Resolve(dir string) (string, bool) {
	for _, d := range []string{dir, dir + ".old"} {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			return d, true
		}
	}
	return "", false
}

// syncDir makes renames in dir durable. Some filesystems refuse to fsync a folder; the data
// itself is already synced, so that is not an error.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
