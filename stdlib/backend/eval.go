package backend

// Problem is one benchmark item: MATH's schema (Level 1..5; 0 when unknown).
type Problem struct {
	ID, Problem, Solution, Answer, Subject string
	Level                                  int
}

// EvalRuntime gives scripts the benchmarks and the grader that ship inside the binary
// (engine/eval), which scripts cannot import themselves: it links the tensor engine.
type EvalRuntime interface {
	// Math500 is the MATH-500 test split in file order.
	Math500() []Problem
	// Grade says whether given matches gold: PRM800K's grader, or only sound readings when strict.
	Grade(given, gold string, strict bool) bool
	// ExtractAnswer is a completion's final answer (\boxed{}, "####", "The answer is").
	ExtractAnswer(completion string) (string, bool)
}
