package qlearn

import (
	"fmt"
	"sort"

	"colash/model/llama"
	"colash/model/qnet"
	"colash/model/tensor"
)

// Assessment is a Q-network measured on held-out samples.
type Assessment struct {
	TDLoss float64 `json:"td_loss"` // the double-DQN loss with the network as its own target
	MCLoss float64 `json:"mc_loss"` // the squared error to each code's Monte-Carlo return
	// AUC is how often Q(s_0, a_0), the value of a sample's first code, ranks a sample that
	// succeeded (reward > 0) above one that did not: 0.5 is chance.
	AUC       float64 `json:"auc_first_code"`
	Positives int     `json:"positives"`
	Samples   int     `json:"samples"`
}

// CheckHeldOut refuses held-out samples from a problem an evaluation of its first evalN problems
// uses (colash search --n): a Q-network assessed on the problems it will search would report
// how well it knows them, not how well it generalises.
func CheckHeldOut(data []Sample, evalN int) error {
	for i, s := range data {
		if s.Problem < evalN {
			return fmt.Errorf("held-out sample %d is from problem %d, which an evaluation of the first %d problems uses: "+
				"collect held-out samples with --from %d (or give --eval-n the evaluation's --n)", i+1, s.Problem, evalN, evalN)
		}
	}
	return nil
}

// Assess measures q on samples it was not trained on.
func Assess(q *qnet.QNet, data []Sample, gamma float64) (Assessment, error) {
	a := Assessment{Samples: len(data)}
	td := &Trainer{Online: q, Target: q, Cfg: Config{Gamma: gamma}}
	mc := &Trainer{Online: q, Cfg: Config{Gamma: gamma, Targets: TargetsMC}}
	var first []float64
	err := tensor.Guard(func() {
		tensor.NoGrad(func() {
			for i := 0; i < len(data); i += 16 {
				b := data[i:min(i+16, len(data))]
				sc := &tensor.Scope{}
				l, _ := td.loss(b, takenCodes(b), sc)
				a.TDLoss += float64(len(b)) * float64(tensor.Float32s(sc.T(l))[0]) / float64(len(data))
				l, _ = mc.loss(b, takenCodes(b), sc)
				a.MCLoss += float64(len(b)) * float64(tensor.Float32s(sc.T(l))[0]) / float64(len(data))
				sc.Close()
			}
			for _, s := range data {
				x, err := q.Tokens(toInt64s(s.PromptIDs), 1, len(s.PromptIDs))
				if err != nil {
					panic(err)
				}
				v, err := q.QValues(x, &llama.Batch{Pad: []int{0}}, nil) // [1,T,C]
				x.MustDrop()
				if err != nil {
					panic(err)
				}
				row := tensor.Float32s(v)
				v.MustDrop()
				first = append(first, float64(row[(len(s.PromptIDs)-1)*q.Codes+s.Codes[0]]))
			}
		})
	})
	if err != nil {
		return a, err
	}
	a.AUC, a.Positives = auc(first, data)
	return a, nil
}

// auc is the Mann-Whitney statistic of scores between samples with reward > 0 and the others.
func auc(score []float64, data []Sample) (float64, int) {
	idx := make([]int, len(score))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(i, j int) bool { return score[idx[i]] < score[idx[j]] })
	rankSum, pos := 0.0, 0
	for r, i := range idx {
		if data[i].Reward > 0 {
			rankSum += float64(r + 1)
			pos++
		}
	}
	neg := len(score) - pos
	if pos == 0 || neg == 0 {
		return 0.5, pos
	}
	return (rankSum - float64(pos*(pos+1))/2) / float64(pos*neg), pos
}

func toInt64s(v []int) []int64 {
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return out
}
