// Package tasks holds the verifiable task families of the reasoning testbed: countdown (reach a
// target from a few numbers with + - * / and parentheses) and arith (evaluate an integer
// expression). Each family has a seeded generator, a prompt format, a writer of worked solutions
// (the training text), and an exact verifier (the reward for RL, search and evaluation).
//
// The model reads characters, so every prompt and solution uses only the characters of Alphabet;
// its context is 384 characters, so a prompt with its worked solution fits in MaxChars.
//
// A completion is judged by the text after its FIRST "Answer:" up to the end of that line: the
// model is trained to stop after one answer, and a later second guess must not earn a reward.
package tasks

import "strings"

// Alphabet lists every character a prompt or worked solution may use.
const Alphabet = "abcdefghijklmnopqrstuvwxyz0123456789 \n+-*/()=:,.>?A"

// MaxChars bounds len(prompt)+len(solution) for generated problems (cd3, cd4 and arith), leaving
// room in the 384-character context for the end-of-text token.
const MaxChars = 380

// answerTag starts the line a verifier reads.
const answerTag = "Answer:"

// maxAnswerLen bounds the answer text a verifier parses, so a runaway completion costs nothing:
// any real answer is a few dozen characters.
const maxAnswerLen = 512

// answerText returns the text after the first "Answer:" of completion up to the end of its line,
// without surrounding spaces, and whether there was an Answer line at all.
func answerText(completion string) (string, bool) {
	i := strings.Index(completion, answerTag)
	if i < 0 {
		return "", false
	}
	rest := completion[i+len(answerTag):]
	if j := strings.IndexByte(rest, '\n'); j >= 0 {
		rest = rest[:j]
	}
	return strings.Trim(rest, " "), true
}
