package search

import (
	"fmt"
	"strings"
	"time"
)

// Node is one node of a search tree: the prompt at the root, else the tokens its edge added.
type Node struct {
	Parent   *Node
	Children []*Node
	Code     int   // the code the edge was expanded with (-1 at the root)
	Tokens   []int // tokens the edge added (first from Code, the rest from an extension)
	Codes    []int // the code of each of Tokens
	Depth    int   // tokens from the root
	Terminal bool  // EOS reached or Depth >= D: never selected
	EOS      bool  // the edge ended with EOS

	R          float64 // the reward of this node's rollout
	Rollout    []int   // that rollout's tokens, after the node's own
	Value      float64 // visit-weighted backed-up value
	Visits     int
	PolicyProb float64         // prior in PUCT: prior / len(Tokens)
	Q          map[int]float64 // q(a) of each child code after backup
	Uncertain  float64         // the TD uncertainty measured when the edge was expanded

	state  State
	probs  []float64 // policy at the node's last position, codes tried set to -1
	q      []float64 // Q(s, .) at the node's last position (nil without a Q-network)
	scored bool      // R is set (the .pyc scores an EOS child inside expansion)
	prior  float64   // the probability of the edge's code (with Distinct, of every code tried whose token is Tokens[0])
}

// Path is the tokens from the root to n.
func (n *Node) Path() []int {
	if n.Parent == nil {
		return nil
	}
	return append(n.Parent.Path(), n.Tokens...)
}

// Answer is the node's path followed by its rollout.
func (n *Node) Answer() []int { return append(n.Path(), n.Rollout...) }

// Stats is the cost of a search.
type Stats struct {
	Forward  Counter // forward tokens per module
	Nodes    int     // nodes in the tree, root included
	Rollouts int     // simulations run
	Rounds   int     // selection rounds
	Searches int     // searches the driver ran (restarts + 1)
	// Judged and Confident count MCTS-Q's children under the TD rule: those whose uncertainty
	// was measured, and those below the variant's threshold (the .py extends them, the .pyc
	// makes them terminal).
	Judged, Confident int
	// Merged counts codes whose token a sibling already had (Config.Distinct).
	Merged int
	Time   time.Duration // wall time
}

// Tree is a finished search: the root, the answer it chose and what it cost.
type Tree struct {
	Root   *Node
	Answer []int   // tokens after the prompt: the driver's answer
	Reward float64 // that answer's reward
	Stats  Stats
}

// Nodes lists the tree breadth-first, root first.
func (t *Tree) Nodes() []*Node { return bfs(t.Root) }

func bfs(root *Node) []*Node {
	out := []*Node{root}
	for i := 0; i < len(out); i++ {
		out = append(out, out[i].Children...)
	}
	return out
}

// Best is the node whose rollout scored highest; ties go to the last in breadth-first order,
// as get_response walks the list in reverse with a strict comparison. The root is not a
// candidate; nil when the tree has no child.
func (t *Tree) Best() *Node { return best(t.Root) }

func best(root *Node) *Node {
	nodes := bfs(root)[1:]
	var b *Node
	for i := len(nodes) - 1; i >= 0; i-- {
		if b == nil || nodes[i].R > b.R {
			b = nodes[i]
		}
	}
	return b
}

// Format writes the tree to depth levels (negative: all), one node a line, with decode turning
// tokens into text.
func (t *Tree) Format(depth int, decode func([]int) string) string {
	var b strings.Builder
	var walk func(n *Node, indent string, level int)
	walk = func(n *Node, indent string, level int) {
		fmt.Fprintf(&b, "%s%s\n", indent, n.Label(decode))
		if depth >= 0 && level >= depth {
			return
		}
		for _, c := range n.Children {
			walk(c, indent+"  ", level+1)
		}
	}
	walk(t.Root, "", 0)
	return b.String()
}

// Label is one line about n: code, visits, value, rollout reward and text.
func (n *Node) Label(decode func([]int) string) string {
	if n.Parent == nil {
		return fmt.Sprintf("root visits=%d value=%.3f", n.Visits, n.Value)
	}
	mark := ""
	if n.EOS {
		mark = " eos"
	}
	return fmt.Sprintf("code=%d visits=%d value=%.3f R=%.3f%s %q", n.Code, n.Visits, n.Value, n.R, mark, decode(n.Tokens))
}
