package optim

import (
	"colash/engine/dist"
	"colash/model/tensor"
)

// AllReduceGrads reduces params' gradients over g's ranks in place (op Sum when each rank's loss
// is already its share of the global batch's, Avg when each is scaled as one process's): the one
// collective of a data-parallel update, before clipping and the step. A nil group or a world of
// one leaves the gradients alone (undefined ones stay undefined, as on one process).
func AllReduceGrads(g *dist.Group, params []Param, op dist.Op) error {
	if g == nil || g.Size() == 1 {
		return nil
	}
	grads, err := Grads(params)
	defer func() { tensor.Drop(grads...) }()
	if err != nil {
		return err
	}
	return g.AllReduceMany(grads, op)
}
