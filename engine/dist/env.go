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
	Iface     string // GLOO_SOCKET_IFNAME: the network interface Gloo binds ("" = by address)

	// Timeout (COLASH_DIST_TIMEOUT) bounds each collective and Join (COLASH_DIST_JOIN_TIMEOUT)
	// the rendezvous, as Go durations ("90s", "30m"); 0 (unset): the command's default.
	Timeout, Join time.Duration
}

// Variables names the environment variables of the contract, in the order launchers set them.
var Variables = []string{"MASTER_ADDR", "MASTER_PORT", "RANK", "WORLD_SIZE", "LOCAL_RANK"}

// ReadEnv reads the contract from the process environment. With WORLD_SIZE unset (or 1) it is a
// world of one and nothing else is required.
func ReadEnv() (Env, error) { return parseEnv(os.Getenv) }

func parseEnv(get func(string) string) (Env, error) {
	e := Env{Size: 1, Addr: get("MASTER_ADDR"), Iface: get("GLOO_SOCKET_IFNAME")}
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
	}{{"MASTER_PORT", &e.Port, ""}, {"RANK", &e.Rank, ""}, {"LOCAL_RANK", &e.LocalRank, "0"}} {
		if err := num(f.key, f.dst, f.def); err != nil {
			return e, err
		}
	}
	if e.Rank < 0 || e.Rank >= e.Size {
		return e, fmt.Errorf("dist: RANK=%d is outside [0, WORLD_SIZE=%d)", e.Rank, e.Size)
	}
	if e.Port < 1 || e.Port > 65535 {
		return e, fmt.Errorf("dist: MASTER_PORT=%d is not a TCP port", e.Port)
	}
	return e, nil
}
