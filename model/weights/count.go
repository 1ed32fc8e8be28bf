package weights

import "github.com/sugarme/gotch/ts"

// Count is the number of distinct weight elements: a tensor shared by tied weights counts once.
func Count(params []Param) int64 {
	seen := map[*ts.Tensor]bool{}
	var n int64
	for _, p := range params {
		if t := *p.Ptr; t != nil && !seen[t] {
			seen[t] = true
			n += int64(t.Numel())
		}
	}
	return n
}
