package train

import (
	"fmt"

	"github.com/sugarme/gotch"
	ts "github.com/sugarme/gotch/ts"

	"colash/model/llama"
	"colash/model/tensor"
)

// NLL is a Llama's mean next-token negative log-likelihood (nats per token) on held-out
// documents, packed into seq-token sequences as the report packs them (the first maxSeqs; 0: all),
// over the tokens each document trains on. n is how many tokens were scored.
func NLL(m *llama.Model, docs []Doc, seq, maxSeqs int) (mean float64, n int, err error) {
	seqs, err := heldOutSeqs(docs, seq, maxSeqs)
	if err != nil {
		return 0, 0, fmt.Errorf("nll: %w", err)
	}
	var sum float64
	err = heldOutBatches(seqs, m.Device, func(s *tensor.Scope, part []Seq, x, tgt, mask *ts.Tensor, cnt int) {
		h := own(s)(m.Hidden(x, &llama.Batch{Pad: make([]int, len(part))}, nil))
		v := s.T(nll(s.T(m.Logits(head(h, s))), tgt, s).MustMul(mask, false))
		sum += scalar(s.T(v.MustSum(gotch.Double, false)))
		n += cnt
	})
	if err != nil {
		return 0, 0, fmt.Errorf("nll: %w", err)
	}
	return sum / float64(max(n, 1)), n, nil
}

// heldOutSeqs packs held-out documents into seq-token sequences, the first maxSeqs (0: all).
func heldOutSeqs(docs []Doc, seq, maxSeqs int) ([]Seq, error) {
	seqs := Pack(docs, seq)
	if maxSeqs > 0 && len(seqs) > maxSeqs {
		seqs = seqs[:maxSeqs]
	}
	if len(seqs) == 0 {
		return nil, fmt.Errorf("held-out data shorter than one sequence of %d", seq)
	}
	return seqs, nil
}

// heldOutBatches runs f on the sequences 16 at a time, each batch's input, targets and loss mask
// ([B,T], [B,T-1], [B,T-1]) and its count of scored tokens in a scope of its own.
func heldOutBatches(seqs []Seq, dev gotch.Device, f func(s *tensor.Scope, part []Seq, x, tgt, mask *ts.Tensor, n int)) error {
	for at := 0; at < len(seqs); at += 16 {
		part := seqs[at:min(at+16, len(seqs))]
		if err := tensor.Guard(func() {
			s := &tensor.Scope{}
			defer s.Close()
			x, tgt, mask, n := batchTensors(part, dev, s)
			f(s, part, x, tgt, mask, n)
		}); err != nil {
			return err
		}
	}
	return nil
}
