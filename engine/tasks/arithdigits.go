package tasks

import (
	"fmt"
	"strconv"
	"strings"
)

// The worked-solution formats of arith (ArithProblem.Format).
const (
	// ArithRewrite writes one rewrite of the expression per line, each intermediate result whole.
	ArithRewrite = "rewrite"
	// ArithDigits works each operation digit by digit before its rewrite line (digitSteps).
	ArithDigits = "digits"
)

// ArithFormats lists the formats; the first is the default.
func ArithFormats() []string { return []string{ArithRewrite, ArithDigits} }

// CheckArithFormat accepts a format name, "" being ArithRewrite.
func CheckArithFormat(format string) error {
	if format == "" || format == ArithRewrite || format == ArithDigits {
		return nil
	}
	return fmt.Errorf("unknown arith format %q (valid: %s)", format, strings.Join(ArithFormats(), ", "))
}

// digitSteps writes x op y digit by digit. + and - work on magnitudes: a header line says which
// (the positive part minus the negative one, swapped and negated when the negative part is
// larger: "a+b", "a-b", "-(a+b)", "-(a-b)"), then column lines. * multiplies the longer factor
// by each digit of the shorter, least significant first, and adds the shifted partial products.
// Product factors are never negative (every * comes before any + or -).
//
// A column line is the state "x'<op>y',c,r": what is left of the operands, the carry (borrow)
// and the result's digits so far in reading order. The next column's digits are the last ones
// before the op and before the first comma, and r grows at its front, so each line reads its
// inputs at a fixed place in the line above and the result needs no reversal. The lines of
// 148+29: "14+2,1,7", "1+,0,77", which stops with an operand used up and no carry: 177.
func digitSteps(b *strings.Builder, x int64, op byte, y int64) {
	if op == '*' {
		product(b, strconv.FormatInt(x, 10), strconv.FormatInt(y, 10))
		return
	}
	neg := x < 0
	a := strconv.FormatInt(max(x, -x), 10)
	n := strconv.FormatInt(y, 10)
	switch {
	case !neg && op == '+':
		b.WriteString(a + "+" + n + "\n")
		columns(b, a, '+', n)
	case neg && op == '-':
		b.WriteString("-(" + a + "+" + n + ")\n")
		columns(b, a, '+', n)
	default:
		pos, minus := a, n // the positive part and the negative part's magnitude
		if neg {
			pos, minus = n, a
		}
		if less(pos, minus) {
			b.WriteString("-(" + minus + "-" + pos + ")\n")
			columns(b, minus, '-', pos)
		} else {
			b.WriteString(pos + "-" + minus + "\n")
			columns(b, pos, '-', minus)
		}
	}
}

// product writes x*y: with y of one digit only its column lines, else a line "x*d" and the
// columns for each digit d of y, the sum of the partial products so far and the next one shifted
// ("296+1480") and that sum's columns. The longer factor is x.
func product(b *strings.Builder, x, y string) {
	if len(y) > len(x) {
		x, y = y, x
	}
	b.WriteString(x + "*" + y + "\n")
	if len(y) == 1 {
		columns(b, x, '*', y)
		return
	}
	acc := ""
	for i := range len(y) {
		d := y[len(y)-1-i : len(y)-i]
		b.WriteString(x + "*" + d + "\n")
		p := columns(b, x, '*', d)
		if p != "0" {
			p += strings.Repeat("0", i)
		}
		if i == 0 {
			acc = p
			continue
		}
		b.WriteString(acc + "+" + p + "\n")
		acc = columns(b, acc, '+', p)
	}
}

// columns writes the column lines of x op y, digit strings without a sign (x >= y for -; y one
// digit for *), and returns the result's digits. One column per line, least significant first,
// until the carry is 0 and an operand is used up (x for *, where y stays the digit): then the
// result is what is left of the operands followed by r, leading zeros dropped.
func columns(b *strings.Builder, x string, op byte, y string) string {
	c, r := 0, ""
	for c != 0 || (x != "" && (op == '*' || y != "")) {
		var dx, dy int
		x, dx = popDigit(x)
		if op == '*' {
			dy = int(y[0] - '0')
		} else {
			y, dy = popDigit(y)
		}
		var s int
		switch op {
		case '+':
			s, c = (dx+dy+c)%10, (dx+dy+c)/10
		case '*':
			s, c = (dx*dy+c)%10, (dx*dy+c)/10
		default:
			s, c = dx-dy-c, 0
			if s < 0 {
				s, c = s+10, 1
			}
		}
		r = strconv.Itoa(s) + r
		fmt.Fprintf(b, "%s%c%s,%d,%s\n", x, op, y, c, r)
	}
	if op == '*' {
		y = ""
	}
	if out := strings.TrimLeft(x+y+r, "0"); out != "" {
		return out
	}
	return "0"
}

// popDigit splits off the last digit of s (0 when s is used up).
func popDigit(s string) (string, int) {
	if s == "" {
		return "", 0
	}
	return s[:len(s)-1], int(s[len(s)-1] - '0')
}

// less compares two numbers written without sign or leading zeros.
func less(a, b string) bool { return len(a) < len(b) || len(a) == len(b) && a < b }
