// Package models ships colash's checkpoints inside the binary: stories260K (Karpathy's
// 260K-parameter TinyStories Llama, MIT licence), converted to the Hugging Face layout by
// `colash convert`, and stories260K-cola, a CoLA trained on it by `colash train` (docs/training.md);
// testbed, a Llama pretrained from scratch on verifiable problems, and testbed-cola, its CoLA
// (docs/testbed.md, recipes/testbed). A checkpoint is written out to the user's cache folder the
// first time it is needed.
package models

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

//go:embed all:stories260K all:stories260K-cola all:testbed all:testbed-cola
var files embed.FS

// DefaultName is the shipped model used when no --model is given; DefaultCoLA is the shipped CoLA.
const (
	DefaultName = "stories260K"
	DefaultCoLA = "stories260K-cola"
	Testbed     = "testbed"      // the reasoning testbed's Llama
	TestbedCoLA = "testbed-cola" // its CoLA
)

// StoryPrompts are openings in the style of TinyStories, the shipped models' training text: for
// the toy RL tasks and the fluency measurement of a CoLA on them.
var StoryPrompts = []string{
	"Once upon a time, there was a little girl named Lily.",
	"Once upon a time, there was a boy named Tim.",
	"One day, a little bird was flying in the sky.",
	"Tom and Sue went to the park.",
	"There was a big tree in the garden.",
	"Once upon a time, there lived a kind old man.",
	"Anna had a red ball.",
	"One sunny day, Ben went to the beach with his mom.",
	"The cat sat on the mat.",
	"Max was a happy little boy.",
	"It was a cold winter day.",
	"Sara loved to play with her toys.",
	"Once upon a time, in a small house, there lived a family.",
	"The sun was shining and the sky was blue.",
	"Bob wanted to go outside and play.",
	"Mia found a shiny stone in the grass.",
}

// Resolve maps what a user typed for a model to a path: "" or "default" is DefaultName, "cola"
// is DefaultCoLA, a shipped name is that model unless a model of that name exists here (a file,
// or a folder with config.json: recipes/testbed is a folder of recipes, not the model); anything
// else is returned as it is.
func Resolve(name string) (string, error) {
	switch name {
	case "", "default":
		name = DefaultName
	case "cola":
		name = DefaultCoLA
	}
	if !isShipped(name) {
		return name, nil
	}
	if Local(name) {
		return name, nil
	}
	return Path(name)
}

// Path returns a folder holding the shipped model name, extracting it on first use into
// $XDG_CACHE_HOME/colash/models/name-<hash> (the hash keeps binaries of different versions apart).
func Path(name string) (string, error) {
	sub, err := fs.Sub(files, name)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	var paths []string
	if err := fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(sub, p)
		if err != nil {
			return err
		}
		h.Write([]byte(p))
		h.Write(b)
		paths = append(paths, p)
		return nil
	}); err != nil {
		return "", fmt.Errorf("shipped model %s: %w", name, err)
	}
	if len(paths) == 0 {
		return "", fmt.Errorf("no shipped model named %q", name)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "colash", "models", name+"-"+hex.EncodeToString(h.Sum(nil))[:12])
	if _, err := os.Stat(filepath.Join(dir, ".complete")); err == nil {
		return dir, nil
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), name+".tmp-")
	if err != nil {
		if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
			return "", fmt.Errorf("shipped model %s: %w", name, err)
		}
		if tmp, err = os.MkdirTemp(filepath.Dir(dir), name+".tmp-"); err != nil {
			return "", fmt.Errorf("shipped model %s: %w", name, err)
		}
	}
	for _, p := range paths {
		b, _ := fs.ReadFile(sub, p)
		if err := os.WriteFile(filepath.Join(tmp, p), b, 0o644); err != nil {
			os.RemoveAll(tmp)
			return "", fmt.Errorf("shipped model %s: %w", name, err)
		}
	}
	os.WriteFile(filepath.Join(tmp, ".complete"), nil, 0o644)
	if err := os.Rename(tmp, dir); err != nil {
		os.RemoveAll(tmp)
		if _, err2 := os.Stat(filepath.Join(dir, ".complete")); err2 == nil {
			return dir, nil // another process extracted it first
		}
		return "", fmt.Errorf("shipped model %s: %w", name, err)
	}
	return dir, nil
}

// NameOf is the shipped model's name when path is the folder Path extracted it to, so that a
// file pointing at a shipped model can name it rather than one binary's cache folder.
func NameOf(path string) (string, bool) {
	base := filepath.Base(path)
	i := strings.LastIndexByte(base, '-')
	if i < 0 {
		return "", false
	}
	name := base[:i]
	if !isShipped(name) {
		return "", false
	}
	p, err := Path(name)
	if err != nil || filepath.Clean(p) != filepath.Clean(path) {
		return "", false
	}
	return name, true
}

// Local reports whether path names something here that a shipped model's name does not hide:
// anything that exists, except that a folder named like a shipped model must be a model (have a
// config.json) to be taken for one.
func Local(path string) bool {
	st, err := os.Stat(path)
	if err != nil {
		return false
	}
	if !isShipped(filepath.Base(path)) || !st.IsDir() {
		return true
	}
	_, err = os.Stat(filepath.Join(path, "config.json"))
	return err == nil
}

// isShipped reports whether name is a shipped model's name.
func isShipped(name string) bool {
	if name == "." || name == "" || strings.ContainsRune(name, '/') {
		return false
	}
	_, err := fs.Stat(files, name)
	return err == nil
}
