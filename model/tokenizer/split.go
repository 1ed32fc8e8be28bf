package tokenizer

import (
	"unicode"
	"unicode/utf8"
)

// Llama3Pattern is the Llama-3 pre-tokenizer regex. Go's regexp cannot
// compile it (look-ahead), so splitLlama3 implements it by hand.
const Llama3Pattern = `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`

// Character classes the pattern distinguishes. \s is unicode.IsSpace, \p{L}
// and \p{N} are unicode.IsLetter and unicode.IsNumber; CR and LF get their own
// class because the pattern treats them specially.
const (
	classOther   uint8 = iota // not \s, \p{L} or \p{N}: punctuation, symbols, invalid bytes
	classLetter               // \p{L}
	classNumber               // \p{N}
	classSpace                // \s except CR and LF
	classNewline              // \r or \n
)

var asciiClass = func() (t [utf8.RuneSelf]uint8) {
	for c := 0; c < utf8.RuneSelf; c++ {
		t[c] = runeClass(rune(c))
	}
	return t
}()

func runeClass(r rune) uint8 {
	switch {
	case r == '\r' || r == '\n':
		return classNewline
	case unicode.IsLetter(r):
		return classLetter
	case unicode.IsNumber(r):
		return classNumber
	case unicode.IsSpace(r):
		return classSpace
	}
	return classOther
}

// classAt returns the class and byte width of the character at s[i]. An
// invalid byte counts as one U+FFFD character (classOther), which is how it
// is seen by regex engines that decode the input to runes.
func classAt(s string, i int) (uint8, int) {
	if c := s[i]; c < utf8.RuneSelf {
		return asciiClass[c], 1
	}
	r, n := utf8.DecodeRuneInString(s[i:])
	return runeClass(r), n
}

// splitLlama3 calls emit for each consecutive piece of s, as the Llama-3
// pattern would find them with a backtracking engine.
func splitLlama3(s string, emit func(piece string)) {
	for i := 0; i < len(s); {
		end := pieceEnd(s, i)
		emit(s[i:end])
		i = end
	}
}

// pieceEnd returns the end of the piece starting at s[i]; the alternatives of
// the pattern are tried in order, as a backtracking engine does.
func pieceEnd(s string, i int) int {
	if s[i] == '\'' {
		if end := contractionEnd(s, i); end > 0 {
			return end
		}
	}
	class, n := classAt(s, i)
	switch class {
	case classLetter: // [^\r\n\p{L}\p{N}]?\p{L}+ without the optional prefix
		return runEnd(s, i+n, classLetter)
	case classNumber: // \p{N}{1,3}
		end := i + n
		for k := 1; k < 3 && end < len(s); k++ {
			c, m := classAt(s, end)
			if c != classNumber {
				break
			}
			end += m
		}
		return end
	case classOther:
		if next := i + n; next < len(s) {
			if c, _ := classAt(s, next); c == classLetter { // prefix + letters
				return runEnd(s, next, classLetter)
			}
		}
		return punctEnd(s, i)
	case classSpace:
		if next := i + n; next < len(s) {
			c, _ := classAt(s, next)
			if c == classLetter { // a space-like prefix + letters
				return runEnd(s, next, classLetter)
			}
			if c == classOther && s[i] == ' ' { // " ?" + punctuation
				return punctEnd(s, next)
			}
		}
	}
	return whitespaceEnd(s, i)
}

// contractionEnd matches (?i:'s|'t|'re|'ve|'m|'ll|'d) at the apostrophe
// s[i] and returns its end, or 0. Case folding also maps U+017F LATIN SMALL LETTER
// LONG S to s, as the reference regex engine does.
func contractionEnd(s string, i int) int {
	if i+1 >= len(s) {
		return 0
	}
	switch s[i+1] | 0x20 { // ASCII lower case
	case 's', 't', 'm', 'd':
		if s[i+1] < utf8.RuneSelf {
			return i + 2
		}
	case 'r', 'v':
		if i+2 < len(s) && s[i+2]|0x20 == 'e' {
			return i + 3
		}
	case 'l':
		if i+2 < len(s) && s[i+2]|0x20 == 'l' {
			return i + 3
		}
	}
	if len(s) >= i+3 && s[i+1:i+3] == "\u017f" {
		return i + 3
	}
	return 0
}

// runEnd returns the end of the run of characters of class c starting at i.
func runEnd(s string, i int, c uint8) int {
	for i < len(s) {
		got, n := classAt(s, i)
		if got != c {
			break
		}
		i += n
	}
	return i
}

// punctEnd matches [^\s\p{L}\p{N}]+[\r\n]* at s[i], which is classOther.
func punctEnd(s string, i int) int {
	i = runEnd(s, i, classOther)
	for i < len(s) && (s[i] == '\r' || s[i] == '\n') {
		i++
	}
	return i
}

// whitespaceEnd handles a whitespace run at s[i] with the last three
// alternatives: \s*[\r\n]+ backtracks to end after the run's last CR/LF;
// \s+(?!\S) takes the whole run at the end of input, else all but its last
// character (which then prefixes the next word); \s+ takes what remains.
func whitespaceEnd(s string, i int) int {
	end, lastStart, afterNewline := i, i, -1
	for end < len(s) {
		c, n := classAt(s, end)
		if c != classSpace && c != classNewline {
			break
		}
		if c == classNewline {
			afterNewline = end + n
		}
		lastStart = end
		end += n
	}
	switch {
	case afterNewline > 0:
		return afterNewline
	case end == len(s) || lastStart == i:
		return end
	}
	return lastStart
}
