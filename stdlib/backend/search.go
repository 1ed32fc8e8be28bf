package backend

import "context"

// SearchOptions configure a search over latent codes started from a script.
type SearchOptions struct {
	Method       string                                  // greedy, best-of-n, mcts, mcts-q
	Config       string                                  // named constants: math500 (default), code-default
	Budget       int64                                   // forward tokens (0: the rounds bound it)
	Reward       func(prompt, completion string) float64 // scores answers, on one goroutine
	RewardModel  string                                  // or a reward model folder scores them (batched)
	QNet         string                                  // Q-network folder, for mcts-q
	AnswerTokens int                                     // cap on an answer's tokens (0: none)
	SimTokens    int                                     // rollout length (0: the configuration's)
	Rounds       int                                     // selection rounds (0: the configuration's)
	N            int                                     // best-of-n samples without a budget
	NoReuse      bool                                    // recompute prefixes (to measure reuse)
	Seed         uint64
}

// SearchNode is one node of a finished search: the text its edge added and its statistics.
type SearchNode struct {
	Code, Visits int
	Value, R     float64
	Text         string // the tokens of the edge
	Rollout      string // the simulation that followed it
	EOS          bool
	Children     []*SearchNode
}

// SearchResult is a finished search.
type SearchResult struct {
	Root                       *SearchNode
	Answer                     string
	Reward                     float64
	Backbone, Policy, World, Q int64 // forward tokens by module
	Nodes, Rollouts, Searches  int
	Seconds                    float64
}

// SearchModel is implemented by CoLA models: search over their latent codes.
type SearchModel interface {
	Search(ctx context.Context, prompt []int, o SearchOptions) (*SearchResult, error)
}
