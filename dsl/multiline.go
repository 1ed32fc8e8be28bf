package dsl

// NeedMore reports whether src is an unfinished input: a bracket, brace or parenthesis is still
// open, or a raw string or block comment runs on. Brackets inside strings, runes and comments
// do not count.
func NeedMore(src string) bool {
	depth := 0
	const (
		code = iota
		str
		raw
		char
		line
		block
	)
	state := code
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch state {
		case code:
			switch c {
			case '(', '[', '{':
				depth++
			case ')', ']', '}':
				depth--
			case '"':
				state = str
			case '`':
				state = raw
			case '\'':
				state = char
			case '/':
				if i+1 < len(src) && src[i+1] == '/' {
					state, i = line, i+1
				} else if i+1 < len(src) && src[i+1] == '*' {
					state, i = block, i+1
				}
			}
		case str, char:
			switch {
			case c == '\\':
				i++
			case c == '\n':
				state = code // unterminated: let the compiler say so
			case c == '"' && state == str, c == '\'' && state == char:
				state = code
			}
		case raw:
			if c == '`' {
				state = code
			}
		case line:
			if c == '\n' {
				state = code
			}
		case block:
			if c == '*' && i+1 < len(src) && src[i+1] == '/' {
				state, i = code, i+1
			}
		}
	}
	return depth > 0 || state == raw || state == block
}
