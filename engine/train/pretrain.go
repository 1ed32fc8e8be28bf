package train

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/sugarme/gotch"

	"colash/engine/dist"
	"colash/engine/run"
	"colash/model/checkpoint"
	"colash/model/llama"
	"colash/model/tokenizer"
)

// LMSetup is what pretraining starts from: the model's shape, its tokenizer, the text, and the
// seed of the initial weights. The command (colash train lm) and the recipes' train stage with
// stage = "lm" both fill one.
type LMSetup struct {
	Shape     string // config.json of the model's shape (vocab_size and token ids: the tokenizer's)
	Tokenizer string // tokenizer file (colash tokenizer train writes tokenizer.json)
	Data      string // training text: JSONL (Field) or plain text
	Field     string // JSONL text field
	Seq       int    // tokens per packed sequence
	AlignDocs bool   // every sequence starts at a document (PackAligned), not anywhere in the stream
	InitSeed  uint64 // seed of the initial weights
	// From is a Llama checkpoint to continue from instead of fresh weights (continued pretraining,
	// e.g. on longer sequences): its shape must be Shape's, max_position_embeddings aside.
	From   string
	Device gotch.Device
}

// Pretrain builds the Llama of s and pretrains it (stage lm, cfg) in run's loop on every rank of
// g (nil: one process). The result holds the trained weights and the tokenizer, for Save; the
// caller frees it.
func Pretrain(ctx context.Context, g *dist.Group, s LMSetup, cfg Config, o run.Options) (*checkpoint.Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	tok, err := tokenizer.LoadFile(s.Tokenizer, 0)
	if err != nil {
		return nil, err
	}
	shape, err := ReadShape(s.Shape, tok, s.Seq)
	if err != nil {
		return nil, err
	}
	docs, err := ReadDocs(s.Data, tok, DataConfig{Field: s.Field})
	if err != nil {
		return nil, err
	}
	net, err := s.initial(shape)
	if err != nil {
		return nil, err
	}
	seqs := Sequences(docs, StageLM, s.Seq, 0, s.AlignDocs)
	if w := o.Progress; w != nil {
		fmt.Fprintf(w, "model %s: %s\n", s.Shape, net)
		fmt.Fprintf(w, "data %s: %d documents, %d sequences of %d tokens\n", s.Data, len(docs), len(seqs), s.Seq)
	}
	if err := RunLMOn(ctx, g, net, seqs, cfg, o); err != nil {
		net.Free()
		return nil, err
	}
	return &checkpoint.Model{Llama: net, Tok: tok, Path: o.Out, TokenizerPath: s.Tokenizer}, nil
}

// initial is the model pretraining starts from: fresh weights, or those of s.From.
func (s LMSetup) initial(shape *llama.Config) (*llama.Model, error) {
	if s.From == "" {
		return NewLlama(shape, s.InitSeed, s.Device)
	}
	net, err := checkpoint.OpenLlama(s.From, checkpoint.Options{Device: s.Device, DType: gotch.Float}.ForTraining())
	if err != nil {
		return nil, err
	}
	c := net.Config
	if c.Dim != shape.Dim || c.FFN != shape.FFN || c.Layers != shape.Layers || c.Heads != shape.Heads ||
		c.KVHeads != shape.KVHeads || c.HeadDim() != shape.HeadDim() || c.Vocab != shape.Vocab || c.TieEmbeddings != shape.TieEmbeddings {
		net.Free()
		return nil, fmt.Errorf("continue from %s: its shape (d=%d ffn=%d layers=%d heads=%d/%d vocab=%d) is not %s's (d=%d ffn=%d layers=%d heads=%d/%d vocab=%d)",
			s.From, c.Dim, c.FFN, c.Layers, c.Heads, c.KVHeads, c.Vocab, s.Shape, shape.Dim, shape.FFN, shape.Layers, shape.Heads, shape.KVHeads, shape.Vocab)
	}
	c.MaxPositions = shape.MaxPositions // the positions may grow: that is what continuing is for
	if c.RopeTheta != shape.RopeTheta {
		c.RopeTheta = shape.RopeTheta
		net.Rope = llama.NewRope(c, s.Device, gotch.Float)
	}
	return net, nil
}

// ReadShape reads a model's shape from a config.json and completes it from the tokenizer:
// vocab_size, BOS and EOS are the tokenizer's, and packed sequences of seq tokens must fit.
func ReadShape(path string, tok tokenizer.Tokenizer, seq int) (*llama.Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("model shape: %w", err)
	}
	c := &llama.Config{}
	if err := json.Unmarshal(b, c); err != nil {
		return nil, fmt.Errorf("model shape %s: %w", path, err)
	}
	if c.Vocab != 0 && c.Vocab != tok.VocabSize() {
		return nil, fmt.Errorf("model shape %s: vocab_size %d, but the tokenizer has %d tokens (leave vocab_size out or make them equal)", path, c.Vocab, tok.VocabSize())
	}
	c.Vocab, c.BOS, c.EOS = tok.VocabSize(), tok.BOS(), llama.IDs{tok.EOS()}
	if c.ModelType == "" {
		c.ModelType = "llama"
	}
	if len(c.Architectures) == 0 {
		c.Architectures = []string{"LlamaForCausalLM"}
	}
	if seq > c.MaxPositions {
		return nil, fmt.Errorf("model shape %s: sequences of %d tokens are longer than max_position_embeddings %d", path, seq, c.MaxPositions)
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("model shape %s: %w", path, err)
	}
	return c, nil
}
