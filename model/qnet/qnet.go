// Package qnet is the Q-network of MCTS-Q (the paper's section 2.4): a Llama with a value head
// d -> C, Q(s, .) over a CoLA's C latent codes at every position. The paper's is a separate
// Llama-3.1-8B; colash starts one from a copy of the CoLA's own backbone.
package qnet

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sugarme/gotch/ts"

	"colash/model/checkpoint"
	"colash/model/llama"
	"colash/model/nn"
	"colash/model/safetensors"
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
	*llama.Model           // walked on its own: Walk(q) lists the head only
	Head         nn.Linear `st:"value_head.weight" shape:"C,d" init:"out"`
	Codes        int
}

// New puts a fresh value head on body: seeded (weights.Init), N(0, (0.01/sqrt(d))^2), so that Q
// starts near 0, the value of most states under a sparse reward, and early TD targets are not
// the max over C codes of noise.
func New(body *llama.Model, codes int, seed uint64) (*QNet, error) {
	q := &QNet{Model: body, Codes: codes}
	d := q.dims()
	d["layers"] = 100 // the "out" init's std is 1/sqrt(d)/layers
	return q, weights.Init(q, d, seed, body.Device, body.DType)
}

func (q *QNet) dims() weights.Dims {
	d := q.Config.Dims()
	d["C"] = int64(q.Codes)
	return d
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
func (q *QNet) Params() []weights.Param { return append(weights.Walk(q.Model), weights.Walk(q)...) }

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
	weights.Free(q)
	q.Model.Free()
}

// Save writes a Q-network: the body as a Hugging Face Llama folder (with the tokenizer at
// tokPath), the head and the code count beside it.
func (q *QNet) Save(dir, tokPath string) error {
	body := &checkpoint.Model{Llama: q.Model, TokenizerPath: tokPath}
	if err := body.Save(dir, checkpoint.SaveOptions{DType: "F32"}); err != nil {
		return err
	}
	w := q.Head.W
	shape := []int{int(w.MustSize()[0]), int(w.MustSize()[1])}
	src := safetensors.TensorSource{Name: "value_head.weight", DType: "F32", Shape: shape,
		Bytes: func() ([]byte, error) { return safetensors.EncodeFloat32(tensor.Float32s(w), "F32") }}
	if err := safetensors.WriteSources(filepath.Join(dir, HeadFile), []safetensors.TensorSource{src}, nil); err != nil {
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
	q := &QNet{Model: m.Llama, Codes: cfg.NumCode}
	f, err := safetensors.Open(filepath.Join(dir, HeadFile))
	if err != nil {
		q.Model.Free()
		return nil, err
	}
	defer f.Close()
	v, err := f.ReadFloat32("value_head.weight")
	if err == nil && len(v) != q.Codes*q.Config.Dim {
		err = fmt.Errorf("qnet: value head has %d values, want %d x %d", len(v), q.Codes, q.Config.Dim)
	}
	if err == nil {
		err = tensor.Guard(func() {
			t := tensor.FromFloat32s(v, []int64{int64(q.Codes), int64(q.Config.Dim)}, q.Device)
			q.Head.W = t.MustTotype(q.DType, true)
		})
	}
	if err != nil {
		q.Model.Free()
		return nil, err
	}
	return q, nil
}
