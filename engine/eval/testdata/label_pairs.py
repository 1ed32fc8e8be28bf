#!/usr/bin/python3
"""Label grading pairs for engine/eval's golden test.

Reads JSONL pairs {"given", "gold", ...} on stdin and writes them back with
  "prm800k": the verdict of OpenAI's PRM800K grader (grade_answer), run from the
             checkout named by $COLASH_PRM800K (skipped with --no-oracle);
  "sympy":   an independent check of value equivalence written here: the answers
             are read as sound sympy expressions (\\frac{a+b}{c} is (a+b)/c,
             \\sqrt[n]{x} keeps n, decimals are exact rationals) and compared with
             simplify, then at random points; null where an answer cannot be read
             or the check cannot decide.
Pairs whose oracle call runs past the time limit are dropped (counted on stderr).

The PRM800K code is imported from the checkout at run time; nothing of it is
copied here. Python is a test-time oracle only: colash never runs it.
"""
import json
import multiprocessing
import os
import random
import re
import signal
import sys

import sympy
from sympy.parsing import sympy_parser as sp

TIMEOUT_S = 20


class Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise Timeout()


def load_grader():
    root = os.environ.get("COLASH_PRM800K", "")
    for d in (os.path.join(root, "prm800k"), root):
        if os.path.exists(os.path.join(d, "grading", "grader.py")):
            sys.path.insert(0, d)
            from grading import grader  # noqa: E402  (the checkout's own module)
            return grader
    sys.exit("label_pairs: COLASH_PRM800K must name a prm800k checkout (with prm800k/grading/grader.py)")


# --- the sound reading -------------------------------------------------------

UNIT_WORDS = r"(?:square\s+)?(?:units?|cm|centimeters?|meters?|m|km|inches|inch|feet|foot|miles?|mph|" \
             r"seconds?|minutes?|hours?|days?|years?|dollars?|cents?|degrees?|apples?|percent)"
TRIG = ["arcsin", "arccos", "arctan", "sin", "cos", "tan", "cot", "sec", "csc", "ln", "log"]


def brace_arg(s, i):
    """The argument of a macro at s[i]: a {group}, or one character. Returns (text, next index)."""
    while i < len(s) and s[i] == " ":
        i += 1
    if i >= len(s):
        raise ValueError("missing argument")
    if s[i] != "{":
        if s[i] == "\\":
            m = re.match(r"\\[a-zA-Z]+", s[i:])
            return s[i:i + m.end()], i + m.end()
        return s[i], i + 1
    depth = 0
    for j in range(i, len(s)):
        depth += {"{": 1, "}": -1}.get(s[j], 0)
        if depth == 0:
            return s[i + 1:j], j + 1
    raise ValueError("unbalanced braces")


def latex_to_sympy_text(s):
    """LaTeX math to a sympy-parsable string, reading every construct soundly."""
    out, i = [], 0
    while i < len(s):
        if s.startswith("\\frac", i):
            a, i = brace_arg(s, i + 5)
            b, i = brace_arg(s, i)
            out.append("((%s)/(%s))" % (latex_to_sympy_text(a), latex_to_sympy_text(b)))
        elif s.startswith("\\sqrt", i):
            i += 5
            idx = None
            if i < len(s) and s[i] == "[":
                j = s.index("]", i)
                idx, i = s[i + 1:j], j + 1
            a, i = brace_arg(s, i)
            if idx is None:
                out.append(" sqrt(%s)" % latex_to_sympy_text(a))
            else:
                out.append("((%s)**(1/(%s)))" % (latex_to_sympy_text(a), latex_to_sympy_text(idx)))
        elif s[i] == "^":
            a, i = brace_arg(s, i + 1)
            out.append("**(%s)" % latex_to_sympy_text(a))
        elif s[i] == "\\":
            m = re.match(r"\\([a-zA-Z]+)", s[i:])
            if not m:
                raise ValueError("unknown macro")
            name, i = m.group(1), i + m.end()
            if name in ("pi",):
                out.append(" pi ")
            elif name == "infty":
                out.append(" oo ")
            elif name in ("cdot", "times"):
                out.append("*")
            elif name == "theta":
                out.append(" theta ")
            elif name in TRIG:
                fn = {"ln": "log", "log": "log10"}.get(name, name)
                if i < len(s) and s[i] in "({":
                    a, j = (brace_arg(s, i) if s[i] == "{" else (None, i))
                    out.append(" %s(%s)" % (fn, latex_to_sympy_text(a)) if a is not None else " " + fn)
                    i = j
                else:
                    m2 = re.match(r"\s*(\\theta|[0-9]*[a-z]|[0-9]+)", s[i:])
                    if not m2:
                        raise ValueError("function without argument")
                    out.append(" %s(%s)" % (fn, latex_to_sympy_text(m2.group(1))))
                    i += m2.end()
            elif name in ("operatorname", "mathrm", "text", "textbf", "mbox"):
                a, i = brace_arg(s, i)
                if a.strip() in TRIG:
                    a = "\\" + a.strip()
                elif re.search("[a-zA-Z]", a):
                    raise ValueError("words in an expression")
                out.append(latex_to_sympy_text(a))
            else:
                raise ValueError("unknown macro \\" + name)
        elif s[i] in "{}":
            out.append("(" if s[i] == "{" else ")")
            i += 1
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


