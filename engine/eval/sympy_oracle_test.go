package eval

import (
	"bytes"
	"colash/internal/testenv"
	"encoding/json"
	"os/exec"
	"testing"
)

// Pairs in the plain-text form that prmNormalize produces. sympy is only an
// oracle for this test (PRM800K's own check is simplify(a-b) == 0); the
// package never runs it.
var oraclePairs = [][2]string{
	{"1/2", "0.5"}, {"sqrt(2)/2", "1/sqrt(2)"}, {"2sqrt(3)", "sqrt(12)"}, {"pi/2", "0.5pi"},
	{"(x+1)^2", "x^2+2x+1"}, {"(x-1)(x+1)", "x^2-1"}, {"x^3-y^3", "(x-y)(x^2+xy+y^2)"},
	{"1/3", "0.333"}, {"sqrt(3)", "sqrt(2)"}, {"pi", "3.14"}, {"2^10", "1024"}, {"2^-2", "1/4"},
	{"-2^2", "-4"}, {"(-2)^2", "4"}, {"2^3^2", "512"}, {"1/2x", "x/2"}, {"x/2y", "xy/2"},
	{"(1+sqrt(5))/2", "1/2+sqrt(5)/2"}, {"1+sqrt(5)/2", "(1+sqrt(5))/2"}, {"a^2b", "ba^2"},
	{"3pi/4", "0.75pi"}, {"sqrt(8)", "2sqrt(2)"}, {"(2)^(1/3)", "2^(1/3)"}, {"8^(1/3)", "2"},
	{"1/(sqrt(2)-1)", "sqrt(2)+1"}, {"x^2", "x*x"}, {"2x+3", "3+2x"}, {"x", "y"}, {"e^2", "e*e"},
	{"4/6", "2/3"}, {"1e3", "1000"}, {"10^-3", "0.001"}, {"pi^2/6", "(pi/sqrt(6))^2"},
	{"sqrt(2)sqrt(3)", "sqrt(6)"}, {"x/x", "1"}, {"(x^2-1)/(x-1)", "x+1"}, {"2a+b", "2(a+b)"},
}

func TestExprsEqualAgreesWithSympy(t *testing.T) {
	python := testenv.PythonWith(t, "sympy")
	script := `
import json, sys
from sympy import simplify
from sympy.parsing import sympy_parser as sp
tr = sp.standard_transformations + (sp.implicit_multiplication_application,)
out = []
for a, b in json.load(sys.stdin):
    e = sp.parse_expr(("(%s)-(%s)" % (a, b)).replace("^", "**"), transformations=tr)
    out.append(bool(simplify(e) == 0))
json.dump(out, sys.stdout)
`
	in, _ := json.Marshal(oraclePairs)
	cmd := exec.Command(python, "-c", script)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	outBytes, err := cmd.Output()
	if err != nil {
		t.Fatalf("sympy oracle: %v\n%s", err, stderr.String())
	}
	var want []bool
	if err := json.Unmarshal(outBytes, &want); err != nil || len(want) != len(oraclePairs) {
		t.Fatalf("sympy oracle output %q: %v", outBytes, err)
	}
	for i, p := range oraclePairs {
		if got := exprsEqual(p[0], p[1], PRM800K); got != want[i] {
			t.Errorf("exprsEqual(%q, %q) = %v, sympy says %v", p[0], p[1], got, want[i])
		}
	}
}
