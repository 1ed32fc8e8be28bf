package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/sugarme/gotch/ts"

	"colash/model/checkpoint"
	"colash/model/cola"
	"colash/model/llama"
	"colash/model/tensor"
	"colash/model/tokenizer"
)

func init() {
	register("logits", "print a text's token ids and logits as JSON (with IDM codes, policy and world-model logits for CoLA)", runLogits)
}

// logitsOutput is what `colash logits` prints: one JSON object.
type logitsOutput struct {
	IDs          []int       `json:"ids"`                     // token ids, BOS first
	Logits       [][]float32 `json:"logits"`                  // backbone next-token logits per position, [T][V]
	IDMCodes     []int       `json:"idm_codes,omitempty"`     // argmax IDM code per position after the shift, [T]
	PolicyLogits [][]float32 `json:"policy_logits,omitempty"` // [T][C]
	WMCodes      []int       `json:"wm_codes,omitempty"`      // the codes that drive wm_logits, [T]
	WMLogits     [][]float32 `json:"wm_logits,omitempty"`     // world-model next-token logits per position, [T][V]
}

func runLogits(args []string) error {
	fs := flag.NewFlagSet("logits", flag.ContinueOnError)
	var mf modelFlags
	mf.register(fs)
	text := fs.String("text", "", "text to run (BOS is prepended)")
	codesFlag := fs.String("codes", "", "CoLA: comma-separated code per position driving the world model (the code at position t produces token t+1); default: the IDM's codes")
	if err := fs.Parse(args); err != nil {
		return err
	}
	path, opt, err := mf.options()
	if err != nil {
		return err
	}
	var (
		bb  *llama.Model
		cm  *cola.Model
		tok tokenizer.Tokenizer
	)
	if st, err := os.Stat(path); err == nil && st.IsDir() && cola.IsCoLA(path) {
		c, err := checkpoint.LoadCoLA(path, opt)
		if err != nil {
			return err
		}
		defer c.Free()
		cm, bb, tok = c.Model, c.Model.Model, c.Tok
		fmt.Fprintf(os.Stderr, "loaded %s: %s\n", path, c.Model)
	} else {
		l, err := checkpoint.LoadLlama(path, opt)
		if err != nil {
			return err
		}
		defer l.Free()
		bb, tok = l.Model, l.Tok
		fmt.Fprintf(os.Stderr, "loaded %s: %s\n", path, l.Model)
	}
	ids := tok.Encode(*text, tokenizer.EncodeOptions{BOS: true})
	T := len(ids)
	var forced []int
	if *codesFlag != "" {
		if cm == nil {
			return fmt.Errorf("--codes needs a CoLA model; %s is a plain Llama", path)
		}
		for _, f := range strings.Split(*codesFlag, ",") {
			k, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || k < 0 || k >= cm.Config.NumCode {
				return fmt.Errorf("--codes: %q is not a code in [0,%d)", f, cm.Config.NumCode)
			}
			forced = append(forced, k)
		}
		if len(forced) != T {
			return fmt.Errorf("--codes: %d codes for %d positions (one per token, BOS included)", len(forced), T)
		}
	}
	out := logitsOutput{IDs: ids}
	err = tensor.Guard(func() {
		s := &tensor.Scope{}
		defer s.Close()
		flat := make([]int64, T)
		for i, id := range ids {
			flat[i] = int64(id)
		}
		x := s.T(tensor.FromInt64s(flat, []int64{1, int64(T)}, bb.Device))
		batch := &llama.Batch{Pad: []int{0}}
		h := s.T(must(bb.Hidden(x, batch, nil))) // [1,T,d]
		out.Logits = rows(s.T(bb.Logits(h)), T)  // [T][V]
		if cm == nil {
			return
		}
		z := s.T(must(cm.IDMLogits(h, batch)))                             // [1,T,C]
		idm := tensor.Int64s(s.T(z.MustArgmax([]int64{-1}, false, false))) // [T]
		out.IDMCodes = make([]int, T)
		for i, k := range idm {
			out.IDMCodes[i] = int(k)
		}
		out.PolicyLogits = rows(s.T(must(cm.PolicyLogits(h, batch, nil))), T)
		out.WMCodes = out.IDMCodes
		if forced != nil {
			out.WMCodes = forced
		}
		codes := make([]int64, T)
		for i, k := range out.WMCodes {
			codes[i] = int64(k)
		}
		ct := s.T(tensor.FromInt64s(codes, []int64{1, int64(T)}, bb.Device))
		out.WMLogits = rows(s.T(must(cm.WorldModelLogits(h, ct))), T)
	})
	if err != nil {
		return err
	}
	enc := json.NewEncoder(os.Stdout)
	return enc.Encode(&out)
}

// must turns a forward call's error into a panic, for inside tensor.Guard.
func must(t *ts.Tensor, err error) *ts.Tensor {
	if err != nil {
		panic(err)
	}
	return t
}

// rows copies a [1,T,N] tensor into T rows.
func rows(t *ts.Tensor, T int) [][]float32 {
	v := tensor.Float32s(t)
	N := len(v) / T
	out := make([][]float32, T)
	for i := range out {
		out[i] = v[i*N : (i+1)*N]
	}
	return out
}
