// Package search is tree search over CoLA's latent codes: MCTS-Q (the paper's section 4, the
// released mcts_utils.py), plain MCTS (rollout values only), greedy and best-of-N, all on one
// reward and one forward-token counter, over forkable model states that reuse their prefix.
package search

import (
	"fmt"
	"sort"
	"strings"
)

// Config holds every constant of a search. Math500 is the released Math500 call; CodeDefaults
// the constructor's defaults in mcts_utils.py.
type Config struct {
	CPUCT float64 `toml:"cpuct" help:"PUCT exploration weight (the paper's 0.7)"`
	Gamma float64 `toml:"gamma" help:"backup discount: q(a) = (R_c - R_self) + gamma * value_c"`
	B1    int     `toml:"b1" help:"children of the root"`
	B2    int     `toml:"b2" help:"children of every other node"`
	T     int     `toml:"rounds" help:"selection rounds per search"`
	D     int     `toml:"depth" help:"depth in tokens at which a node is terminal"`

	TDGamma     float64 `toml:"td_gamma" help:"discount of the TD uncertainty (Q(s,a) - td_gamma * max Q(s',.))^2"`
	Uncertainty float64 `toml:"uncertainty" help:"below it a child is \"confident\" and extends greedily (.py: 0.01)"`
	ExtendMax   int     `toml:"extend" help:"tokens a confident child extends by (.py: 64)"`
	SimTokens   int     `toml:"sim_tokens" help:"rollout length from a new child (.py: 1024)"`
	Temperature float64 `toml:"temperature" help:"code-sampling temperature of extensions and rollouts (.py: 0.5)"`
	TopK        int     `toml:"top_k" help:"code-sampling top-k (the paper's latent sampling: 40)"`
	MaxTries    int     `toml:"max_tries" help:"codes tried per expansion (.py: 10)"`
	Distinct    bool    `toml:"distinct" help:"a node's children are distinct tokens: a code whose token a child has adds its probability to that child (false: a child per code, as released)"`
	DepthWindow int     `toml:"depth_window" help:"selection ignores nodes shallower than the deepest minus this (.py: 100)"`
	RootPrior   float64 `toml:"root_prior" help:"policy_prob of the root (.py: 0.5)"`

	// Variant "py" is the committed mcts_utils.py (multi-token nodes under the TD rule); "pyc"
	// the older compiled one: single-token nodes, terminal when the TD uncertainty (with the
	// reward at EOS) is below PycUncertainty, the reward computed at EOS inside expansion.
	Variant        string  `toml:"variant" help:"py (the committed mcts_utils.py) or pyc (the older compiled variant)"`
	PycUncertainty float64 `toml:"pyc_uncertainty" help:"pyc variant: the TD uncertainty below which a node is terminal (.pyc: 0.002)"`

	// AnswerTokens caps an answer (earlier searches' text + path + rollout) in tokens, so that
	// methods compare on answers of one length (0: no cap, as released: rollouts of SimTokens
	// from any depth). Rollouts and extensions stop at the cap and so does the driver.
	AnswerTokens int `toml:"answer_tokens" help:"cap on an answer's length in tokens, for every method (0: none, as released)"`

	Restarts       int `toml:"restarts" help:"driver: searches re-run from the best partial text (max_mcts_num 4)"`
	CompleteTokens int `toml:"complete_tokens" help:"driver: normal generation that completes a partial answer (1024)"`

	// Budget stops a search (and the driver) once this many forward tokens are spent (0: the
	// T rounds alone bound it). A colash addition, for comparisons at equal compute. Inside Run
	// it is the model counter's value at which the problem's budget is spent.
	Budget int64 `toml:"budget" help:"forward tokens per problem (0: T rounds / N samples bound it)"`
}

// Math500 is the call behind the paper's Math500 number:
// MCTS(model, qmodel, tok, cpuct=0.7, gamma=0.99, b1=4, b2=2, T=128, D=256).
func Math500() Config {
	c := CodeDefaults()
	c.B1, c.B2, c.T, c.D = 4, 2, 128, 256
	return c
}

// CodeDefaults are MCTS.__init__'s defaults: cpuct 0.7, gamma 0.9, b1 5, b2 4, T 32, D 64. The
// code stores gamma on MCTS but never passes it on: backup and the TD rule both use Node.gamma,
// fixed at 0.99, so Gamma and TDGamma are 0.99 in both configurations.
func CodeDefaults() Config {
	return Config{CPUCT: 0.7, Gamma: 0.99, B1: 5, B2: 4, T: 32, D: 64,
		TDGamma: 0.99, Uncertainty: 0.01, ExtendMax: 64, SimTokens: 1024, Temperature: 0.5, TopK: 40,
		MaxTries: 10, DepthWindow: 100, RootPrior: 0.5, Variant: "py", PycUncertainty: 0.002,
		Restarts: 4, CompleteTokens: 1024}
}

var named = map[string]func() Config{"math500": Math500, "code-default": CodeDefaults}

// Named returns a configuration by name: "math500" or "code-default".
func Named(name string) (Config, error) {
	if f, ok := named[name]; ok {
		return f(), nil
	}
	var names []string
	for n := range named {
		names = append(names, n)
	}
	sort.Strings(names)
	return Config{}, fmt.Errorf("search: unknown configuration %q (have %s)", name, strings.Join(names, ", "))
}

// Validate reports a configuration that cannot run.
func (c Config) Validate() error {
	switch {
	case c.B1 <= 0 || c.B2 <= 0:
		return fmt.Errorf("search: breadths b1 %d, b2 %d must be positive", c.B1, c.B2)
	case c.T <= 0 || c.D <= 0:
		return fmt.Errorf("search: T %d and D %d must be positive", c.T, c.D)
	case c.Variant != "py" && c.Variant != "pyc":
		return fmt.Errorf("search: variant %q (want py or pyc)", c.Variant)
	case c.MaxTries <= 0:
		return fmt.Errorf("search: max tries %d must be positive", c.MaxTries)
	}
	return nil
}

// breadth is b1 at the root, b2 elsewhere.
func (c Config) breadth(n *Node) int {
	if n.Parent == nil {
		return c.B1
	}
	return c.B2
}
