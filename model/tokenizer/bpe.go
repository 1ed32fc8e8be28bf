package tokenizer

import "container/heap"

// noRank marks a pair of parts that does not merge into a token.
const noRank = int(^uint(0) >> 1)

// longPiece is the length from which mergeLong's O(n log n) algorithm is
// used instead of the simple quadratic scan, so a huge run of letters or
// spaces cannot stall encoding.
const longPiece = 128

// appendPiece appends the ids of one pre-tokenized piece. Ranks equal ids.
func (t *BPE) appendPiece(dst []int, piece string) []int {
	if id, ok := t.ranks[piece]; ok {
		return append(dst, id)
	}
	if len(piece) >= longPiece {
		return t.mergeLong(dst, piece)
	}
	return t.mergeShort(dst, piece)
}

// rankOf returns the rank of s, or noRank when s is not a token.
func (t *BPE) rankOf(s string) int {
	if r, ok := t.ranks[s]; ok {
		return r
	}
	return noRank
}

// mergeShort repeatedly merges the adjacent pair of parts whose union has
// the lowest rank (leftmost on ties) until no pair is a token.
// starts[k] is where part k begins; pairRank[k] ranks parts k and k+1.
func (t *BPE) mergeShort(dst []int, piece string) []int {
	var startsBuf, ranksBuf [longPiece + 1]int
	n := len(piece)
	starts := startsBuf[:n+1]
	pairRank := ranksBuf[:n]
	for k := range starts {
		starts[k] = k
	}
	for k := 0; k+1 < n; k++ {
		pairRank[k] = t.rankOf(piece[k : k+2])
	}
	pairRank[n-1] = noRank
	parts := n
	for parts > 1 {
		best, bestRank := -1, noRank
		for k := 0; k+1 < parts; k++ {
			if pairRank[k] < bestRank {
				best, bestRank = k, pairRank[k]
			}
		}
		if best < 0 {
			break
		}
		// Part best absorbs part best+1.
		copy(starts[best+1:], starts[best+2:parts+1])
		copy(pairRank[best+1:], pairRank[best+2:parts])
		parts--
		pairRank[parts-1] = noRank
		if best+1 < parts {
			pairRank[best] = t.rankOf(piece[starts[best]:starts[best+2]])
		} else {
			pairRank[best] = noRank
		}
		if best > 0 {
			pairRank[best-1] = t.rankOf(piece[starts[best-1]:starts[best+1]])
		}
	}
	for k := 0; k < parts; k++ {
		dst = append(dst, t.ranks[piece[starts[k]:starts[k+1]]])
	}
	return dst
}

// mergeLong gives the same result as mergeShort using a doubly linked list
// of parts and a heap of candidate pairs ordered by (rank, position).
func (t *BPE) mergeLong(dst []int, piece string) []int {
	n := len(piece)
	next := make([]int, n) // next[k]: start of the part after the part at k (n at the end)
	prev := make([]int, n) // prev[k]: start of the part before (-1 at the front)
	for k := range next {
		next[k], prev[k] = k+1, k-1
	}
	alive := make([]bool, n)
	for k := range alive {
		alive[k] = true
	}
	h := make(pairHeap, 0, n)
	push := func(left int) {
		right := next[left]
		if right >= n {
			return
		}
		if r := t.rankOf(piece[left:next[right]]); r != noRank {
			h = append(h, pairCandidate{rank: r, left: left, end: next[right]})
			heap.Fix(&h, len(h)-1)
		}
	}
	for k := 0; k+1 < n; k++ {
		push(k)
	}
	for len(h) > 0 {
		c := heap.Pop(&h).(pairCandidate)
		right := next[c.left]
		// Stale if the left part was absorbed or either part has grown.
		if !alive[c.left] || right >= n || next[right] != c.end {
			continue
		}
		alive[right] = false
		next[c.left] = c.end
		if c.end < n {
			prev[c.end] = c.left
		}
		if p := prev[c.left]; p >= 0 {
			push(p)
		}
		push(c.left)
	}
	for k := 0; k < n; k = next[k] {
		dst = append(dst, t.ranks[piece[k:next[k]]])
	}
	return dst
}

// pairCandidate proposes merging the part starting at left with the part
// after it, giving a token of the given rank that ends at end.
type pairCandidate struct{ rank, left, end int }

type pairHeap []pairCandidate

func (h pairHeap) Len() int { return len(h) }
func (h pairHeap) Less(i, j int) bool {
	if h[i].rank != h[j].rank {
		return h[i].rank < h[j].rank
	}
	return h[i].left < h[j].left
}
func (h pairHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *pairHeap) Push(x any)   { *h = append(*h, x.(pairCandidate)) }
func (h *pairHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
