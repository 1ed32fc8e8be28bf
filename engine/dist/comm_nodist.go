//go:build nodist

package dist

import (
	"errors"
	"time"

	"github.com/sugarme/gotch/ts"
)

// Built with -tags nodist (a libtorch without the c10d and Gloo headers at Debian's paths, such as
// a pip wheel's, before its flags are set up: docs/distributed.md), every job is a world of one.
const withC10d = false

type comm struct{}

var errNoC10d = errors.New("colash was built with -tags nodist, without c10d: only a world of one (unset WORLD_SIZE)")

func newComm(Env, time.Duration, time.Duration) (*comm, error) { return nil, errNoC10d }
func (*comm) allReduce(*ts.Tensor, Op) error                   { return errNoC10d }
func (*comm) broadcast(*ts.Tensor, int) error                  { return errNoC10d }
func (*comm) allGather(*ts.Tensor, int) ([]*ts.Tensor, error)  { return nil, errNoC10d }
func (*comm) barrier() error                                   { return errNoC10d }
func (*comm) close()                                           {}
