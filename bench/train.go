package bench

import (
	"bufio"
	"context"
	_ "embed"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sugarme/gotch"

	"colash/engine/train"
	"colash/model/llama"
	"colash/model/tensor"
	"colash/model/weights"
	"colash/models"
)

//go:embed testdata/torch_train.py
var torchTrainScript []byte

// The pretraining step measured: the testbed's shape at its first phase's batch (32 x 256
// tokens), after trainWarmup steps, trainSteps steps at a time, trainReps times on each side.
const (
	trainBatch, trainSeq               = 32, 256
	trainWarmup, trainSteps, trainReps = 2, 3, 3
)

// keepFreedEnv gives a Python process the glibc settings of tensor.KeepFreedMemory, which
// colash's trainer makes.
var keepFreedEnv = []string{"MALLOC_MMAP_MAX_=0", "MALLOC_TRIM_THRESHOLD_=18446744073709551615"}

// Train measures the pretraining step of `colash train lm` (forward, backward, clipping, AdamW)
// at the testbed's shape in tokens per second, against PyTorch eager training the same model
// from the same weights on the same batches with the same hyper-parameters and threads: as
// Debian's Python runs it, and with glibc keeping freed memory as colash's trainer makes it do.
// All sides warm up alike and then take turns, trainSteps steps each; medians are compared.
func Train(ctx context.Context) ([]Result, error) {
	runtime.LockOSThread() // libgomp keeps a thread team per OS thread (decodeRate)
	defer runtime.UnlockOSThread()
	w, err := newTrainWork(trainBatch, trainSeq, 2*trainBatch, 1)
	if err != nil {
		return nil, err
	}
	defer w.free()
	threads := tensor.Threads()
	tokens := float64(trainSteps * trainBatch * trainSeq)
	if _, err := w.steps(trainWarmup); err != nil {
		return nil, err
	}
	sides := []struct {
		name string
		env  []string
		pt   *torchTrainer
		err  error
		rate []float64
	}{{name: "PyTorch eager"}, {name: "PyTorch eager, glibc keeping freed memory", env: keepFreedEnv}}
	for i := range sides {
		sd := &sides[i]
		if sd.pt, sd.err = w.startTorch(threads, sd.env...); sd.err == nil {
			defer sd.pt.close()
			_, sd.err = sd.pt.run(trainWarmup)
		}
	}
	var ours []float64
	for range trainReps {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		sec, err := w.steps(trainSteps)
		if err != nil {
			return nil, err
		}
		ours = append(ours, tokens/sec)
		for i := range sides {
			if sd := &sides[i]; sd.err == nil {
				sec, sd.err = sd.pt.run(trainSteps)
				sd.rate = append(sd.rate, tokens/sec)
			}
		}
	}
	note := fmt.Sprintf("d %d, %d blocks, batch %d x %d, AdamW, clip %g, %d threads, median of %d x %d steps",
		w.cfg.Dim, w.cfg.Layers, trainBatch, trainSeq, w.tcfg.Clip, threads, trainReps, trainSteps)
	res := []Result{{Name: "pretraining step, testbed shape", Value: median(ours), Unit: "tok/s", Note: note}}
	for _, sd := range sides {
		if sd.err != nil {
			res = append(res, Result{Name: sd.name, Note: sd.err.Error()})
			continue
		}
		res = append(res,
			Result{Name: sd.name, Value: median(sd.rate), Unit: "tok/s", Note: "same model, weights, batches and threads, same run, taking turns"},
			Result{Name: "colash / " + sd.name, Value: median(ours) / median(sd.rate), Unit: "x"})
	}
	return res, nil
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}

// trainWork is a freshly initialised testbed-shaped Llama, the sequences it trains on and the
// trainer of `colash train lm` over them, with the same weights and sequences written to dir for
// the PyTorch side.
type trainWork struct {
	cfg   *llama.Config
	tcfg  train.Config
	net   *llama.Model
	seqs  []train.Seq
	tr    *train.Trainer
	dir   string
	batch int
}

// newTrainWork prepares n random sequences of T tokens, batches of B, initial weights from seed.
func newTrainWork(B, T, n int, seed uint64) (*trainWork, error) {
	dir, err := models.Path(models.Testbed)
	if err != nil {
		return nil, err
	}
	cfg, err := llama.ReadConfig(dir)
	if err != nil {
		return nil, err
	}
	w := &trainWork{cfg: cfg, tcfg: train.Defaults(train.StageLM), batch: B}
	w.tcfg.Batch, w.tcfg.Warmup, w.tcfg.Steps = B, 0, 1<<30 // the learning rate stays at its peak
	w.seqs = randomSeqs(n, T, cfg.Vocab, cfg.BOS, seed)
	if w.net, err = train.NewLlama(cfg, seed, gotch.CPU); err != nil {
		return nil, err
	}
	if w.dir, err = os.MkdirTemp("", "colash-bench-train-"); err != nil {
		w.free()
		return nil, err
	}
	if err := w.write(); err != nil {
		w.free()
		return nil, err
	}
	return w, nil
}

