// Package qnet is the Q-network of MCTS-Q (the paper's section 2.4): a Llama with a value head
// d -> C, Q(s, .) over a CoLA's C latent codes at every position. The paper's is a separate
// Llama-3.1-8B; colash starts one from a copy of the CoLA's own backbone.
package qnet

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/sugarme/gotch/ts"

	"colash/model/checkpoint"
	"colash/model/head"
	"colash/model/llama"
	"colash/model/tensor"
	"colash/model/weights"
)

// HeadFile and ConfigFile sit beside the Llama folder of a saved Q-network.
const (
	HeadFile   = "value_head.safetensors"
	ConfigFile = "qnet.json"
)

// QNet is Q(s, .) = value_head(h) for h = the Llama's post-norm hidden state, [B,T,C].
type QNet struct {
	*llama.Model
	Head  *head.Head // "value_head": W [C,d], no bias, in the body's dtype
	Codes int
}

// headName names the head's tensor value_head.weight.
const headName = "value_head"

// New puts a fresh value head on body: seeded, N(0, (0.01/sqrt(d))^2), so that Q starts near 0,
// the value of most states under a sparse reward, and early TD targets are not the max over C
// codes of noise. The draw is weights.Init's for a tensor of that name, so a seed gives the
// values it gave when the head was initialised as a tagged weight.
func New(body *llama.Model, codes int, seed uint64) (*QNet, error) {
	d := body.Config.Dim
	h, err := newHead(body, codes, 1/math.Sqrt(float64(d))/100, seed)
	if err != nil {
		return nil, err
	}
	return &QNet{Model: body, Head: h, Codes: codes}, nil
}

// newHead is a value head for body over codes codes (std 0: zeros).
func newHead(body *llama.Model, codes int, std float64, seed uint64) (*head.Head, error) {
	return head.New(head.Config{Name: headName, In: body.Config.Dim, Out: codes, Std: std,
		Stream: weights.Stream(headName + ".weight"), Device: body.Device, DType: body.DType}, seed)
}

// QValues is Q(s_t, .) at every position of tokens [B,T] (the batch's next T slots), [B,T,C].
func (q *QNet) QValues(tokens *ts.Tensor, batch *llama.Batch, cache *llama.KVCache) (*ts.Tensor, error) {
	h, err := q.Hidden(tokens, batch, cache) // [B,T,d]
	if err != nil {
		return nil, err
	}
	defer h.MustDrop()
	var out *ts.Tensor
	err = tensor.Guard(func() { out = q.Head.Forward(h) })
	return out, err
}

// Params lists every weight, body first.
func (q *QNet) Params() []weights.Param {
	return append(weights.Walk(q.Model), q.Head.Params()...)
}

// CopyFrom copies src's weights into q (a target network's hard update).
func (q *QNet) CopyFrom(src *QNet) error {
	dst, from := q.Params(), src.Params()
	if len(dst) != len(from) {
		return fmt.Errorf("qnet: copy between networks of %d and %d weights", len(from), len(dst))
	}
	return tensor.Guard(func() {
		tensor.NoGrad(func() {
			for i, p := range dst {
				w := (*p.Ptr).MustDetach(false)
				w.Copy_(*from[i].Ptr)
				w.MustDrop()
			}
		})
	})
}

// Free releases body and head.
func (q *QNet) Free() {
	q.Head.Free()
	q.Head = nil
	q.Model.Free()
}

// Save writes a Q-network: the body as a Hugging Face Llama folder (with the tokenizer at
// tokPath), the head and the code count beside it.
func (q *QNet) Save(dir, tokPath string) error {
	body := &checkpoint.Model{Llama: q.Model, TokenizerPath: tokPath}
	if err := body.Save(dir, checkpoint.SaveOptions{DType: "F32"}); err != nil {
		return err
	}
	if err := q.Head.Save(filepath.Join(dir, HeadFile)); err != nil {
		return err
	}
	return checkpoint.WriteJSON(filepath.Join(dir, ConfigFile), map[string]int{"num_code": q.Codes})
}

// Load reads a Q-network written by Save.
func Load(dir string, opt checkpoint.Options) (*QNet, error) {
	b, err := os.ReadFile(filepath.Join(dir, ConfigFile))
	if err != nil {
		return nil, fmt.Errorf("qnet: %s is not a Q-network folder (colash qnet train writes one): %w", dir, err)
	}
	var cfg struct {
		NumCode int `json:"num_code"`
	}
	if err := json.Unmarshal(b, &cfg); err != nil || cfg.NumCode <= 0 {
		return nil, fmt.Errorf("qnet: %s: bad %s", dir, ConfigFile)
	}
	m, err := checkpoint.Open(dir, opt)
	if err != nil {
		return nil, err
	}
	h, err := newHead(m.Llama, cfg.NumCode, 0, 0)
	if err == nil {
		if err = h.Load(filepath.Join(dir, HeadFile)); err != nil {
			h.Free()
		}
	}
	if err != nil {
		m.Llama.Free()
		return nil, fmt.Errorf("qnet: %w", err)
	}
	return &QNet{Model: m.Llama, Head: h, Codes: cfg.NumCode}, nil
}
