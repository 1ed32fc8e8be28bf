package shapes

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"

	"colash/model/safetensors"
	"colash/model/weights"
)

// chunk is how many values one PCG stream draws: a tensor's values depend on the seed, its name
// and their position, not on how many goroutines fill it.
const chunk = 1 << 20

// generator fills tensors with seeded values as the writer asks for them, into one buffer that
// every tensor reuses (the writer is done with a tensor's bytes before it asks for the next), so
// the memory held is the largest tensor's.
type generator struct {
	dt       safetensors.DType
	seed     uint64
	elements int64 // of every tensor
	largest  int64 // elements of the largest
	buf      []byte

	mu       sync.Mutex
	done     int64
	progress func(done, total int64)
}

// randomSources lists params (tied ones left out when tie is set) as tensors of values uniform in
// [-0.02, 0.02), norm weights (init:"ones") 1, stored as dt.
func randomSources(params []weights.Param, dims weights.Dims, tie bool, dt safetensors.DType, seed uint64) ([]safetensors.TensorSource, *generator, error) {
	if dt != "BF16" && dt != "F16" && dt != "F32" {
		return nil, nil, fmt.Errorf("stored dtype %q: want BF16, F16 or F32", dt)
	}
	g := &generator{dt: dt, seed: seed}
	var srcs []safetensors.TensorSource
	for _, p := range params {
		if p.Tied != "" && tie {
			continue
		}
		shape, err := dims.Resolve(p)
		if err != nil {
			return nil, nil, err
		}
		n, ints := int64(1), make([]int, len(shape))
		for j, d := range shape {
			n, ints[j] = n*d, int(d)
		}
		g.elements += n
		g.largest = max(g.largest, n)
		name, ones := p.Name, p.Init == "ones"
		srcs = append(srcs, safetensors.TensorSource{Name: name, DType: dt, Shape: ints,
			Bytes: func() ([]byte, error) { return g.fill(name, n, ones), nil }})
	}
	return srcs, g, nil
}

// fill generates one tensor's bytes, in chunks spread over the cores.
func (g *generator) fill(name string, n int64, ones bool) []byte {
	es := int64(g.dt.Size())
	if g.buf == nil {
		g.buf = make([]byte, g.largest*es)
	}
	out := g.buf[:n*es]
	chunks := (n + chunk - 1) / chunk
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(int64(runtime.GOMAXPROCS(0)), chunks) {
		wg.Go(func() {
			for c := next.Add(1) - 1; c < chunks; c = next.Add(1) - 1 {
				lo, hi := c*chunk, min((c+1)*chunk, n)
				g.fillChunk(out[lo*es:hi*es], name, uint64(c), ones)
				g.advance((hi - lo) * es)
			}
		})
	}
	wg.Wait()
	return out
}

// fillChunk writes chunk c of a tensor: two values per 64 random bits, 24 bits each.
func (g *generator) fillChunk(dst []byte, name string, c uint64, ones bool) {
	src := rand.NewPCG(g.seed^(c*0x9e3779b97f4a7c15), weights.Stream(name))
	es := g.dt.Size()
	var u uint64
	for i := 0; i < len(dst)/es; i++ {
		v := float32(1)
		if !ones {
			if i%2 == 0 {
				u = src.Uint64()
			} else {
				u <<= 24
			}
			v = 0.04*float32(u>>40)*(1.0/(1<<24)) - 0.02
		}
		switch g.dt {
		case "BF16":
			binary.LittleEndian.PutUint16(dst[2*i:], safetensors.Float32ToBFloat16(v))
		case "F16":
			binary.LittleEndian.PutUint16(dst[2*i:], safetensors.Float32ToFloat16(v))
		default:
			binary.LittleEndian.PutUint32(dst[4*i:], math.Float32bits(v))
		}
	}
}

func (g *generator) advance(bytes int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.done += bytes
	if g.progress != nil {
		g.progress(g.done, g.elements*int64(g.dt.Size()))
	}
}
