package dist

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

// Env is the torchrun / Kubernetes (PyTorchJob, JobSet) contract: every process of a job gets the
// rendezvous address, its global rank, the world size and its rank on its own node.
type Env struct {
	Addr      string // MASTER_ADDR: the host of rank 0, which serves the rendezvous store
	Port      int    // MASTER_PORT
	Rank      int    // RANK, in [0, Size)
	Size      int    // WORLD_SIZE
	LocalRank int    // LOCAL_RANK: picks the GPU on a node (cuda:LocalRank)
	LocalSize int    // LOCAL_WORLD_SIZE: processes on each node (0: unset, one node)
	Iface     string // GLOO_SOCKET_IFNAME: the network interface Gloo binds ("" = by address)

	// Timeout (COLASH_DIST_TIMEOUT) bounds each collective and Join (COLASH_DIST_JOIN_TIMEOUT)
	// the rendezvous, as Go durations ("90s", "30m"); 0 (unset): the command's default.
	Timeout, Join time.Duration

	// AgentStore (TORCHELASTIC_USE_AGENT_STORE=True, set by torchrun with its static rendezvous):
	// torchrun's agent on node 0 already serves the store at Addr:Port, so every rank, rank 0
	// too, is a client of it, under StorePrefix.
	AgentStore bool
	// Restart (TORCHELASTIC_RESTART_COUNT) is how many times torchrun has restarted the job's
	// processes (--max_restarts); a job restarted resumes from its checkpoint.
	Restart int
}

// StorePrefix is where this job's keys live in the store: under torchrun's agent store,
// "/worker/attempt_<Restart>", a fresh namespace for each restart (torch 1.13,
// torch/distributed/rendezvous.py, _create_c10d_store: a TCPStore client wrapped in
// PrefixStore(f"/worker/attempt_{attempt}"), for every rank, when
// _torchelastic_use_agent_store(); the agent sets both variables in
// elastic/agent/server/local_elastic_agent.py, _start_workers). "" when rank 0 serves the store.
func (e Env) StorePrefix() string {
	if !e.AgentStore {
		return ""
	}
	return "/worker/attempt_" + strconv.Itoa(e.Restart)
}

// Variables names the environment variables of the contract, in the order launchers set them.
var Variables = []string{"MASTER_ADDR", "MASTER_PORT", "RANK", "WORLD_SIZE", "LOCAL_RANK"}

// ReadEnv reads the contract from the process environment. With WORLD_SIZE unset (or 1) it is a
// world of one and nothing else is required.
func ReadEnv() (Env, error) { return parseEnv(os.Getenv) }

func parseEnv(get func(string) string) (Env, error) {
	// torch compares the variable with str(True) (rendezvous.py, _torchelastic_use_agent_store).
	e := Env{Size: 1, Addr: get("MASTER_ADDR"), Iface: get("GLOO_SOCKET_IFNAME"), AgentStore: get("TORCHELASTIC_USE_AGENT_STORE") == "True"}
	num := func(key string, dst *int, def string) error {
		v := get(key)
		if v == "" {
			v = def
		}
		if v == "" {
			return fmt.Errorf("dist: %s is not set (WORLD_SIZE=%d needs %v)", key, e.Size, Variables[:4])
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("dist: %s=%q is not an integer", key, v)
		}
		*dst = n
		return nil
	}
	if err := num("WORLD_SIZE", &e.Size, "1"); err != nil {
		return e, err
	}
	for _, f := range []struct {
		key string
		dst *time.Duration
	}{{"COLASH_DIST_TIMEOUT", &e.Timeout}, {"COLASH_DIST_JOIN_TIMEOUT", &e.Join}} {
		if v := get(f.key); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return e, fmt.Errorf("dist: %s=%q: want a positive duration such as 90s or 30m", f.key, v)
			}
			*f.dst = d
		}
	}
	if e.Size < 1 {
		return e, fmt.Errorf("dist: WORLD_SIZE=%d, want >= 1", e.Size)
	}
	if err := num("TORCHELASTIC_RESTART_COUNT", &e.Restart, "0"); err != nil {
		return e, err
	}
	if e.Restart < 0 {
		return e, fmt.Errorf("dist: TORCHELASTIC_RESTART_COUNT=%d, want >= 0", e.Restart)
	}
	if e.Size == 1 {
		return e, num("LOCAL_RANK", &e.LocalRank, "0")
	}
	if e.Addr == "" {
		return e, fmt.Errorf("dist: MASTER_ADDR is not set (WORLD_SIZE=%d needs %v)", e.Size, Variables[:4])
	}
	for _, f := range []struct {
		key string
		dst *int
		def string
	}{{"MASTER_PORT", &e.Port, ""}, {"RANK", &e.Rank, ""}, {"LOCAL_RANK", &e.LocalRank, "0"}, {"LOCAL_WORLD_SIZE", &e.LocalSize, "0"}} {
		if err := num(f.key, f.dst, f.def); err != nil {
			return e, err
		}
	}
	if e.Rank < 0 || e.Rank >= e.Size {
		return e, fmt.Errorf("dist: RANK=%d is outside [0, WORLD_SIZE=%d)", e.Rank, e.Size)
	}
	if e.LocalSize < 0 || e.LocalSize > e.Size {
		return e, fmt.Errorf("dist: LOCAL_WORLD_SIZE=%d is outside [1, WORLD_SIZE=%d]", e.LocalSize, e.Size)
	}
	if e.Port < 1 || e.Port > 65535 {
		return e, fmt.Errorf("dist: MASTER_PORT=%d is not a TCP port", e.Port)
	}
	return e, nil
}
