package dsl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"

	"github.com/chzyer/readline"
)

// HistoryFile is where the shell keeps its history: $COLASH_HISTORY, else ~/.colash_history.
func HistoryFile() string {
	if p := os.Getenv("COLASH_HISTORY"); p != "" {
		return p
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".colash_history")
}

// Interactive runs the shell on a terminal (or any reader and writers) with line editing,
// history, TAB completion and Ctrl-C handling, until Ctrl-D or :quit.
func (s *Shell) Interactive(stdin io.ReadCloser) error {
	rl, err := readline.NewEx(&readline.Config{
		Prompt:          s.Prompt(),
		HistoryFile:     HistoryFile(),
		HistoryLimit:    5000,
		AutoComplete:    completer{s},
		InterruptPrompt: "^C",
		EOFPrompt:       "",
		Stdin:           stdin,
		Stdout:          s.cfg.Stdout,
		Stderr:          s.cfg.Stderr,
	})
	if err != nil {
		return err
	}
	defer rl.Close()

	// Ctrl-C while an evaluation runs cancels it; while reading a line, readline sees it.
	var (
		mu     sync.Mutex
		cancel context.CancelFunc
	)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	defer signal.Stop(sig)
	go func() {
		for range sig {
			mu.Lock()
			if cancel != nil {
				cancel()
			}
			mu.Unlock()
		}
	}()

	fmt.Fprintln(s.cfg.Stdout, s.st.faint.Render("colash shell: Go with the colash API. :help for commands, Ctrl-D to leave."))
	var buf []string
	for !s.done {
		if len(buf) == 0 {
			rl.SetPrompt(s.Prompt())
		} else {
			rl.SetPrompt(s.Continuation())
		}
		line, err := rl.Readline()
		if errors.Is(err, readline.ErrInterrupt) {
			buf = nil // Ctrl-C at the prompt drops the input being typed
			continue
		}
		if errors.Is(err, io.EOF) {
			if len(buf) > 0 {
				buf = nil
				continue
			}
			return nil
		}
		if err != nil {
			return err
		}
		buf = append(buf, line)
		src := strings.Join(buf, "\n")
		if NeedMore(src) {
			continue
		}
		buf = nil
		ctx, c := context.WithCancel(context.Background())
		mu.Lock()
		cancel = c
		mu.Unlock()
		s.Exec(ctx, src)
		mu.Lock()
		cancel = nil
		mu.Unlock()
		c()
	}
	return nil
}

type completer struct{ s *Shell }

// Do implements readline.AutoCompleter: it returns what to append after the cursor.
func (c completer) Do(line []rune, pos int) ([][]rune, int) {
	str := string(line[:pos])
	cands, n := c.s.Complete(str, len(str))
	word := str[len(str)-n:]
	out := make([][]rune, 0, len(cands))
	for _, cand := range cands {
		if strings.HasPrefix(cand, word) {
			out = append(out, []rune(cand[len(word):]))
		}
	}
	return out, len([]rune(word))
}