def unwrap(s, macros):
    """The inside of \\macro{...} when that group is the whole of s, else None."""
    for mac in macros:
        if s.startswith(mac + "{"):
            inner, end = brace_arg(s, len(mac))
            if end == len(s):
                return inner
    return None


def clean(ans):
    s = ans.strip()
    inner = unwrap(s, ["\\boxed"])
    if inner is not None:
        s = inner.strip()
    s = re.sub(r",\\!\s*", "", s)
    for a, b in [("\\left", ""), ("\\right", ""), ("\\!", ""), ("\\,", ""), ("\\;", ""), ("\\dfrac", "\\frac"),
                 ("\\tfrac", "\\frac"), ("\\displaystyle", ""), ("\\$", ""), ("$", ""), ("\\%", ""), ("%", ""),
                 ("^\\circ", ""), ("^{\\circ}", ""), ("\\degree", ""), ("°", ""), ("{,}", ","), ("π", "\\pi "),
                 ("\\infinity", "\\infty"), ("\n", " ")]:
        s = s.replace(a, b)
    s = re.sub(r"(\\text|\\mbox|\\mathrm)\{\s+[^{}]*\}(\^\{?[0-9]\}?)?\s*$", "", s)  # units
    s = re.sub(r"(\\text|\\mbox)?\{?\s*" + UNIT_WORDS + r"\s*\}?(\^\{?[0-9]\}?)?\s*$", "", s).strip()
    s = re.sub(r"^\s*(?:[a-zA-Z]{1,2}|\\theta)\s*(?:=|\\in)\s*", "", s)
    if re.fullmatch(r"-?[0-9]{1,3}((,|\\,| )[0-9]{3})+(\.[0-9]+)?", s):
        s = re.sub(r"(,|\\,| )", "", s)
    # mixed numbers: 7\frac{3}{4}, 7 3/4
    s = re.sub(r"(?<![0-9.^])([0-9]+)\s*\\frac\{([0-9]+)\}\{([0-9]+)\}", r"(\1+\\frac{\2}{\3})", s)
    s = re.sub(r"^([0-9]+)\s+([0-9]+)/([0-9]+)$", r"\1+\2/\3", s)
    return s.strip()


TRANSFORMS = sp.standard_transformations + (sp.implicit_multiplication_application, sp.rationalize)
LOCALS = dict((c, sympy.Symbol(c)) for c in "abcdefghijklmnopqrstuvwxyz")
LOCALS.update(theta=sympy.Symbol("theta"), pi=sympy.pi, oo=sympy.oo)
for fn in ["sin", "cos", "tan", "cot", "sec", "csc", "log", "sqrt", "arcsin", "arccos", "arctan"]:
    LOCALS[fn] = getattr(sympy, {"arcsin": "asin", "arccos": "acos", "arctan": "atan"}.get(fn, fn))
LOCALS["log10"] = lambda x: sympy.log(x, 10)


def to_expr(s):
    text = latex_to_sympy_text(s)
    if re.search(r"[^0-9a-z_+\-*/^().\s]", text.lower()) or "_" in text or "..." in text:
        raise ValueError("not an expression: " + text)
    return sp.parse_expr(text.lower().replace("^", "**"), local_dict=dict(LOCALS), transformations=TRANSFORMS)


