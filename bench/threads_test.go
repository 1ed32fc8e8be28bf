package bench

import (
	"os"
	"strconv"
	"testing"

	"colash/model/tensor"
)

func TestMain(m *testing.M) {
	n, _ := strconv.Atoi(os.Getenv("COLASH_THREADS"))
	tensor.SetThreads(n)
	os.Exit(m.Run())
}