// randomSeqs packs documents of random tokens and lengths, each opening with bos (no target),
// into n sequences of T tokens, as pretraining packs its text.
func randomSeqs(n, T, vocab, bos int, seed uint64) []train.Seq {
	r := rand.New(rand.NewPCG(seed, 7))
	var docs []train.Doc
	for total := 0; total < (n+1)*T; {
		d := train.Doc{Tokens: []int{bos}, Loss: []bool{false}}
		for range 20 + r.IntN(200) {
			d.Tokens, d.Loss = append(d.Tokens, r.IntN(vocab)), append(d.Loss, true)
		}
		docs, total = append(docs, d), total+len(d.Tokens)
	}
	return train.Pack(docs, T)[:n]
}

// write saves the initial weights and the sequences (int64 tokens, then one byte per token: 1
// for a target) in the order the trainer's loader will draw them.
func (w *trainWork) write() error {
	if err := weights.SaveFile(filepath.Join(w.dir, "weights.safetensors"), weights.Walk(w.net)); err != nil {
		return err
	}
	order, err := train.NewLoader(w.seqs, w.tcfg.Seed)
	if err != nil {
		return err
	}
	drawn := order.Next(len(w.seqs))
	var toks []int64
	var loss []byte
	for _, q := range drawn {
		toks = append(toks, q.Tokens...)
		for _, l := range q.Loss {
			b := byte(0)
			if l {
				b = 1
			}
			loss = append(loss, b)
		}
	}
	b, err := binary.Append(nil, binary.LittleEndian, toks)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(w.dir, "tokens.bin"), append(b, loss...), 0o644)
}

// trainer is the trainer of `colash train lm` over w's sequences, made at first use.
func (w *trainWork) trainer() (*train.Trainer, error) {
	if w.tr == nil {
		data, err := train.NewLoader(w.seqs, w.tcfg.Seed)
		if err != nil {
			return nil, err
		}
		if w.tr, err = train.NewLMTrainer(w.net, data, w.tcfg); err != nil {
			return nil, err
		}
	}
	return w.tr, nil
}

// steps runs n pretraining steps and returns the seconds they took.
func (w *trainWork) steps(n int) (float64, error) {
	tr, err := w.trainer()
	if err != nil {
		return 0, err
	}
	start := time.Now()
	for range n {
		if _, err := tr.TrainStep(); err != nil {
			return 0, err
		}
	}
	return time.Since(start).Seconds(), nil
}

func (w *trainWork) free() {
	if w.tr != nil {
		w.tr.Free()
	}
	if w.net != nil {
		w.net.Free()
	}
	if w.dir != "" {
		os.RemoveAll(w.dir)
	}
}

// torchTrainer is the PyTorch baseline (testdata/torch_train.py) running in its own process,
// answering one command at a time.
type torchTrainer struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Scanner
}

// startTorch starts the PyTorch side on w's weights and sequences, with threads intra-op threads
// and env added to its environment.
func (w *trainWork) startTorch(threads int, env ...string) (*torchTrainer, error) {
	if err := exec.Command(TorchPython, "-c", "import torch").Run(); err != nil {
		return nil, fmt.Errorf("PyTorch baseline unavailable (%s -c 'import torch': %v)", TorchPython, err)
	}
	c := w.tcfg
	spec, err := json.Marshal(map[string]any{"config": w.cfg, "weights": filepath.Join(w.dir, "weights.safetensors"),
		"tokens": filepath.Join(w.dir, "tokens.bin"), "batch": w.batch, "seq": len(w.seqs[0].Tokens), "threads": threads,
		"lr": c.LR, "weight_decay": c.WeightDecay, "beta1": c.Beta1, "beta2": c.Beta2, "eps": 1e-8, "clip": c.Clip})
	if err != nil {
		return nil, err
	}
	script, specPath := filepath.Join(w.dir, "torch_train.py"), filepath.Join(w.dir, "spec.json")
	if err := os.WriteFile(script, torchTrainScript, 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(specPath, spec, 0o644); err != nil {
		return nil, err
	}
	p := &torchTrainer{cmd: exec.Command(TorchPython, script, specPath)}
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stderr = &strings.Builder{}
	if p.in, err = p.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	p.out = bufio.NewScanner(stdout)
	p.out.Buffer(nil, 1<<20)
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("PyTorch baseline: %w", err)
	}
	return p, nil
}

// ask sends one command and returns the line it answers.
func (p *torchTrainer) ask(line string) (string, error) {
	if _, err := fmt.Fprintln(p.in, line); err != nil {
		return "", fmt.Errorf("PyTorch baseline: %w: %s", err, p.cmd.Stderr)
	}
	if !p.out.Scan() {
		return "", fmt.Errorf("PyTorch baseline stopped: %v %s", p.out.Err(), p.cmd.Stderr)
	}
	return p.out.Text(), nil
}

// run takes n steps and returns the seconds they took.
func (p *torchTrainer) run(n int) (float64, error) {
	out, err := p.ask(fmt.Sprintf("run %d", n))
	if err != nil {
		return 0, err
	}
	return strconv.ParseFloat(out, 64)
}

func (p *torchTrainer) close() {
	p.in.Close()
	p.cmd.Wait()
}