def split_top(s, sep):
    parts, depth, start, i = [], 0, 0, 0
    while i < len(s):
        c = s[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif depth == 0 and s.startswith(sep, i):
            parts.append(s[start:i].strip())
            start = i + len(sep)
            i += len(sep)
            continue
        i += 1
    return parts + [s[start:].strip()]


def read(ans):
    """('text', str) | ('expr', e) | ('tuple', open, close, [r]) | ('set', [r]) | ('union', [r]) | ('matrix', rows)."""
    s = clean(ans)
    inner = unwrap(s, ["\\text", "\\textbf", "\\mbox", "\\mathrm"])
    if inner is not None:
        try:
            return read(inner)
        except Exception:
            if not re.fullmatch(r"[A-Za-z()\s]+", inner):
                raise
            return ("text", re.sub(r"[()\s]", "", inner).lower())
    m = re.fullmatch(r"\\begin\{([pb]?matrix)\}(.*)\\end\{\1\}", s, re.S)
    if m:
        return ("matrix", [[read(c) for c in row.split("&")] for row in m.group(2).split("\\\\") if row.strip()])
    if re.fullmatch(r"\([A-Za-z]\)|[A-E]|[A-Za-z]{3,}", s):
        return ("text", re.sub(r"[()]", "", s).lower())
    if len(split_top(s, "\\cup")) > 1:
        return ("union", [read(p) for p in split_top(s, "\\cup")])
    if s.startswith("\\{") and s.endswith("\\}"):
        return ("set", [read(p) for p in split_top(s[2:-2], ",")])
    pm = split_top(s, "\\pm")
    if len(pm) == 2:
        return ("set", [read(pm[0] + "+" + pm[1]), read(pm[0] + "-(" + pm[1] + ")")])
    if len(s) > 2 and s[0] in "([" and s[-1] in ")]" and len(split_top(s[1:-1], ",")) > 1:
        return ("tuple", s[0], s[-1], [read(p) for p in split_top(s[1:-1], ",")])
    if len(split_top(s, ",")) > 1:
        return ("list", [read(p) for p in split_top(s, ",")])
    if "=" in s:
        raise ValueError("equation")
    return ("expr", to_expr(s))


def expr_equal(a, b):
    """True, False, or None (undecided)."""
    if a == b:
        return True
    if a.has(sympy.oo, -sympy.oo, sympy.zoo) or b.has(sympy.oo, -sympy.oo, sympy.zoo):
        return False
    d = sympy.simplify(a - b)
    if d == 0:
        return True
    syms = sorted(d.free_symbols, key=str)
    rng = random.Random(7)
    for _ in range(4):
        pt = dict((x, sympy.Rational(rng.randint(-300, 300), rng.randint(7, 97)) + sympy.I * sympy.Rational(rng.randint(1, 90), 61)) for x in syms)
        v = sympy.N(d.subs(pt), 50)
        if v.is_number and v.is_finite and abs(v) > 1e-30:
            return False
    return None


def equal(x, y):
    if x[0] != y[0]:
        # a matrix against a tuple, a list against a set: the reading is ambiguous
        if {x[0], y[0]} == {"text", "expr"}:
            t, e = (x, y) if x[0] == "text" else (y, x)
            return len(t[1]) == 1 and e[1] == sympy.Symbol(t[1])
        return None if {x[0], y[0]} & {"list", "matrix", "set"} or {x[0], y[0]} == {"tuple", "union"} else False
    kind = x[0]
    if kind == "text":
        return x[1] == y[1]
    if kind == "expr":
        return expr_equal(x[1], y[1])
    if kind == "tuple":
        if x[1:3] != y[1:3] or len(x[3]) != len(y[3]):
            return False
        return all_equal(x[3], y[3])
    if kind in ("list",):
        return False if len(x[1]) != len(y[1]) else all_equal(x[1], y[1])
    if kind == "matrix":
        if [len(r) for r in x[1]] != [len(r) for r in y[1]]:
            return False
        return all_equal([c for r in x[1] for c in r], [c for r in y[1] for c in r])
    # sets and unions: every element of each side must equal one of the other's
    if len(x[1]) != len(y[1]):
        return False
    verdicts = [[equal(a, b) for b in y[1]] for a in x[1]]
    if all(any(v is True for v in row) for row in verdicts) and \
            all(any(verdicts[i][j] is True for i in range(len(x[1]))) for j in range(len(y[1]))):
        return True
    if any(all(v is False for v in row) for row in verdicts):
        return False
    return None


def all_equal(xs, ys):
    vs = [equal(a, b) for a, b in zip(xs, ys)]
    if any(v is False for v in vs):
        return False
    return True if all(v is True for v in vs) else None


def sympy_verdict(given, gold):
    try:
        return equal(read(given), read(gold))
    except Timeout:
        raise
    except Exception:
        return None


# --- driver ------------------------------------------------------------------

GRADER = None


def label(line):
    pair = json.loads(line)
    signal.signal(signal.SIGALRM, _alarm)
    try:
        signal.alarm(TIMEOUT_S)
        if GRADER is not None:
            pair["prm800k"] = bool(GRADER.grade_answer(pair["given"], pair["gold"]))
        signal.alarm(TIMEOUT_S)
        try:
            pair["sympy"] = sympy_verdict(pair["given"], pair["gold"])
        except Timeout:
            pair["sympy"] = None
        signal.alarm(0)
    except Timeout:
        return None
    return pair


def main():
    global GRADER
    if "--no-oracle" not in sys.argv:
        GRADER = load_grader()
    lines = [l for l in sys.stdin if l.strip()]
    workers = int(os.environ.get("LABEL_WORKERS", "2"))
    with multiprocessing.Pool(workers) as pool:
        out = pool.map(label, lines, chunksize=16)
    dropped = 0
    for p in out:
        if p is None:
            dropped += 1
            continue
        sys.stdout.write(json.dumps(p, ensure_ascii=False, separators=(",", ":")) + "\n")
    print("label_pairs: %d pairs labelled, %d dropped (oracle past %ds)" % (len(out) - dropped, dropped, TIMEOUT_S),
          file=sys.stderr)


if __name__ == "__main__":
    main()
