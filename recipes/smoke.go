package recipes

// Smoke shrinks every stage to seconds of work, keeping its shape (the same stages, kinds,
// models and data flow), so that CI can run every recipe end to end: `colash recipe run --smoke`.
func (r *Recipe) Smoke() {
	r.smoke = true
	for i := range r.Stages {
		s := &r.Stages[i]
		switch {
		case s.Sample != nil:
			s.Sample.Tokens = min(s.Sample.Tokens, 4096)
			s.Sample.Batch = min(s.Sample.Batch, 16)
			s.Sample.Len = min(s.Sample.Len, 128)
		case s.Train != nil:
			t := s.Train
			t.Steps, t.Batch, t.Accum = min(t.Steps, 4), min(t.Batch, 4), 1
			t.Warmup, t.Seq, t.SaveEvery = min(t.Warmup, 1), min(t.Seq, 64), 2
		case s.RL != nil:
			j := s.RL
			j.Steps, j.Prompts, j.Group = min(j.Steps, 2), min(j.Prompts, 2), min(j.Group, 2)
			j.MaxTokens, j.Warmup, j.HeldOut, j.SaveEvery = min(j.MaxTokens, 16), 0, min(j.HeldOut, 2), 1
		case s.Report != nil:
			s.Report.Samples, s.Report.Tokens = min(s.Report.Samples, 2), min(s.Report.Tokens, 8)
		case s.RM != nil:
			c := s.RM
			c.Limit, c.Batch, c.MicroBatch = min(max(c.Limit, 8), 8), min(c.Batch, 4), min(max(c.MicroBatch, 4), 4)
			c.Epochs, c.MaxLen, c.SaveEvery, c.Warmup, c.EvalEvery = 1, min(c.MaxLen, 48), 1, 0, 0
		case s.QCollect != nil:
			c := s.QCollect
			c.Problems, c.Samples, c.MaxTokens = min(c.Problems, 2), min(c.Samples, 2), min(c.MaxTokens, 12)
		case s.QTrain != nil:
			t := s.QTrain
			t.Steps, t.Batch, t.Warmup, t.SaveEvery = min(t.Steps, 2), min(t.Batch, 2), 0, 1
		case s.Search != nil:
			j := s.Search
			j.N, j.Samples, j.T, j.D = min(j.N, 2), min(j.Samples, 2), min(j.T, 2), min(j.D, 8)
			j.SimTokens, j.ExtendMax, j.CompleteTokens, j.Restarts = min(j.SimTokens, 8), min(j.ExtendMax, 4), min(j.CompleteTokens, 8), min(j.Restarts, 1)
			if j.Budget > 0 {
				j.Budget = min(j.Budget, 400)
			}
		case s.Corpus != nil:
			c := s.Corpus
			c.CD3, c.CD4, c.Arith, c.Household = min(c.CD3, 40), min(c.CD4, 40), min(c.Arith, 40), min(c.Household, 20)
			c.HouseholdDetours, c.HouseholdInvented = min(c.HouseholdDetours, 10), min(c.HouseholdInvented, 10)
		case s.TaskEval != nil:
			s.TaskEval.N, s.TaskEval.MaxTokens = min(s.TaskEval.N, 4), min(max(s.TaskEval.MaxTokens, 16), 16)
		case s.Eval != nil:
			e := s.Eval
			e.N, e.Samples, e.MaxTokens = 2, min(e.Samples, 2), min(e.MaxTokens, 16)
		}
	}
}
