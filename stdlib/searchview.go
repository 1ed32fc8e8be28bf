package colash

import (
	"fmt"
	"html"
	"strings"
)

// treeDepth is how deep a search tree shown as a notebook value is drawn: deep enough to see
// the search's first choices, small enough to read (t.View draws other depths).
const treeDepth = 3

// SearchView is a search tree drawn to a depth, for a notebook: t.View(depth).
type SearchView struct {
	t     *SearchTree
	depth int
}

// View is the tree drawn to depth levels (0: all) as a notebook shows it: text, and HTML whose
// nodes fold.
func (t *SearchTree) View(depth int) *SearchView { return &SearchView{t: t, depth: depth} }

// summary is the answer, its reward and the search's counts, without the time (so that a
// notebook's output is the same on every run).
func (v *SearchView) summary() string {
	st := v.t.Stats()
	return fmt.Sprintf("%q  reward %.3f  (%d forward tokens, %d nodes, %d rollouts)", v.t.Answer, v.t.Reward, st.Forward, st.Nodes, st.Rollouts)
}

func (v *SearchView) String() string { return v.summary() + "\n" + v.t.render(v.depth) }

// Display renders the tree as text and as nested, collapsible HTML (a details element per
// node with children): code, visits, value, rollout reward and text of every node.
func (v *SearchView) Display() map[string][]byte {
	var b strings.Builder
	fmt.Fprintf(&b, "<div class=\"colash-search\">\n<p>%s</p>\n", html.EscapeString(v.summary()))
	b.WriteString("<ul style=\"list-style:none;padding-left:0\">\n")
	writeNodeHTML(&b, v.t.r.Root, 0, v.depth)
	b.WriteString("</ul>\n</div>\n")
	return map[string][]byte{"text/plain": []byte(v.String()), "text/html": []byte(b.String())}
}

// Display is the tree drawn to treeDepth levels (View).
func (t *SearchTree) Display() map[string][]byte { return t.View(treeDepth).Display() }

// writeNodeHTML writes n as a list item; its children nest below it in a details element
// (open for the top two levels) until depth, past which only their number is said.
func writeNodeHTML(b *strings.Builder, n *SearchNode, level, depth int) {
	label := nodeHTML(n)
	switch {
	case len(n.Children) == 0:
		fmt.Fprintf(b, "<li>%s</li>\n", label)
	case depth > 0 && level >= depth:
		fmt.Fprintf(b, "<li>%s <i>(%d nodes below)</i></li>\n", label, countBelow(n))
	default:
		open := ""
		if level < 2 {
			open = " open"
		}
		fmt.Fprintf(b, "<li><details%s><summary>%s</summary>\n<ul style=\"list-style:none;padding-left:1.5em\">\n", open, label)
		for _, c := range n.Children {
			writeNodeHTML(b, c, level+1, depth)
		}
		b.WriteString("</ul></details></li>\n")
	}
}

func nodeHTML(n *SearchNode) string {
	stats := fmt.Sprintf("visits %d value %.3f", n.Visits, n.Value)
	if n.Code < 0 && n.Text == "" {
		return fmt.Sprintf("<b>root</b> <small>%s</small>", stats)
	}
	return fmt.Sprintf("<code>code %d</code> %s <small>%s R %.3f</small>", n.Code,
		html.EscapeString(fmt.Sprintf("%q", n.Text)), stats, n.R)
}

func countBelow(n *SearchNode) int {
	c := 0
	for _, ch := range n.Children {
		c += 1 + countBelow(ch)
	}
	return c
}
