package dist

import (
	"strings"
	"testing"
	"time"

	"colash/model/tensor"
)

func TestParseEnv(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	e, err := parseEnv(env())
	if err != nil || e.Size != 1 || e.Rank != 0 {
		t.Fatalf("empty environment: %+v, %v; want a world of one", e, err)
	}
	e, err = parseEnv(env("MASTER_ADDR", "10.0.0.1", "MASTER_PORT", "29500", "RANK", "2", "WORLD_SIZE", "4", "LOCAL_RANK", "1"))
	if err != nil || e != (Env{Addr: "10.0.0.1", Port: 29500, Rank: 2, Size: 4, LocalRank: 1}) {
		t.Fatalf("full environment: %+v, %v", e, err)
	}
	e, err = parseEnv(env("MASTER_ADDR", "h", "MASTER_PORT", "29500", "RANK", "3", "WORLD_SIZE", "4", "LOCAL_WORLD_SIZE", "2"))
	if err != nil || e.LocalSize != 2 {
		t.Fatalf("two processes a node: %+v, %v", e, err)
	}
	e, err = parseEnv(env("COLASH_DIST_TIMEOUT", "90s", "COLASH_DIST_JOIN_TIMEOUT", "30m"))
	if err != nil || e.Timeout != 90*time.Second || e.Join != 30*time.Minute {
		t.Fatalf("timeouts from the environment: %+v, %v", e, err)
	}
	// torchrun's static rendezvous: its agent serves the store, the workers of the second attempt
	// use their own prefix; the restart count is read in a world of one too.
	e, err = parseEnv(env("MASTER_ADDR", "h", "MASTER_PORT", "29500", "RANK", "1", "WORLD_SIZE", "2",
		"TORCHELASTIC_USE_AGENT_STORE", "True", "TORCHELASTIC_RESTART_COUNT", "1"))
	if err != nil || !e.AgentStore || e.Restart != 1 || e.StorePrefix() != "/worker/attempt_1" {
		t.Fatalf("torchrun's agent store: %+v, %v, prefix %q", e, err, e.StorePrefix())
	}
	for _, v := range []string{"False", "true", ""} { // torch compares with str(True)
		e, err = parseEnv(env("TORCHELASTIC_USE_AGENT_STORE", v, "TORCHELASTIC_RESTART_COUNT", "3"))
		if err != nil || e.AgentStore || e.Restart != 3 || e.StorePrefix() != "" {
			t.Errorf("TORCHELASTIC_USE_AGENT_STORE=%q: %+v, %v, prefix %q", v, e, err, e.StorePrefix())
		}
	}
	for _, c := range []struct {
		kv   []string
		want string
	}{
		{[]string{"TORCHELASTIC_RESTART_COUNT", "x"}, `TORCHELASTIC_RESTART_COUNT="x" is not an integer`},
		{[]string{"TORCHELASTIC_RESTART_COUNT", "-1"}, "TORCHELASTIC_RESTART_COUNT=-1, want >= 0"},
		{[]string{"WORLD_SIZE", "2", "MASTER_PORT", "1", "RANK", "0"}, "MASTER_ADDR is not set"},
		{[]string{"WORLD_SIZE", "2", "MASTER_ADDR", "h", "RANK", "0"}, "MASTER_PORT is not set"},
		{[]string{"WORLD_SIZE", "2", "MASTER_ADDR", "h", "MASTER_PORT", "1"}, "RANK is not set"},
		{[]string{"WORLD_SIZE", "2", "MASTER_ADDR", "h", "MASTER_PORT", "1", "RANK", "2"}, "outside [0, WORLD_SIZE=2)"},
		{[]string{"WORLD_SIZE", "2", "MASTER_ADDR", "h", "MASTER_PORT", "70000", "RANK", "1"}, "not a TCP port"},
		{[]string{"WORLD_SIZE", "2", "MASTER_ADDR", "h", "MASTER_PORT", "1", "RANK", "1", "LOCAL_WORLD_SIZE", "3"}, "LOCAL_WORLD_SIZE=3 is outside [1, WORLD_SIZE=2]"},
		{[]string{"WORLD_SIZE", "two"}, `WORLD_SIZE="two" is not an integer`},
		{[]string{"WORLD_SIZE", "0"}, "want >= 1"},
		{[]string{"COLASH_DIST_TIMEOUT", "10"}, `COLASH_DIST_TIMEOUT="10": want a positive duration`},
		{[]string{"COLASH_DIST_JOIN_TIMEOUT", "-1m"}, `COLASH_DIST_JOIN_TIMEOUT="-1m"`},
	} {
		if _, err := parseEnv(env(c.kv...)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want %q", c.kv, err, c.want)
		}
	}
}

// TestSingle: a world of one needs no environment and no network; collectives keep values.
func TestSingle(t *testing.T) {
	t.Setenv("WORLD_SIZE", "")
	g, err := FromEnv(time.Second)
	if err != nil || g.Size() != 1 || g.Rank() != 0 {
		t.Fatalf("FromEnv without env: %v, %v", g, err)
	}
	defer g.Close()
	x := newT(values(0))
	for _, op := range []Op{Sum, Avg} {
		if err := g.AllReduce(x, op); err != nil {
			t.Fatal(err)
		}
	}
	if err := g.Broadcast(x, 0); err != nil {
		t.Fatal(err)
	}
	all, err := g.AllGather(x)
	if err != nil || len(all) != 1 {
		t.Fatalf("allgather: %d tensors, %v", len(all), err)
	}
	if err := same(tensor.Float32s(all[0]), values(0)); err != nil {
		t.Error(err)
	}
	if err := same(tensor.Float32s(x), values(0)); err != nil {
		t.Error(err)
	}
	if err := g.Broadcast(x, 1); err == nil {
		t.Error("broadcast from rank 1 in a world of one: no error")
	}
	if err := g.AllReduce(x, Op(7)); err == nil {
		t.Error("unknown op: no error")
	}
	if err := g.Barrier(); err != nil {
		t.Error(err)
	}
}

// TestBlock: the ranks' blocks cover the rows once, in rank order; one process has them all.
func TestBlock(t *testing.T) {
	var none *Group
	if lo, hi := none.Block(7); lo != 0 || hi != 7 {
		t.Errorf("nil group: [%d, %d), want [0, 7)", lo, hi)
	}
	for _, n := range []int{10, 8, 2} {
		next := 0
		for r := range 3 {
			lo, hi := (&Group{env: Env{Rank: r, Size: 3}}).Block(n)
			if lo != next || hi < lo || hi-lo > n/3+1 {
				t.Errorf("%d rows, rank %d of 3: [%d, %d) after %d", n, r, lo, hi, next)
			}
			next = hi
		}
		if next != n {
			t.Errorf("%d rows: the blocks end at %d", n, next)
		}
	}
}
